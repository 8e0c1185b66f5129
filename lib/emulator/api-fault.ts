// An API error reply, as every room of the emulator raises it: `Response.Error.Code` and `Message`.
export class ApiFault extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

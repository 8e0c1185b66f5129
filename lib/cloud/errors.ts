// The plugin's one error type. API errors keep the API's Code, Message, RequestId and Action; failures of
// our own (configuration, bad input, transport) use codes in the `Plugin.` and `Transport.` families. The
// message is always a sentence a user can act on; the plugin turns it into serverless's own error class.

export interface ScfErrorContext {
  action?: string;
  /** The API's own Message. */
  apiMessage?: string;
  /** RequestId of the failed API call, when there was a reply. */
  requestId?: string;
  functionName?: string;
  namespace?: string;
  region?: string;
  /** Where the credentials came from (never the credentials). */
  credentialsSource?: string;
  /** Where each part of them was read (environment variable, profile file key), for a message about one part. */
  credentialFields?: { secretId: string; secretKey: string; token: string };
  endpoint?: string;
  /** The service the call went to: scf, cls, tag. */
  service?: string;
  /** A transport failure after the request was sent: an Invoke may have run. */
  ambiguous?: boolean;
  /** Seconds the local clock is ahead of the server's (negative: behind), when known. */
  clockSkewSeconds?: number;
  /** The HTTP status of a failed COS request. */
  httpStatus?: number;
  cause?: unknown;
}

export class ScfError extends Error {
  readonly code: string;
  readonly context: ScfErrorContext;

  constructor(code: string, message: string, context: ScfErrorContext = {}) {
    super(message);
    this.name = 'ScfError';
    this.code = code;
    this.context = context;
  }

  get action(): string | undefined {
    return this.context.action;
  }

  get requestId(): string | undefined {
    return this.context.requestId;
  }

  /** Throttled: `RequestLimitExceeded` or one of its kinds (per account, per IP, across regions, ...). */
  get throttled(): boolean {
    return isThrottleCode(this.code);
  }

  /** Errors worth a retry on a read: throttling, transient server-side failures, and transport failures. */
  get retryableRead(): boolean {
    return this.throttled || isTransientCode(this.code) || this.code.startsWith('Transport.');
  }

  /**
   * Errors that prove a request was not carried out, so even an Invoke may be sent again: a throttled request is
   * refused before it runs. A transient server failure (InternalError, ServiceUnavailable) proves nothing.
   */
  get provablyNotRun(): boolean {
    return this.throttled || (this.code.startsWith('Transport.') && this.context.ambiguous === false);
  }
}

/**
 * The API's throttling codes: `RequestLimitExceeded` and its kinds (`.UinLimitExceeded`, `.IPLimitExceeded`,
 * `.GlobalRegionUinLimitExceeded`, ... in the common error codes), all answered before the request runs.
 */
export function isThrottleCode(code: string): boolean {
  return code === 'RequestLimitExceeded' || code.startsWith('RequestLimitExceeded.');
}

/** Server-side failures that may pass: `InternalError` and its kinds, `ServiceUnavailable`. */
export function isTransientCode(code: string): boolean {
  return code === 'InternalError' || code.startsWith('InternalError.') || code === 'ServiceUnavailable' || code.startsWith('ServiceUnavailable.');
}

export function isScfError(error: unknown): error is ScfError {
  return error instanceof ScfError;
}

/** Transport failures that mean the endpoint cannot be reached at all (nothing was sent). */
export function isUnreachable(error: unknown): boolean {
  return error instanceof ScfError && error.code.startsWith('Transport.') && error.context.ambiguous === false;
}

/** A failure of ours before anything was sent: bad options, configuration or files. */
export function inputError(message: string): ScfError {
  return new ScfError('Plugin.InvalidInput', message);
}

function where(context: ScfErrorContext): string {
  const parts: string[] = [];
  if (context.namespace) parts.push(`namespace "${context.namespace}"`);
  if (context.region) parts.push(`region ${context.region}`);
  return parts.length ? ` in ${parts.join(', ')}` : '';
}

function suffix(context: ScfErrorContext): string {
  return context.requestId ? ` (${context.action ?? 'request'} RequestId ${context.requestId})` : '';
}

/**
 * Text from a server, made safe to print on a terminal: escape sequences (which could move the cursor, rewrite
 * the screen or set the window title) and other control characters are removed; newlines and tabs stay.
 */
export function plainText(text: string): string {
  return text
    .replace(/\u001b\][^\u0007\u001b]*(\u0007|\u001b\\)?/g, '')
    .replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, '')
    .replace(/\u001b[@-_]?/g, '')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
}

/** The services' names as the console shows them, by the `service` of an error's context. */
const SERVICE_NAMES: Readonly<Record<string, string>> = { scf: 'SCF', cls: 'CLS', tag: 'The Tag API', monitor: 'Cloud Monitor', sts: 'STS', ssm: 'Secrets Manager' };

/** Builds the error for an API reply's `Error`, with a sentence for the codes users meet most. */
export function apiError(rawCode: string, rawMessage: string, context: ScfErrorContext): ScfError {
  const code = plainText(rawCode).slice(0, 200);
  const apiMessage = plainText(rawMessage);
  const full = { ...context, apiMessage };
  const fn = context.functionName ? `"${context.functionName}"` : 'the function';
  const source = context.credentialsSource ? ` from ${context.credentialsSource}` : '';
  // One part of the pair: named by where it was read (TENCENTCLOUD_SECRET_KEY, secret_key of profile X in FILE).
  const part = (name: 'secretId' | 'secretKey' | 'token', what: string) =>
    context.credentialFields ? `${what} (${context.credentialFields[name]})` : `${what}${source}`;
  let sentence: string;
  switch (isThrottleCode(code) ? 'RequestLimitExceeded' : code) {
    case 'ResourceNotFound.Function':
    case 'ResourceNotFound.FunctionName':
    case 'InvalidParameterValue.FunctionName':
      sentence = `Function ${fn} was not found${where(context)}. Is it deployed, and are the stage, region and namespace right?`;
      break;
    case 'ResourceNotFound.Namespace':
      sentence = `Namespace "${context.namespace ?? ''}" does not exist${context.region ? ` in region ${context.region}` : ''}.`;
      break;
    case 'ResourceNotFound.Version':
      sentence = `Version or alias not found for function ${fn}${where(context)}: ${apiMessage}`;
      break;
    case 'AuthFailure.SecretIdNotFound':
      sentence = `Tencent Cloud does not know the ${part('secretId', 'SecretId')}. Check the credentials.`;
      break;
    case 'AuthFailure.SignatureFailure':
      sentence = `Tencent Cloud refused the request signature: the ${part('secretKey', 'SecretKey')} does not match its SecretId.`;
      break;
    case 'AuthFailure.TokenFailure':
      sentence = `Tencent Cloud refused the ${part('token', 'session token')}: it is invalid or has expired.`;
      break;
    case 'AuthFailure.UnauthorizedOperation':
      sentence = `The credentials${source} are not allowed to call ${context.action ?? 'this action'}: ${apiMessage}`;
      break;
    case 'AuthFailure.SignatureExpire': {
      const skew = context.clockSkewSeconds;
      sentence =
        skew !== undefined
          ? `The request was refused as expired: this machine's clock is ${Math.abs(skew)} s ${skew > 0 ? 'ahead of' : 'behind'} Tencent Cloud's. Fix the local clock.`
          : `The request was refused as expired: this machine's clock is more than 5 minutes off. Fix the local clock.`;
      break;
    }
    case 'RequestLimitExceeded':
      sentence = `Tencent Cloud throttled ${context.action ?? 'the request'} (${code}) and retries did not get through.`;
      break;
    case 'OperationDenied.AccountIsolate':
      sentence = 'The Tencent Cloud account is isolated (overdue payment?): SCF refuses requests.';
      break;
    case 'UnsupportedRegion': {
      // The server says why (the emulator: which region its account is in); a local endpoint is the emulator.
      const own = apiMessage ? ` ${apiMessage.replace(/\.?$/, '.')}` : '';
      const local = context.endpoint && /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/i.test(context.endpoint);
      const hint = local
        ? ` For the emulator at ${context.endpoint}: run sls with --region set to its region, or start it with scf-emulator --region ${context.region ?? 'REGION'}.`
        : '';
      sentence = `${SERVICE_NAMES[context.service ?? 'scf'] ?? 'The service'} is not available in region ${context.region ?? '(unknown)'}.${own}${hint}`;
      break;
    }
    default:
      sentence = `${context.action ?? 'The request'} failed: ${code}: ${apiMessage}`;
  }
  return new ScfError(code, sentence + suffix(full), full);
}

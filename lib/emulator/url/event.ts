// What a function URL does with a request, as pure functions: the event an event function receives (the API
// gateway shape without headerParameters, isBase64Encoded, pathParameters, queryStringParameters and
// requestContext: product doc 583/96099), the HTTP response its return value becomes, and CORS as the URL's
// CorsConfig says (preflights answered by the URL itself, the allowed origin echoed on answers).

export interface UrlRequest {
  method: string;
  /** The path and query as the client sent them. */
  target: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  remoteAddress: string;
}

/** The event of an event function called through its URL. */
export function urlEvent(request: UrlRequest): Record<string, unknown> {
  const url = new URL(request.target, 'http://function.url');
  const headers: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  headers['x-scf-remote-addr'] = request.remoteAddress;
  const queryString: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of url.searchParams) {
    const had = queryString[key];
    queryString[key] = had === undefined ? value : ([] as string[]).concat(had, value);
  }
  return { body: request.body.toString('utf8'), headers, httpMethod: request.method.toUpperCase(), path: decodeURIComponent(url.pathname), queryString };
}

export interface UrlResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * The HTTP response an event function's return value (JSON text) becomes: `{statusCode, headers, body,
 * isBase64Encoded}` as it says; any other value is a 200 of application/json with the value as its body (a string
 * as it is, anything else as JSON).
 */
export function urlResponse(retMsg: string): UrlResponse {
  let value: unknown;
  try {
    value = JSON.parse(retMsg);
  } catch {
    value = retMsg;
  }
  if (value && typeof value === 'object' && !Array.isArray(value) && typeof (value as Record<string, unknown>).statusCode === 'number') {
    const shaped = value as { statusCode: number; headers?: unknown; body?: unknown; isBase64Encoded?: unknown };
    const headers: Record<string, string> = {};
    if (shaped.headers && typeof shaped.headers === 'object') {
      for (const [name, header] of Object.entries(shaped.headers as Record<string, unknown>)) if (header !== undefined && header !== null) headers[name] = String(header);
    }
    const text = shaped.body === undefined || shaped.body === null ? '' : typeof shaped.body === 'string' ? shaped.body : JSON.stringify(shaped.body);
    const body = shaped.isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
    const status = Number.isInteger(shaped.statusCode) && shaped.statusCode >= 100 && shaped.statusCode <= 599 ? shaped.statusCode : 502;
    return { statusCode: status, headers, body };
  }
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
  return { statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: Buffer.from(text, 'utf8') };
}

export interface CorsConfig {
  Enable?: boolean;
  Origins?: string[];
  Methods?: string[];
  Headers?: string[];
  ExposeHeaders?: string[];
  MaxAge?: number;
  Credentials?: boolean;
}

/** The CorsConfig of a function URL's desc, when it is on. */
export function corsOf(desc: Record<string, unknown>): CorsConfig | undefined {
  const cors = desc.CorsConfig;
  if (!cors || typeof cors !== 'object' || (cors as CorsConfig).Enable === false) return undefined;
  return cors as CorsConfig;
}

function allowedOrigin(cors: CorsConfig, origin: string | undefined): string | undefined {
  if (!origin) return undefined;
  const origins = cors.Origins ?? ['*'];
  if (origins.includes(origin)) return origin;
  // With credentials the browser wants the origin itself, never `*`.
  if (origins.includes('*')) return cors.Credentials ? origin : '*';
  return undefined;
}

/** Whether a request is a CORS preflight (answered by the URL, never by the function). */
export function isPreflight(request: Pick<UrlRequest, 'method' | 'headers'>): boolean {
  return request.method === 'OPTIONS' && typeof request.headers.origin === 'string' && typeof request.headers['access-control-request-method'] === 'string';
}

/** The answer to a preflight: 204 with what CORS allows, or 403 when the origin or method is not allowed. */
export function preflightResponse(cors: CorsConfig, request: Pick<UrlRequest, 'headers'>): UrlResponse {
  const origin = allowedOrigin(cors, request.headers.origin as string);
  const method = String(request.headers['access-control-request-method']).toUpperCase();
  const methods = (cors.Methods ?? []).map((m) => m.toUpperCase());
  if (!origin || !(methods.includes('*') || methods.includes(method))) return { statusCode: 403, headers: { 'Content-Type': 'text/plain' }, body: Buffer.from('CORS: origin or method not allowed') };
  const headers: Record<string, string> = {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Methods': methods.join(', '),
    'Access-Control-Allow-Headers': (cors.Headers ?? ['*']).includes('*') ? String(request.headers['access-control-request-headers'] ?? '*') : (cors.Headers ?? []).join(', '),
    Vary: 'Origin',
  };
  if (cors.MaxAge !== undefined) headers['Access-Control-Max-Age'] = String(cors.MaxAge);
  if (cors.Credentials) headers['Access-Control-Allow-Credentials'] = 'true';
  return { statusCode: 204, headers, body: Buffer.alloc(0) };
}

/** The CORS headers an answer to an allowed origin carries. */
export function corsHeaders(cors: CorsConfig, origin: string | undefined): Record<string, string> {
  const allowed = allowedOrigin(cors, origin);
  if (!allowed) return {};
  const headers: Record<string, string> = { 'Access-Control-Allow-Origin': allowed, Vary: 'Origin' };
  if (cors.ExposeHeaders?.length) headers['Access-Control-Expose-Headers'] = cors.ExposeHeaders.join(', ');
  if (cors.Credentials) headers['Access-Control-Allow-Credentials'] = 'true';
  return headers;
}

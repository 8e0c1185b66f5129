// `sls invoke -f WEB --method POST --http-path /users -d ...`: a web function answers HTTP, not Invoke: the
// request goes to its function URL (signed with TC3-HMAC-SHA256 when the URL's AuthType is CAM) and the response
// is printed, its status line and headers on stderr, its body on stdout. `sls invoke local` of a web function
// starts its scf_bootstrap here (lib/runtime/web), sends the one request and stops it. Options named apart from
// --path (the event file): --method, --http-path, --header.
import { inputError, plainText, ScfError } from '../cloud/errors';
import { canonicalHeaders, sha256Hex, signCanonicalRequest, TC3_ALGORITHM } from '../cloud/signing';
import type { Credentials } from '../config/credentials';
import type { TencentProvider } from '../provider';
import { httpRequest, requestInstance, startWebInstance, type WebResponse } from '../runtime/web';
import type { FunctionSpec } from '../runtime/types';

export interface WebInvokeOptions {
  function?: string;
  method?: string;
  'http-path'?: string;
  header?: string | string[];
  data?: string;
  qualifier?: string;
}

/** The address a function URL's desc reports (SCF fills in NetConfig's …Url fields): extranet first. */
export function functionUrl(desc: string): string | undefined {
  try {
    const net = JSON.parse(desc)?.NetConfig ?? {};
    return [net.ExtranetUrl, net.IntranetUrl, net.ExtranetHTTPUrl, net.IntranetHTTPUrl].find((u) => typeof u === 'string' && /^https?:\/\//.test(u));
  } catch {
    return undefined;
  }
}

/** The request the options describe. */
export function webRequest(options: WebInvokeOptions): { method: string; path: string; headers: Record<string, string>; body: Buffer } {
  const method = (options.method ?? (options.data !== undefined ? 'POST' : 'GET')).toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw inputError(`--method must be an HTTP method like GET or POST, not "${options.method}".`);
  const path = options['http-path'] ?? '/';
  if (!path.startsWith('/')) throw inputError(`--http-path must start with "/" (and may carry a query string), not "${path}".`);
  const headers: Record<string, string> = {};
  for (const item of ([] as string[]).concat(options.header ?? []).map(String)) {
    const colon = item.indexOf(':');
    if (colon <= 0) throw inputError(`--header must be "Name: value", not "${item}".`);
    headers[item.slice(0, colon).trim().toLowerCase()] = item.slice(colon + 1).trim();
  }
  const body = Buffer.from(options.data ?? '', 'utf8');
  if (body.length && !headers['content-type']) headers['content-type'] = /^\s*[[{]/.test(options.data ?? '') ? 'application/json' : 'text/plain';
  return { method, path, headers, body };
}

/** TC3-HMAC-SHA256 over the request (service scf, the path as canonical URI is not what the API uses: `/`). */
function signRequest(request: { method: string; path: string; headers: Record<string, string>; body: Buffer }, host: string, credentials: Credentials): Record<string, string> {
  const timestamp = Math.floor(Date.now() / 1000);
  const query = request.path.includes('?') ? request.path.slice(request.path.indexOf('?') + 1) : '';
  const signed = { 'content-type': request.headers['content-type'] ?? 'application/json', host };
  const { canonical, signedHeaders } = canonicalHeaders(signed);
  const canonicalRequest = [request.method, '/', query, canonical, signedHeaders, sha256Hex(request.body)].join('\n');
  const { signature, credentialScope } = signCanonicalRequest(canonicalRequest, timestamp, 'scf', credentials.secretKey);
  const headers: Record<string, string> = {
    'content-type': signed['content-type'],
    'x-tc-timestamp': String(timestamp),
    authorization: `${TC3_ALGORITHM} Credential=${credentials.secretId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
  if (credentials.token) headers['x-tc-token'] = credentials.token;
  return headers;
}

/** Prints a response: status and headers on stderr, the body on stdout; a 5xx exits non-zero. */
function report(provider: TencentProvider, key: string, response: WebResponse): void {
  const { log, writeText } = provider.io;
  const headers = Object.entries(response.headers).map(([name, value]) => `${name}: ${Array.isArray(value) ? value.join(', ') : value}`);
  log.notice(plainText([`HTTP ${response.statusCode}`, ...headers].join('\n')));
  const body = response.body.toString('utf8');
  if (response.statusCode >= 500) throw new ScfError('Plugin.FunctionFailed', `${key} answered HTTP ${response.statusCode}: ${plainText(body).slice(0, 500)}`);
  writeText(body);
}

/** `sls invoke` of a web function: through its function URL. */
export async function invokeWebFunction(provider: TencentProvider, options: WebInvokeOptions): Promise<void> {
  const key = String(options.function);
  const request = webRequest(options);
  const target = provider.functionTarget(key);
  const clients = provider.clients();
  const urls = (await clients.scf.listTriggers(target)).filter((t) => t.type === 'http');
  const qualifier = options.qualifier;
  const trigger = urls.find((t) => (qualifier ? t.qualifier === qualifier : t.qualifier === '$DEFAULT')) ?? (qualifier ? undefined : urls[0]);
  const address = trigger && functionUrl(trigger.desc);
  if (!trigger || !address) {
    throw inputError(`${key} is a web function and has no function URL${qualifier ? ` on ${qualifier}` : ''} to send the request to: add "- http: true" to its events and deploy.`);
  }
  const url = new URL(address);
  let desc: { AuthType?: string } = {};
  try {
    desc = JSON.parse(trigger.desc);
  } catch {
    // no auth known: sent unsigned
  }
  const headers = desc.AuthType === 'CAM' ? { ...request.headers, ...signRequest(request, url.host, await clients.transport.credentials()) } : request.headers;
  provider.io.log.notice(`${request.method} ${url.origin}${request.path}`);
  let response: WebResponse;
  try {
    response = await httpRequest(url, { ...request, headers }, 330_000);
  } catch (error) {
    throw new ScfError('Transport.Failed', `The request to ${key}'s function URL ${url.origin} failed: ${(error as Error).message}`);
  }
  report(provider, key, response);
}

/** `sls invoke local` of a web function: its server started here, one request, then stopped. */
export async function invokeLocalWebFunction(provider: TencentProvider, spec: FunctionSpec, options: WebInvokeOptions & { initTimeout?: number; extraEnv?: Record<string, string> }): Promise<void> {
  const key = String(options.function);
  const request = webRequest(options);
  const { log } = provider.io;
  const instance = await startWebInstance({ spec, initTimeout: options.initTimeout, extraEnv: options.extraEnv, onLine: (line) => log.notice(line.text) }).catch((error) => {
    throw new ScfError('Plugin.FunctionFailed', `${key} did not start: ${(error as Error).message}`);
  });
  try {
    log.notice(`${request.method} ${request.path} (the server of ${key} listens on 127.0.0.1:${instance.port} for its port 9000)`);
    const response = await requestInstance(instance, request, spec.timeout * 1000).catch((error) => {
      throw new ScfError('Plugin.FunctionFailed', `${key} did not answer: ${(error as Error).message}`);
    });
    report(provider, key, response);
  } finally {
    instance.stop();
    await instance.exited;
  }
}

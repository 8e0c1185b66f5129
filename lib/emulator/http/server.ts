// The emulator's HTTP face: the API 3.0 protocol (TC3-HMAC-SHA256 or the v1 HmacSHA* signature on `/`), the
// legacy protocol on `/v2/index.php`, signature and clock checks, fault injection, and a small control API under
// `/__emulator/` that tests use to see what reached the server and to change faults.
import * as http from 'http';
import { randomUUID } from 'crypto';
import type { AddressInfo } from 'net';
import {
  type LegacySignatureMethod,
  parseTc3Authorization,
  sameSignature,
  signLegacy,
  signTc3,
  utcDate,
} from '../../cloud/signing';
import { API_VERSION } from '../../cloud/types';
import { ApiFault } from '../api-fault';
import { type EmulatorBehaviour, EmulatorCore } from '../scf/actions';
import type { EmulatedService } from '../service-file';

export interface EmulatorCredentials {
  secretId: string;
  secretKey: string;
  /** When set, requests must carry this session token. */
  token?: string;
}

export interface Faults {
  /** Share of requests answered RequestLimitExceeded before anything runs. */
  throttleRate?: number;
  /** Share answered InternalError before anything runs. */
  internalErrorRate?: number;
  /** Share answered HTTP 502 with an HTML page, after the action ran. */
  gatewayRate?: number;
  /** Share whose connection is reset after the action ran. */
  resetRate?: number;
  /** Share answered HTTP 200 with a body that is not JSON, after the action ran. */
  invalidJsonRate?: number;
  /** Share held `slowMs` before the reply (past a client's timeout). */
  slowRate?: number;
  slowMs?: number;
  /** Added to every reply, ms. */
  latencyMs?: number;
  /** Enforce at most this many requests a second per action (RequestLimitExceeded beyond). 0: off. */
  rateLimit?: number;
  /** Restrict the faults above to these actions (API 3.0 names). */
  actions?: string[];
  /** Seed of the fault dice, for reproducible runs. */
  seed?: number;
}

export interface EmulatorOptions {
  service: EmulatedService;
  credentials: EmulatorCredentials;
  port?: number;
  behaviour?: EmulatorBehaviour;
  faults?: Faults;
  /** Largest body accepted, bytes. */
  maxBodyBytes?: number;
  /** When set, only requests for this region find the functions. */
  region?: string;
}

export interface RecordedRequest {
  at: number;
  protocol: 'tc3' | 'v1' | 'legacy';
  action: string;
  region: string;
  params: Record<string, any>;
  outcome: string;
}

export interface RunningEmulator {
  url: string;
  port: number;
  core: EmulatorCore;
  faults: Faults;
  requests: RecordedRequest[];
  /** Peak number of requests for an action in any one-second window. */
  peakPerSecond(action: string): number;
  /** Forgets recorded requests and arrival times (not invocations). */
  reset(): void;
  close(): Promise<void>;
}

const LEGACY_ACTIONS: Record<string, string> = { InvokeFunction: 'Invoke', GetFunctionLogs: 'GetFunctionLogs' };
const MAX_RECORDED = 20_000;

/** Mulberry32: small seeded dice for reproducible fault runs. */
function dice(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `Filter.RetCode=x`, `Status.0=y` → nested objects and arrays. */
export function unflatten(flat: Record<string, string>): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [key, value] of Object.entries(flat)) {
    const parts = key.split('.');
    let node = out;
    parts.forEach((part, index) => {
      if (index === parts.length - 1) node[part] = value;
      else node = node[part] ??= /^\d+$/.test(parts[index + 1]) ? [] : {};
    });
  }
  return out;
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve(undefined);
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  const core = new EmulatorCore(options.service, options.behaviour);
  const faults: Faults = { ...options.faults };
  const requests: RecordedRequest[] = [];
  const arrivals = new Map<string, number[]>();
  let roll = dice(faults.seed ?? 1);
  let rolledSeed = faults.seed;
  const maxBody = options.maxBodyBytes ?? 8 * 1024 * 1024;
  const { credentials } = options;

  const applies = (action: string) => !faults.actions || faults.actions.includes(action);
  const chance = (rate: number | undefined, action: string) => {
    if (rolledSeed !== faults.seed) {
      roll = dice(faults.seed ?? 1);
      rolledSeed = faults.seed;
    }
    return Boolean(rate) && applies(action) && roll() < rate!;
  };

  function overRateLimit(action: string, now: number): boolean {
    let list = arrivals.get(action);
    if (!list) arrivals.set(action, (list = []));
    list.push(now);
    if (list.length > 1_000_000) list.splice(0, list.length - 500_000);
    if (!faults.rateLimit) return false;
    let count = 0;
    for (let i = list.length - 1; i >= 0 && list[i] > now - 1000; i--) count++;
    return count > faults.rateLimit;
  }

  function record(entry: RecordedRequest): void {
    requests.push(entry);
    if (requests.length > MAX_RECORDED) requests.splice(0, requests.length - MAX_RECORDED);
  }

  /** Checks a TC3 request; returns the API error code and message on failure. */
  function verifyTc3(req: http.IncomingMessage, body: Buffer, query: string): ApiFault | undefined {
    const auth = parseTc3Authorization(req.headers.authorization);
    if (!auth) return new ApiFault('AuthFailure.InvalidAuthorization', 'The Authorization header is missing or malformed.');
    const timestamp = Number(req.headers['x-tc-timestamp']);
    if (!Number.isInteger(timestamp)) return new ApiFault('MissingParameter', 'The request is missing X-TC-Timestamp.');
    const skew = timestamp - Math.floor(Date.now() / 1000);
    if (Math.abs(skew) > 300) {
      return new ApiFault(
        'AuthFailure.SignatureExpire',
        `Signature expired. Timestamp ${timestamp} is ${Math.abs(skew)} s ${skew > 0 ? 'ahead of' : 'behind'} server time ${Math.floor(Date.now() / 1000)}.`,
      );
    }
    if (auth.secretId !== credentials.secretId) return new ApiFault('AuthFailure.SecretIdNotFound', 'The SecretId is not found.');
    if (auth.date !== utcDate(timestamp)) return new ApiFault('AuthFailure.SignatureFailure', 'The credential scope date does not match X-TC-Timestamp.');
    const hostHeader = req.headers.host ?? '';
    const hosts = [hostHeader, hostHeader.replace(/:\d+$/, '')];
    const ok = hosts.some((host) =>
      sameSignature(
        signTc3({
          method: req.method === 'GET' ? 'GET' : 'POST',
          host,
          path: '/',
          query,
          contentType: String(req.headers['content-type'] ?? ''),
          payload: body,
          service: auth.service,
          timestamp,
          secretId: auth.secretId,
          secretKey: credentials.secretKey,
        }).signature,
        auth.signature,
      ),
    );
    if (!ok) return new ApiFault('AuthFailure.SignatureFailure', 'The provided credentials could not be validated. Please check your signature is correct.');
    const token = req.headers['x-tc-token'];
    if ((token || credentials.token) && token !== credentials.token) return new ApiFault('AuthFailure.TokenFailure', 'The session token is invalid.');
    return undefined;
  }

  /** Checks an HmacSHA1/HmacSHA256 request (legacy API, or API 3.0 with the v1 signature). */
  function verifyV1(req: http.IncomingMessage, params: Record<string, string>, path: string): ApiFault | undefined {
    if (!params.Signature) return new ApiFault('AuthFailure.SignatureFailure', 'The request carries no signature.');
    const timestamp = Number(params.Timestamp);
    if (!Number.isInteger(timestamp) || !params.Nonce) return new ApiFault('MissingParameter', 'The request is missing Timestamp or Nonce.');
    const skew = timestamp - Math.floor(Date.now() / 1000);
    if (Math.abs(skew) > 300) {
      return new ApiFault('AuthFailure.SignatureExpire', `Signature expired. Timestamp ${timestamp} is ${Math.abs(skew)} s off server time ${Math.floor(Date.now() / 1000)}.`);
    }
    if (params.SecretId !== credentials.secretId) return new ApiFault('AuthFailure.SecretIdNotFound', 'The SecretId is not found.');
    const method = (params.SignatureMethod ?? 'HmacSHA1') as LegacySignatureMethod;
    if (method !== 'HmacSHA1' && method !== 'HmacSHA256') return new ApiFault('InvalidParameterValue', 'SignatureMethod must be HmacSHA1 or HmacSHA256.');
    const hostHeader = req.headers.host ?? '';
    const hosts = [hostHeader, hostHeader.replace(/:\d+$/, '')];
    const ok = hosts.some((host) =>
      sameSignature(
        signLegacy({ method: req.method === 'GET' ? 'GET' : 'POST', host, path, params, secretKey: credentials.secretKey, signatureMethod: method }),
        params.Signature,
      ),
    );
    if (!ok) return new ApiFault('AuthFailure.SignatureFailure', 'The provided credentials could not be validated. Please check your signature is correct.');
    if ((params.Token || credentials.token) && params.Token !== credentials.token) return new ApiFault('AuthFailure.TokenFailure', 'The session token is invalid.');
    return undefined;
  }

  function sendJson(res: http.ServerResponse, status: number, payload: unknown): void {
    const text = JSON.stringify(payload);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  async function control(req: http.IncomingMessage, res: http.ServerResponse, path: string, body: Buffer): Promise<void> {
    if (path === '/__emulator/health') return sendJson(res, 200, { ok: true, service: options.service.service, stage: options.service.stage });
    if (path === '/__emulator/functions') return sendJson(res, 200, options.service.functions);
    if (path === '/__emulator/requests' && req.method === 'GET') return sendJson(res, 200, requests);
    if (path === '/__emulator/requests' && req.method === 'DELETE') {
      reset();
      return sendJson(res, 200, {});
    }
    if (path === '/__emulator/stats') {
      const peaks: Record<string, number> = {};
      for (const action of arrivals.keys()) peaks[action] = peakPerSecond(action);
      return sendJson(res, 200, { peaksPerSecond: peaks, invocations: core.store.size });
    }
    if (path === '/__emulator/faults' && req.method === 'PUT') {
      for (const key of Object.keys(faults)) delete (faults as any)[key];
      Object.assign(faults, JSON.parse(body.toString('utf8') || '{}'));
      return sendJson(res, 200, faults);
    }
    if (path === '/__emulator/idle') {
      await core.idle();
      return sendJson(res, 200, {});
    }
    sendJson(res, 404, { error: 'unknown control path' });
  }

  function reset(): void {
    requests.length = 0;
    arrivals.clear();
  }

  function peakPerSecond(action: string): number {
    const list = arrivals.get(action) ?? [];
    let peak = 0;
    let left = 0;
    for (let right = 0; right < list.length; right++) {
      while (list[right] - list[left] >= 1000) left++;
      peak = Math.max(peak, right - left + 1);
    }
    return peak;
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const body = await readBody(req, maxBody);
    if (body === undefined) return sendJson(res, 413, { error: 'request body too large' });
    if (url.pathname.startsWith('/__emulator/')) return control(req, res, url.pathname, body);

    const legacyPath = url.pathname === '/v2/index.php';
    if (url.pathname !== '/' && !legacyPath) return sendJson(res, 404, { error: 'not found' });
    const apiRequestId = randomUUID();
    const contentType = String(req.headers['content-type'] ?? '');
    const v1Params: Record<string, string> = Object.fromEntries(url.searchParams);
    if (contentType.startsWith('application/x-www-form-urlencoded')) Object.assign(v1Params, Object.fromEntries(new URLSearchParams(body.toString('utf8'))));
    const protocol: RecordedRequest['protocol'] = legacyPath ? 'legacy' : req.headers.authorization ? 'tc3' : 'v1';

    let action = '';
    let region = '';
    let params: Record<string, any> = {};
    const reply = (payload: Record<string, any>) => {
      if (protocol === 'legacy') {
        return sendJson(res, 200, { code: 0, message: '', codeDesc: 'Success', requestId: apiRequestId, ...payload });
      }
      return sendJson(res, 200, { Response: { ...payload, RequestId: apiRequestId } });
    };
    const fail = (fault: ApiFault) => {
      record({ at: Date.now(), protocol, action, region, params, outcome: fault.code });
      if (protocol === 'legacy') return sendJson(res, 200, { code: 4000, message: fault.message, codeDesc: fault.code, requestId: apiRequestId });
      return sendJson(res, 200, { Response: { Error: { Code: fault.code, Message: fault.message }, RequestId: apiRequestId } });
    };

    // Who is asking, and for what.
    let authFault: ApiFault | undefined;
    if (protocol === 'tc3') {
      action = String(req.headers['x-tc-action'] ?? '');
      region = String(req.headers['x-tc-region'] ?? '');
      authFault = verifyTc3(req, body, req.method === 'GET' ? url.search.slice(1) : '');
      if (!authFault && String(req.headers['x-tc-version'] ?? '') !== API_VERSION) {
        authFault = new ApiFault('NoSuchVersion', `The API version \`${req.headers['x-tc-version'] ?? ''}\` does not exist for scf: use ${API_VERSION}.`);
      }
      if (!authFault) {
        try {
          params = req.method === 'GET' ? unflatten(v1Params) : JSON.parse(body.toString('utf8') || '{}');
        } catch {
          authFault = new ApiFault('InvalidParameter', 'The request body is not valid JSON.');
        }
      }
    } else {
      action = v1Params.Action ?? '';
      region = v1Params.Region ?? '';
      authFault = verifyV1(req, v1Params, url.pathname);
      const { Action, Region, Timestamp, Nonce, SecretId, Signature, SignatureMethod, Token, Version, RequestClient, Language, ...rest } = v1Params;
      params = legacyPath ? rest : unflatten(rest);
      if (!legacyPath && !authFault && Version !== API_VERSION) authFault = new ApiFault('NoSuchVersion', `Use Version ${API_VERSION}.`);
    }
    if (authFault) return fail(authFault);
    if (!action) return fail(new ApiFault('MissingParameter', 'The request names no Action.'));

    let apiAction = action;
    if (legacyPath) {
      apiAction = LEGACY_ACTIONS[action] ?? '';
      if (!apiAction) return fail(new ApiFault('InvalidAction', `The legacy API has no action \`${action}\` here.`));
      params = fromLegacy(apiAction, params);
    }
    if (options.region && region && region !== options.region) {
      return fail(new ApiFault('ResourceNotFound.Function', `No functions in region \`${region}\`: this emulator serves ${options.region}.`));
    }

    // Faults that strike before the action runs.
    const now = Date.now();
    if (overRateLimit(apiAction, now)) return fail(new ApiFault('RequestLimitExceeded', 'Your current request rate is too high.'));
    if (chance(faults.throttleRate, apiAction)) return fail(new ApiFault('RequestLimitExceeded', 'Your current request rate is too high.'));
    if (chance(faults.internalErrorRate, apiAction)) return fail(new ApiFault('InternalError', 'An internal error occurred.'));
    if (faults.latencyMs && applies(apiAction)) await new Promise((r) => setTimeout(r, faults.latencyMs));

    let result: Record<string, any>;
    try {
      result = await core.handle(apiAction, params);
    } catch (error) {
      if (error instanceof ApiFault) return fail(error);
      return fail(new ApiFault('InternalError', `The emulator failed: ${(error as Error).message}`));
    }
    record({ at: now, protocol, action, region, params, outcome: 'ok' });

    // Faults that strike after it ran: the caller cannot know whether it did.
    if (chance(faults.slowRate, apiAction)) await new Promise((r) => setTimeout(r, faults.slowMs ?? 30_000));
    if (chance(faults.resetRate, apiAction)) {
      req.socket.destroy();
      return;
    }
    if (chance(faults.gatewayRate, apiAction)) {
      res.writeHead(502, { 'Content-Type': 'text/html' });
      res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
      return;
    }
    if (chance(faults.invalidJsonRate, apiAction)) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"Response": {"Result": ');
      return;
    }
    reply(legacyPath ? toLegacy(apiAction, result) : result);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) sendJson(res, 500, { error: String(error?.message ?? error) });
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    core,
    faults,
    requests,
    peakPerSecond,
    reset,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await core.idle();
    },
  };
}

/** Legacy camelCase parameters → API 3.0 names. */
function fromLegacy(action: string, p: Record<string, string>): Record<string, any> {
  const orderBy: Record<string, string> = { startTime: 'start_time', functionName: 'function_name', duration: 'duration', memUsage: 'mem_usage' };
  if (action === 'Invoke') {
    return { FunctionName: p.functionName, InvocationType: p.invokeType, ClientContext: p.param, LogType: p.logType, Namespace: p.namespace, Qualifier: p.qualifier };
  }
  return {
    FunctionName: p.functionName,
    Namespace: p.namespace,
    Qualifier: p.qualifier,
    Offset: p.offset,
    Limit: p.limit,
    Order: p.order,
    OrderBy: p.orderby ? (orderBy[p.orderby] ?? p.orderby) : undefined,
    Filter: p['filter.retCode'] ? { RetCode: p['filter.retCode'] } : undefined,
    FunctionRequestId: p.requestId,
    StartTime: p.startTime,
    EndTime: p.endTime,
  };
}

/** API 3.0 results → the legacy reply's fields. */
function toLegacy(action: string, result: Record<string, any>): Record<string, any> {
  const camel = (o: Record<string, any>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k[0].toLowerCase() + k.slice(1), v]));
  if (action === 'Invoke') {
    const r = result.Result;
    return { data: { requestId: r.FunctionRequestId, retMsg: r.RetMsg, errMsg: r.ErrMsg, log: r.Log, duration: r.Duration, billDuration: r.BillDuration, memUsage: r.MemUsage } };
  }
  return { total: result.TotalCount, data: (result.Data as Record<string, any>[]).map(camel) };
}

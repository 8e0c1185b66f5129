// The emulator's HTTP face. Every request passes, in this order: the Host check (a page in a browser cannot
// reach it through DNS rebinding), the size limits, the signature (TC3 in two steps so a refused request's body
// is never kept), and only then is anything parsed, into objects without a prototype. Then the API's rate
// limits and the injected faults, the action itself (by service: SCF, and the rooms wired in), and the reply in
// the protocol's envelope. A small control API under `/__emulator/` (needing the token printed at start) lets
// tests see what reached the server and change faults.
import * as http from 'http';
import { randomBytes, randomUUID } from 'crypto';
import type { AddressInfo } from 'net';
import { BYTE_LIMITS, type ServiceName } from '../../cloud/limits';
import { API_VERSION, CLS_API_VERSION, MONITOR_API_VERSION } from '../../cloud/types';
import { ApiFault } from '../api-fault';
import { COS_MAX_OBJECT_BYTES } from '../cos/handler';
import { STS_API_VERSION } from '../../cloud/sts';
import { SSM_API_VERSION } from '../../cloud/ssm';
import { type Caller, STS_ACTIONS, StsRoom, type StsOptions, UNSIGNED_ACTIONS } from '../sts/room';
import { type SecretRecord, SsmRoom } from '../ssm/room';
import { clockTime, type EmulatorBehaviour, EmulatorCore, TAG_API_VERSION } from '../scf/actions';
import type { EmulatedService } from '../service-file';
import { type EmulatorCredentials, NonceCache, preflightTc3, SIGNATURE_WINDOW_SECONDS, verifyTc3, verifyV1 } from './auth';
import { parseTc3Authorization } from '../../cloud/signing';
import { type Faults, FaultPlan, SERVER_ERROR_CODE, THROTTLE_CODE } from './faults';
import { flatParams, jsonParams, unflatten } from './params';

export type { EmulatorCredentials } from './auth';
export type { Faults } from './faults';

export interface EmulatorOptions {
  /** A service whose functions the account starts with; without one, the account starts empty. */
  service?: EmulatedService;
  credentials: EmulatorCredentials;
  port?: number;
  behaviour?: EmulatorBehaviour;
  faults?: Faults;
  /** The region this account is in: requests for another region find nothing. */
  region?: string;
  /** The control API's token; made up when not given. */
  controlToken?: string;
  /** A request's headers must arrive within `headersMs` (default 10 s), the whole request within `requestMs` (60 s). */
  timeouts?: { headersMs?: number; requestMs?: number };
  /**
   * Memory bounds: `unverifiedBytes`, the request bodies held across connections before their signature is checked
   * (default 64 MB: past it a request is refused RequestLimitExceeded); `recordedBytes`, the request log (16 MB).
   */
  limits?: { unverifiedBytes?: number; recordedBytes?: number };
  /** One line per request (and per timer firing, through the behaviour): `scf-emulator --verbose`. */
  trace?: (line: string) => void;
  /** The first port function URLs are served on (each takes the next free one); 0 or absent: any free port. */
  urlPort?: number;
  /** STS: the identity providers and roles AssumeRole* accept. */
  sts?: StsOptions;
  /** Secrets Manager: the secrets GetSecretValue serves. */
  secrets?: SecretRecord[];
}

export interface RecordedRequest {
  at: number;
  protocol: 'tc3' | 'v1' | 'legacy';
  service: ServiceName;
  action: string;
  region: string;
  params: Record<string, any>;
  outcome: string;
}

export interface RunningEmulator {
  url: string;
  port: number;
  core: EmulatorCore;
  /** STS: the temporary keys it issued. */
  sts: StsRoom;
  faults: Faults;
  /** What the control API (`/__emulator/*`) wants in the `X-Emulator-Token` header. */
  controlToken: string;
  requests: RecordedRequest[];
  /** Peak number of requests for an action in any one-second window. */
  peakPerSecond(action: string): number;
  /** Forgets recorded requests and arrival times (not invocations). */
  reset(): void;
  /** Stops every handler process at once, then the server. */
  close(): Promise<void>;
}

/** What an API version answers to: the service it is, and the dispatcher of its actions. */
interface ServiceRoute {
  service: ServiceName;
  handle(action: string, params: Record<string, any>, caller: Caller): Promise<Record<string, any>>;
}

const LEGACY_PATH = '/v2/index.php';
const LEGACY_ACTIONS = new Map([
  ['InvokeFunction', 'Invoke'],
  ['GetFunctionLogs', 'GetFunctionLogs'],
]);
const MAX_RECORDED = 20_000;
/** Bytes the request log keeps at most (oldest entries go first). */
const RECORDED_BYTES = 16 * 1024 * 1024;
/** Request bodies held at once across connections before their signature is checked. */
const UNVERIFIED_BYTES = 64 * 1024 * 1024;
/** What a refused request leaves in the request log of its Action and Region (no action name is longer). */
const RECORDED_NAME_CHARS = 64;
/** A recorded parameter string longer than this is summarised. */
const RECORDED_STRING_CHARS = 4096;
/** The part of a HmacSHA* body read before its SecretId and Timestamp (when there) are checked. */
const V1_PREFIX_BYTES = 64 * 1024;
const CONTROL_BODY_BYTES = 64 * 1024;
const V1_RESERVED = new Set(['Action', 'Region', 'Timestamp', 'Nonce', 'SecretId', 'Signature', 'SignatureMethod', 'Token', 'Version', 'RequestClient', 'Language']);

/** Host names a request may carry: the loopback names and our own address, any port. */
export function isAllowedHost(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.replace(/:\d+$/, '').toLowerCase();
  return name === 'localhost' || name === '127.0.0.1' || name === '[::1]';
}

/** Bytes held for request bodies not yet verified, across every connection; past `capacity` a body is refused. */
export class BodyBudget {
  held = 0;

  constructor(readonly capacity: number) {}

  take(bytes: number): boolean {
    if (this.held + bytes > this.capacity) return false;
    this.held += bytes;
    return true;
  }

  give(bytes: number): void {
    this.held = Math.max(0, this.held - bytes);
  }
}

type BodyOutcome = { body: Buffer } | { refused: 'size' | 'busy' } | { refused: 'prefix'; fault: ApiFault };

interface BodyOptions {
  limit: number;
  /** Counts the bytes held against the budget; the caller gives back `held` once it is done with the body. */
  budget?: BodyBudget;
  /** Called once with the first `prefix.bytes` (or the whole body, when smaller): a fault refuses the request. */
  prefix?: { bytes: number; check(head: Buffer): ApiFault | undefined };
}

/** Reads a body within its limit and the budget; what is refused is not kept. `held` is what the budget lent. */
function readBody(req: http.IncomingMessage, options: BodyOptions | number): Promise<BodyOutcome & { held: number }> {
  const { limit, budget, prefix } = typeof options === 'number' ? ({ limit: options } as BodyOptions) : options;
  return new Promise((resolve, reject) => {
    let held = 0;
    let done = false;
    const finish = (outcome: BodyOutcome) => {
      if (done) return;
      done = true;
      if ('refused' in outcome) {
        chunks.length = 0;
        budget?.give(held);
        held = 0;
        req.resume();
      }
      resolve({ ...outcome, held });
    };
    if (Number(req.headers['content-length']) > limit) {
      req.resume();
      resolve({ refused: 'size', held: 0 });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let checked = !prefix;
    const checkPrefix = () => {
      checked = true;
      const fault = prefix!.check(Buffer.concat(chunks).subarray(0, prefix!.bytes));
      if (fault) finish({ refused: 'prefix', fault });
    };
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) return finish({ refused: 'size' });
      if (budget) {
        if (!budget.take(chunk.length)) return finish({ refused: 'busy' });
        held += chunk.length;
      }
      chunks.push(chunk);
      if (!checked && size >= prefix!.bytes) checkPrefix();
    });
    req.on('end', () => {
      if (!checked && !done) checkPrefix();
      finish({ body: Buffer.concat(chunks) });
    });
    req.on('error', (error) => {
      if (!done) {
        done = true;
        budget?.give(held);
      }
      reject(error);
    });
    req.on('close', () => {
      // A connection gone before its body ended gives its bytes back.
      if (!done) finish({ refused: 'size' });
    });
  });
}

function sendJson(res: http.ServerResponse, status: number, payload: unknown, close = false): void {
  const text = JSON.stringify(payload);
  const headers: http.OutgoingHttpHeaders = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) };
  if (close) headers.Connection = 'close';
  res.writeHead(status, headers);
  res.end(text);
}

export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  const core = new EmulatorCore(options.service, { ...options.behaviour, region: options.behaviour?.region ?? options.region ?? options.service?.region });
  try {
    await core.repairCode();
  } catch (error) {
    await core.close();
    throw error;
  }
  const plan = new FaultPlan(options.faults);
  const nonces = new NonceCache();
  const controlToken = options.controlToken ?? randomBytes(18).toString('base64url');
  const requests: RecordedRequest[] = [];
  const sts = new StsRoom(core.account.identity, options.sts);
  const ssm = new SsmRoom(options.secrets);
  /**
   * The keys a SecretId stands for: the account's own, or a temporary key STS issued (refused once it has
   * expired, as the cloud refuses it); undefined for one this account does not know.
   */
  const keysFor = (secretId: string): { credentials: EmulatorCredentials; caller: Caller } | ApiFault | undefined => {
    if (secretId === options.credentials.secretId) return { credentials: options.credentials, caller: { kind: 'account' } };
    const key = sts.key(secretId);
    if (!key) return undefined;
    if (key.expiresAt <= Date.now()) return new ApiFault('AuthFailure.TokenFailure', 'The temporary key has expired: ask STS for a new one.');
    return { credentials: { secretId: key.secretId, secretKey: key.secretKey, token: key.token }, caller: { kind: 'role', key } };
  };
  const routes = new Map<string, ServiceRoute>([
    [API_VERSION, { service: 'scf', handle: (action, params) => core.handle(action, params) }],
    [TAG_API_VERSION, { service: 'tag', handle: (action, params) => core.handleTag(action, params) }],
    // A search's time is spent searching: an injected latency holds its slot of the topic (see TopicSearchGate).
    [CLS_API_VERSION, { service: 'cls', handle: (action, params) => core.handleCls(action, params, plan.latencyFor(action)) }],
    [MONITOR_API_VERSION, { service: 'monitor', handle: (action, params) => core.handleMonitor(action, params) }],
    [SSM_API_VERSION, { service: 'ssm', handle: (action, params) => ssm.handle(action, params) }],
  ]);
  const stsRoute: ServiceRoute = { service: 'sts', handle: (action, params, caller) => sts.handle(action, params, caller) };
  /** STS and the Tag API share version 2018-08-13: the action tells them apart. */
  const routeFor = (version: string, action: string): ServiceRoute | undefined => (version === STS_API_VERSION && STS_ACTIONS.has(action) ? stsRoute : routes.get(version));
  const cos = core.cosHandler((secretId) => {
    const found = keysFor(secretId);
    if (found instanceof ApiFault) return 'expired';
    return found?.credentials;
  });
  const unverified = new BodyBudget(options.limits?.unverifiedBytes ?? UNVERIFIED_BYTES);
  const recordedLimit = options.limits?.recordedBytes ?? RECORDED_BYTES;
  /** The bytes of each recorded entry, oldest first, and their sum: the log is bounded in bytes, not only entries. */
  const recordedSizes: number[] = [];
  let recordedBytes = 0;

  function record(entry: RecordedRequest, startedMs: number): void {
    // Whatever a request named, what it leaves here is small: names cut, long strings summarised.
    const kept = { ...entry, action: detached(entry.action, RECORDED_NAME_CHARS), region: detached(entry.region, RECORDED_NAME_CHARS), params: recordedParams(entry.params) };
    const size = JSON.stringify(kept).length;
    requests.push(kept);
    recordedSizes.push(size);
    recordedBytes += size;
    while (requests.length > MAX_RECORDED || (recordedBytes > recordedLimit && requests.length > 1)) {
      requests.shift();
      recordedBytes -= recordedSizes.shift()!;
    }
    if (options.trace) {
      const target = typeof kept.params.FunctionName === 'string' ? ` ${typeof kept.params.Namespace === 'string' ? kept.params.Namespace : 'default'}/${kept.params.FunctionName}` : '';
      options.trace(`${clockTime(Date.now())} ${kept.service} ${kept.action || '(no action)'}${target.slice(0, 200)} ${kept.outcome} ${Date.now() - startedMs} ms`);
    }
  }

  function reset(): void {
    requests.length = 0;
    recordedSizes.length = 0;
    recordedBytes = 0;
    plan.forgetArrivals();
    core.searches.resetPeaks();
  }

  async function control(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> {
    if (req.headers['x-emulator-token'] !== controlToken) {
      req.resume();
      return sendJson(res, 401, { error: 'the control API needs the X-Emulator-Token the emulator printed at start' }, true);
    }
    const read = await readBody(req, CONTROL_BODY_BYTES);
    if (!('body' in read)) return sendJson(res, 413, { error: 'request body too large' }, true);
    const { body } = read;
    if (path === '/__emulator/health') return sendJson(res, 200, { ok: true, service: options.service?.service ?? null, stage: options.service?.stage ?? null });
    if (path === '/__emulator/functions') {
      return sendJson(res, 200, [...core.account.functions.values()].map((f) => ({ functionName: f.functionName, namespace: f.namespace, status: f.status })));
    }
    if (path === '/__emulator/requests' && req.method === 'GET') return sendJson(res, 200, requests);
    if (path === '/__emulator/requests' && req.method === 'DELETE') {
      reset();
      return sendJson(res, 200, {});
    }
    if (path === '/__emulator/stats') {
      const peaks = Object.fromEntries(plan.actions().map((action) => [action, plan.peakPerSecond(action)]));
      return sendJson(res, 200, { peaksPerSecond: peaks, invocations: core.store.size, unverifiedBytes: unverified.held, recordedBytes });
    }
    if (path === '/__emulator/faults' && req.method === 'PUT') {
      let faults: Faults;
      try {
        faults = jsonParams(body) as Faults;
      } catch (error) {
        return sendJson(res, 400, { error: (error as Error).message });
      }
      if (faults.throttleCode !== undefined && !THROTTLE_CODE.test(String(faults.throttleCode))) return sendJson(res, 400, { error: 'throttleCode must be RequestLimitExceeded or RequestLimitExceeded.<Kind>' });
      if (faults.errorCode !== undefined && !SERVER_ERROR_CODE.test(String(faults.errorCode))) return sendJson(res, 400, { error: 'errorCode must be InternalError, InternalError.<Kind> or ServiceUnavailable' });
      for (const list of ['actions', 'functions'] as const) {
        const names = faults[list];
        if (names !== undefined && !(Array.isArray(names) && names.every((n) => typeof n === 'string'))) return sendJson(res, 400, { error: `${list} must be a list of names` });
      }
      plan.replace(faults);
      return sendJson(res, 200, plan.faults);
    }
    if (path === '/__emulator/idle') {
      await core.idle();
      return sendJson(res, 200, {});
    }
    if (path === '/__emulator/deploy-faults' && req.method === 'GET') return sendJson(res, 200, core.deployFaults);
    if (path === '/__emulator/deploy-faults' && req.method === 'PUT') {
      let faults: unknown;
      try {
        faults = JSON.parse(body.toString('utf8'));
      } catch {
        return sendJson(res, 400, { error: 'the body must be a JSON list of {pattern, count?, errorCode?, errorMessage?}' });
      }
      if (!Array.isArray(faults) || faults.some((f) => typeof f?.pattern !== 'string')) return sendJson(res, 400, { error: 'the body must be a JSON list of {pattern, ...}' });
      core.setDeployFaults(faults);
      return sendJson(res, 200, core.deployFaults);
    }
    sendJson(res, 404, { error: 'unknown control path' });
  }

  async function api(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const legacyPath = url.pathname === LEGACY_PATH;
    const protocol: RecordedRequest['protocol'] = legacyPath ? 'legacy' : req.headers.authorization ? 'tc3' : 'v1';
    let caller: Caller = { kind: 'account' };
    const apiRequestId = randomUUID();
    const startedMs = Date.now();
    let service: ServiceName = 'scf';
    let action = '';
    let region = '';
    let params: Record<string, any> = Object.create(null);

    const fail = (fault: ApiFault, close = false) => {
      record({ at: Date.now(), protocol, service, action, region, params, outcome: fault.code }, startedMs);
      if (protocol === 'legacy') return sendJson(res, 200, { code: 4000, message: fault.message, codeDesc: fault.code, requestId: apiRequestId }, close);
      return sendJson(res, 200, { Response: { Error: { Code: fault.code, Message: fault.message }, RequestId: apiRequestId } }, close);
    };
    const refuseUnread = (fault: ApiFault) => {
      // Answer at once and let the body drain: nothing of it is kept.
      req.resume();
      return fail(fault, true);
    };

    if (req.method !== 'POST' && req.method !== 'GET') return refuseUnread(new ApiFault('UnsupportedProtocol', 'Only GET and POST are supported.'));
    if ((req.url ?? '').length > BYTE_LIMITS.getUrl) return refuseUnread(new ApiFault('RequestSizeLimitExceeded', `The request URL exceeds ${BYTE_LIMITS.getUrl} bytes.`));

    // Who is asking, and for what: checked before anything is parsed.
    let route: ServiceRoute | undefined;
    if (protocol === 'tc3' && req.headers.authorization === 'SKIP') {
      // Only the actions whose page says so are sent unsigned; their body proves who asks (a web identity token).
      action = String(req.headers['x-tc-action'] ?? '');
      region = String(req.headers['x-tc-region'] ?? '');
      const version = String(req.headers['x-tc-version'] ?? '');
      if (!UNSIGNED_ACTIONS.has(action) || version !== STS_API_VERSION) return refuseUnread(new ApiFault('AuthFailure.InvalidAuthorization', 'Only STS AssumeRoleWithWebIdentity may be sent with Authorization: SKIP.'));
      const timestamp = Number(req.headers['x-tc-timestamp']);
      if (!Number.isInteger(timestamp) || Math.abs(timestamp - Math.floor(Date.now() / 1000)) > SIGNATURE_WINDOW_SECONDS) {
        return refuseUnread(new ApiFault('AuthFailure.SignatureExpire', 'The request has no X-TC-Timestamp within 5 minutes of the server time.'));
      }
      const read = await readBody(req, { limit: BYTE_LIMITS.tc3RequestBody, budget: unverified });
      try {
        if (!('body' in read)) return fail(bodyFault(read, BYTE_LIMITS.tc3RequestBody), true);
        route = stsRoute;
        service = route.service;
        caller = { kind: 'anonymous' };
        try {
          params = req.method === 'GET' ? unflatten(flatParams(url.searchParams)) : jsonParams(read.body);
        } catch (error) {
          if (error instanceof ApiFault) return fail(error);
          throw error;
        }
      } finally {
        unverified.give(read.held);
      }
    } else if (protocol === 'tc3') {
      action = String(req.headers['x-tc-action'] ?? '');
      region = String(req.headers['x-tc-region'] ?? '');
      const found = keysFor(parseTc3Authorization(String(req.headers.authorization))?.secretId ?? '');
      if (found instanceof ApiFault) return refuseUnread(found);
      const keys = found?.credentials ?? options.credentials;
      caller = found?.caller ?? caller;
      const auth = preflightTc3(req.headers, keys, Math.floor(Date.now() / 1000));
      if (auth instanceof ApiFault) return refuseUnread(auth);
      const read = await readBody(req, { limit: BYTE_LIMITS.tc3RequestBody, budget: unverified });
      try {
        if (!('body' in read)) return fail(bodyFault(read, BYTE_LIMITS.tc3RequestBody), true);
        const { body } = read;
        const query = req.method === 'GET' ? url.search.slice(1) : '';
        const fault = verifyTc3(auth, { method: req.method === 'GET' ? 'GET' : 'POST', headers: req.headers, query, body }, keys);
        if (fault) return fail(fault);
        const version = String(req.headers['x-tc-version'] ?? '');
        route = routeFor(version, action);
        if (!route) return fail(new ApiFault('NoSuchVersion', `The API version \`${version.slice(0, 40)}\` is not served here: use ${[...routes.keys()].join(' or ')}.`));
        service = route.service;
        try {
          params = req.method === 'GET' ? unflatten(flatParams(url.searchParams)) : jsonParams(body);
        } catch (error) {
          if (error instanceof ApiFault) return fail(error);
          throw error;
        }
      } finally {
        unverified.give(read.held);
      }
    } else {
      // The signature covers parameters in the body: what is checkable early (a SecretId, a Timestamp in the query
      // or the body's first part) is checked before more is read, and the body counts against the budget.
      const early = (head: Buffer) => v1Preflight(url.searchParams, head, (id) => keysFor(id) !== undefined, Date.now());
      const queryFault = early(Buffer.alloc(0));
      if (queryFault) return refuseUnread(queryFault);
      const read = await readBody(req, { limit: BYTE_LIMITS.v1RequestBody, budget: unverified, prefix: { bytes: V1_PREFIX_BYTES, check: early } });
      try {
        if ('refused' in read && read.refused === 'prefix') return fail(read.fault, true);
        if (!('body' in read)) return fail(bodyFault(read, BYTE_LIMITS.v1RequestBody, 'A request signed with HmacSHA*'), true);
        const { body } = read;
        const form = String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(body.toString('utf8')) : new URLSearchParams();
        const flat = flatParams(url.searchParams, form);
        action = flat.Action ?? '';
        region = flat.Region ?? '';
        const found = keysFor(flat.SecretId ?? '');
        if (found instanceof ApiFault) return fail(found);
        caller = found?.caller ?? caller;
        const fault = verifyV1({ method: req.method, host: req.headers.host ?? '', path: url.pathname, params: flat }, found?.credentials ?? options.credentials, nonces, Date.now());
        if (fault) return fail(fault);
        const rest: Record<string, string> = Object.create(null);
        for (const key of Object.keys(flat)) if (!V1_RESERVED.has(key)) rest[key] = flat[key];
        if (legacyPath) {
          route = routes.get(API_VERSION)!;
          params = rest;
        } else {
          route = routeFor(flat.Version ?? '', action);
          if (!route) return fail(new ApiFault('NoSuchVersion', `Use Version ${[...routes.keys()].join(' or ')}.`));
          service = route.service;
          try {
            params = unflatten(rest);
          } catch (error) {
            if (error instanceof ApiFault) return fail(error);
            throw error;
          }
        }
      } finally {
        unverified.give(read.held);
      }
    }
    if (!action) return fail(new ApiFault('MissingParameter', 'The request names no Action.'));

    let apiAction = action;
    if (legacyPath) {
      apiAction = LEGACY_ACTIONS.get(action) ?? '';
      if (!apiAction) return fail(new ApiFault('InvalidAction', `The legacy API has no action \`${action.slice(0, 60)}\` here.`));
      params = fromLegacy(apiAction, params);
    }
    if (options.region && region !== options.region) {
      return fail(new ApiFault(region ? 'UnsupportedRegion' : 'MissingParameter', region ? `This account is in ${options.region}, not \`${region.slice(0, 40)}\`.` : 'The request names no Region.'));
    }

    // Limits and faults that strike before the action runs.
    const now = Date.now();
    if (plan.overRateLimit(service, apiAction, now)) return fail(new ApiFault('RequestLimitExceeded', 'Your current request rate is too high.'));
    const about = params.FunctionName;
    if (plan.chance(plan.faults.throttleRate, apiAction, about)) return fail(new ApiFault(plan.faults.throttleCode ?? 'RequestLimitExceeded', 'Your current request rate is too high.'));
    if (plan.chance(plan.faults.internalErrorRate, apiAction, about)) return fail(new ApiFault(plan.faults.errorCode ?? 'InternalError', 'An internal error occurred.'));
    const latency = route.service === 'cls' ? 0 : plan.latencyFor(apiAction, about);
    if (latency) await new Promise((r) => setTimeout(r, latency));

    if (plan.faults.ignoreListFilters && apiAction === 'ListFunctions') params = Object.assign(Object.create(null), params, { Filters: undefined });
    let result: Record<string, any>;
    try {
      result = await route.handle(apiAction, params, caller);
    } catch (error) {
      if (error instanceof ApiFault) return fail(error);
      return fail(new ApiFault('InternalError', `The emulator failed: ${(error as Error).message}`));
    }
    record({ at: now, protocol, service, action, region, params, outcome: 'ok' }, startedMs);

    // Faults that strike after it ran: the caller cannot know whether it did.
    if (plan.chance(plan.faults.slowRate, apiAction, about)) await new Promise((r) => setTimeout(r, plan.faults.slowMs ?? 30_000));
    if (plan.chance(plan.faults.resetRate, apiAction, about)) {
      req.socket.destroy();
      return;
    }
    if (plan.chance(plan.faults.gatewayRate, apiAction, about)) {
      res.writeHead(502, { 'Content-Type': 'text/html' });
      res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
      return;
    }
    if (plan.chance(plan.faults.invalidJsonRate, apiAction, about)) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"Response": {"Result": ');
      return;
    }
    if (legacyPath) return sendJson(res, 200, { code: 0, message: '', codeDesc: 'Success', requestId: apiRequestId, ...toLegacy(apiAction, result) });
    sendJson(res, 200, { Response: { ...result, RequestId: apiRequestId } });
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!isAllowedHost(req.headers.host)) {
      req.resume();
      return sendJson(res, 403, { error: 'this emulator answers only requests addressed to localhost or 127.0.0.1' }, true);
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://emulator');
    } catch {
      req.resume();
      return sendJson(res, 400, { error: 'bad request target' }, true);
    }
    if (url.pathname.startsWith('/__emulator/')) return control(req, res, url.pathname);
    if (EmulatorCore.isCodeDownload(req)) {
      if (options.trace) traceOnFinish(req, res, 'code', options.trace);
      return core.handleCodeDownload(req, res);
    }
    // COS checks its signature (which does not cover the body) before it reads the body.
    if (EmulatorCore.isCosRequest(req)) {
      if (options.trace) traceOnFinish(req, res, 'cos', options.trace);
      return cos(req, res, async () => {
        const read = await readBody(req, COS_MAX_OBJECT_BYTES);
        return 'body' in read ? read.body : undefined;
      });
    }
    if (url.pathname === '/' || url.pathname === LEGACY_PATH) return api(req, res, url);
    req.resume();
    sendJson(res, 404, { error: 'not found' });
  }

  const headersMs = options.timeouts?.headersMs ?? 10_000;
  const server = http.createServer({ connectionsCheckingInterval: Math.min(1000, headersMs) }, (req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) sendJson(res, 500, { error: String(error?.message ?? error) }, true);
      else res.destroy();
    });
  });
  // Slow senders are cut off: headers within 10 s, the whole request within 60 s.
  server.headersTimeout = headersMs;
  server.requestTimeout = Math.max(options.timeouts?.requestMs ?? 60_000, headersMs);
  server.keepAliveTimeout = 5000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
  } catch (error) {
    // Not served: the state directory is let go (its lock released, a temporary one removed).
    await core.close();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  core.publicUrl = `http://127.0.0.1:${port}`;
  // Function URLs, each on a port of its own (lib/emulator/url).
  core.serveUrls(options.credentials, options.urlPort ?? 0);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    core,
    sts,
    faults: plan.faults,
    controlToken,
    requests,
    peakPerSecond: (action) => plan.peakPerSecond(action),
    reset,
    async close() {
      await core.shutdown();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await core.close();
    },
  };
}

/** A trace line for a COS request or a code download when its reply has gone: method, path (no query), status. */
function traceOnFinish(req: http.IncomingMessage, res: http.ServerResponse, what: string, trace: (line: string) => void): void {
  const started = Date.now();
  const where = (req.url ?? '/').split('?')[0].slice(0, 200);
  res.once('finish', () => trace(`${clockTime(Date.now())} ${what} ${req.method} ${where} ${res.statusCode} ${Date.now() - started} ms`));
}

/**
 * The first `max` characters of `text` as a string of their own: a plain slice of a long string keeps the whole of
 * it alive (V8 slices share their parent), which is what a log of cut values must not do.
 */
function detached(text: string, max: number): string {
  if (text.length <= max) return text;
  return Buffer.from(text.slice(0, max), 'utf8').toString('utf8');
}

/** The refusal of a body that was too large, or that found the budget for unverified bodies spent. */
function bodyFault(read: { refused: 'size' | 'busy' | 'prefix' }, limit: number, what = 'The request body'): ApiFault {
  if (read.refused === 'busy') {
    return new ApiFault('RequestLimitExceeded', 'The emulator holds as many request bodies as it takes before their signatures are checked: try again shortly.');
  }
  return new ApiFault('RequestSizeLimitExceeded', `${what} exceeds ${limit} bytes.`);
}

/**
 * What of a HmacSHA* request can be checked before all of its body is read: a SecretId or Timestamp in the query
 * string or in the body's first part (a parameter cut by the end of that part is not read).
 */
function v1Preflight(query: URLSearchParams, head: Buffer, known: (secretId: string) => boolean, nowMs: number): ApiFault | undefined {
  const seen = new URLSearchParams(query);
  const text = head.toString('latin1');
  const whole = text.lastIndexOf('&') >= 0 ? text.slice(0, text.lastIndexOf('&')) : '';
  for (const [key, value] of new URLSearchParams(whole)) seen.append(key, value);
  const secretIds = seen.getAll('SecretId');
  if (secretIds.some((id) => !known(id))) return new ApiFault('AuthFailure.SecretIdNotFound', 'The SecretId is not found.');
  const timestamp = seen.get('Timestamp');
  if (timestamp !== null) {
    const skew = Number(timestamp) - Math.floor(nowMs / 1000);
    if (!Number.isInteger(Number(timestamp)) || Math.abs(skew) > SIGNATURE_WINDOW_SECONDS) {
      return new ApiFault('AuthFailure.SignatureExpire', `Signature expired. Timestamp ${timestamp.slice(0, 20)} is outside the server's window.`);
    }
  }
  return undefined;
}

/** Legacy camelCase parameters → API 3.0 names. */
function fromLegacy(action: string, p: Record<string, string>): Record<string, any> {
  const orderBy = new Map([
    ['startTime', 'start_time'],
    ['functionName', 'function_name'],
    ['duration', 'duration'],
    ['memUsage', 'mem_usage'],
  ]);
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
    OrderBy: p.orderby ? (orderBy.get(p.orderby) ?? p.orderby) : undefined,
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

/**
 * What the request log keeps of parameters: packages (up to tens of MB of base64) are summarised, and so is any
 * other string longer than 4 KB (an event, a search key): a caller cannot fill the log with a few requests.
 */
function recordedParams(params: Record<string, any>): Record<string, any> {
  const zip = (value: unknown) => (typeof value === 'string' ? `<zip: ${value.length} characters of base64>` : value);
  const summarise = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return value.length > RECORDED_STRING_CHARS ? `<${value.length} characters: ${detached(value, 64)}…>` : value;
    if (value === null || typeof value !== 'object') return value;
    if (depth > 8) return '<nested too deep>';
    if (Array.isArray(value)) return value.map((item) => summarise(item, depth + 1));
    // The keys passed the parameter checks already; each object keeps the prototype (or none) it had.
    const out: Record<string, unknown> = Object.create(Object.getPrototypeOf(value));
    for (const key of Object.keys(value)) out[key] = summarise((value as Record<string, unknown>)[key], depth + 1);
    return out;
  };
  const kept: Record<string, any> = { ...params };
  if (kept.ZipFile !== undefined) kept.ZipFile = zip(kept.ZipFile);
  // A web identity token is a credential: the log keeps that there was one, not what it was.
  if (typeof kept.WebIdentityToken === 'string') kept.WebIdentityToken = `<token: ${kept.WebIdentityToken.length} characters>`;
  if (kept.Code?.ZipFile !== undefined) kept.Code = { ...kept.Code, ZipFile: zip(kept.Code.ZipFile) };
  return summarise(kept, 0) as Record<string, any>;
}

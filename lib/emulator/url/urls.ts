// Function URLs, served: each `http` trigger gets a port of its own on 127.0.0.1 (no DNS set-up: any HTTP client
// on this machine reaches it), and its TriggerDesc reports that address as SCF reports the URL. A request passes
// the Host check, the size limit, CORS (a preflight is answered here), the URL's CAM signature when AuthType is
// CAM (before anything is parsed), the function's state and reserved concurrency; then an event function runs
// with the URL's event and its return value becomes the response, and a web function's request is proxied to an
// instance of its scf_bootstrap server. Every request is an invocation in the store and the function's CLS topic.
import * as http from 'http';
import type { AddressInfo } from 'net';
import { randomUUID } from 'crypto';
import { LIMITS } from '../../cloud/types';
import { parseTc3Authorization, utcDate } from '../../cloud/signing';
import { startWebInstance, WebStartError } from '../../runtime/web';
import { InvocationLog } from '../cls/records';
import type { EmulatorCredentials } from '../http/auth';
import { verifyTc3, SIGNATURE_WINDOW_SECONDS } from '../http/auth';
import { reservedInstances } from '../scf/concurrency';
import type { ScfContext } from '../scf/context';
import { requireInvocable } from '../scf/lifecycle';
import { functionSpec, startInvocation } from '../scf/invoke';
import { Account, type FunctionRecord, routeQualifier, type TriggerRecord } from '../store/account';
import { corsHeaders, corsOf, isPreflight, preflightResponse, urlEvent, type UrlRequest, urlResponse, type UrlResponse } from './event';
import { WebPools } from './web-pool';

interface Served {
  server: http.Server;
  port: number;
  namespace: string;
  functionName: string;
  triggerName: string;
}

/** The NetConfig fields SCF fills in with the URL's addresses (ListTriggers' example). */
const URL_FIELDS = ['IntranetUrl', 'IntranetHTTPUrl', 'ExtranetUrl', 'ExtranetHTTPUrl'] as const;
const MAX_WEB_INSTANCES = 10;

function isLoopbackHost(host: string | undefined): boolean {
  const name = (host ?? '').replace(/:\d+$/, '').toLowerCase();
  return name === 'localhost' || name === '127.0.0.1' || name === '[::1]';
}

export class FunctionUrls {
  private readonly served = new Map<string, Served>();
  private readonly opening = new Map<string, Promise<number>>();
  private readonly pools = new WebPools();
  private nextPort: number;
  private closed = false;

  constructor(
    private readonly ctx: ScfContext,
    private readonly credentials: EmulatorCredentials,
    /** The first port to try for URLs (each takes the next free one); 0: any free port. */
    basePort = 0,
  ) {
    this.nextPort = basePort;
  }

  private static key(namespace: string, functionName: string, triggerName: string): string {
    return `${namespace}/${functionName}/${triggerName}`;
  }

  /** The address a served URL answers at. */
  static address(port: number): string {
    return `http://127.0.0.1:${port}`;
  }

  /**
   * Serves the URL trigger `triggerName` of `fn` (a port of its own; `preferred`, when it is free, for a URL kept
   * across restarts) and returns the desc with its addresses filled in.
   */
  async assign(fn: FunctionRecord, triggerName: string, desc: string, preferred?: number): Promise<string> {
    const port = await this.open(fn.namespace, fn.functionName, triggerName, preferred);
    return withAddresses(desc, port);
  }

  private open(namespace: string, functionName: string, triggerName: string, preferred?: number): Promise<number> {
    const key = FunctionUrls.key(namespace, functionName, triggerName);
    const served = this.served.get(key);
    if (served) return Promise.resolve(served.port);
    const pending = this.opening.get(key);
    if (pending) return pending;
    const work = this.listen(preferred)
      .then((server) => {
        const port = (server.address() as AddressInfo).port;
        this.served.set(key, { server, port, namespace, functionName, triggerName });
        this.ctx.behaviour.notice?.(`function URL of ${namespace}/${functionName} (${triggerName}): ${FunctionUrls.address(port)}`);
        return port;
      })
      .finally(() => this.opening.delete(key));
    this.opening.set(key, work);
    return work;
  }

  private async listen(preferred?: number): Promise<http.Server> {
    const candidates = [preferred, this.nextPort > 0 ? this.nextPort : undefined].filter((p): p is number => p !== undefined && p > 0);
    for (const port of [...candidates, 0]) {
      const server = http.createServer((req, res) => {
        this.handle(req, res, server).catch((error) => {
          if (!res.headersSent) send(res, { statusCode: 500, headers: { 'Content-Type': 'text/plain' }, body: Buffer.from(String(error?.message ?? error)) });
          else res.destroy();
        });
      });
      server.headersTimeout = 10_000;
      server.requestTimeout = 15 * 60_000;
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, '127.0.0.1', () => resolve());
        });
      } catch {
        continue;
      }
      if (port === this.nextPort && port > 0) this.nextPort++;
      else if (this.nextPort > 0 && port === 0) this.nextPort = 0;
      return server;
    }
    throw new Error('no port is free on 127.0.0.1 for a function URL');
  }

  /**
   * After a change of the account: URLs whose trigger (or function) is gone stop being served; URL triggers not yet
   * served (an account kept across a restart) are served again, on their old port when it is free.
   */
  sync(account: Account): void {
    if (this.closed) return;
    const wanted = new Map<string, { fn: FunctionRecord; trigger: TriggerRecord }>();
    for (const fn of account.functions.values()) {
      for (const trigger of fn.triggers) if (trigger.type === 'http') wanted.set(FunctionUrls.key(fn.namespace, fn.functionName, trigger.name), { fn, trigger });
    }
    for (const [key, served] of this.served) {
      if (wanted.has(key)) continue;
      this.served.delete(key);
      served.server.closeAllConnections();
      served.server.close();
    }
    for (const [key, { fn, trigger }] of wanted) {
      if (this.served.has(key) || this.opening.has(key)) continue;
      const kept = portOf(trigger.desc);
      void this.open(fn.namespace, fn.functionName, trigger.name, kept).then(
        (port) => {
          if (port !== kept) {
            trigger.desc = withAddresses(trigger.desc, port);
            this.ctx.commit();
          }
        },
        () => undefined,
      );
    }
    this.pools.prune((key) => [...account.functions.values()].some((fn) => key.startsWith(`${fn.namespace}/${fn.functionName}@`)));
  }

  /** The URLs served now, by function. */
  list(): Array<{ namespace: string; functionName: string; triggerName: string; url: string }> {
    return [...this.served.values()].map((s) => ({ namespace: s.namespace, functionName: s.functionName, triggerName: s.triggerName, url: FunctionUrls.address(s.port) }));
  }

  /** Web function instances running now. */
  get instances(): number {
    return this.pools.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const served of this.served.values()) {
      served.server.closeAllConnections();
      served.server.close();
    }
    this.served.clear();
    await this.pools.close();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, server: http.Server): Promise<void> {
    if (!isLoopbackHost(req.headers.host)) {
      req.resume();
      return send(res, text(403, 'this function URL answers only requests addressed to localhost or 127.0.0.1'));
    }
    const served = [...this.served.values()].find((s) => s.server === server);
    const fn = served && this.ctx.account.getFunction(served.namespace, served.functionName);
    const trigger = fn?.triggers.find((t) => t.type === 'http' && t.name === served!.triggerName);
    if (!fn || !trigger) {
      req.resume();
      return send(res, text(404, 'this function URL no longer exists'));
    }
    let desc: Record<string, unknown> = {};
    try {
      desc = JSON.parse(trigger.desc);
    } catch {
      // an unreadable desc is a URL with no CORS and no auth: it was checked when it was made
    }
    const cors = corsOf(desc);
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
    if (cors && isPreflight({ method: req.method ?? 'GET', headers: req.headers })) {
      req.resume();
      return send(res, preflightResponse(cors, { headers: req.headers }));
    }
    const extra = cors ? corsHeaders(cors, origin) : {};
    if (!trigger.enable) {
      req.resume();
      return send(res, text(403, 'this function URL is disabled'), extra);
    }
    // CAM: the signature's header is checked before the body is read; the body, after.
    const cam = desc.AuthType === 'CAM';
    const auth = cam ? parseTc3Authorization(typeof req.headers.authorization === 'string' ? req.headers.authorization : undefined) : undefined;
    if (cam) {
      const timestamp = Number(req.headers['x-tc-timestamp']);
      const now = Math.floor(this.ctx.now() / 1000);
      if (!auth || auth.secretId !== this.credentials.secretId || !Number.isInteger(timestamp) || Math.abs(timestamp - now) > SIGNATURE_WINDOW_SECONDS || auth.date !== utcDate(timestamp)) {
        req.resume();
        return send(res, json(403, { errorCode: 'AuthFailure', errorMessage: 'CAM authentication failed: sign the request with TC3-HMAC-SHA256 (X-TC-Timestamp and Authorization) and credentials allowed scf:InvokeFunctionUrl.' }), extra);
      }
    }
    const body = await readBody(req, LIMITS.syncEventBytes);
    if (!body) return send(res, text(413, `the request body exceeds ${LIMITS.syncEventBytes} bytes`), extra);
    if (cam) {
      const url = new URL(req.url ?? '/', 'http://function.url');
      const fault = verifyTc3(auth!, { method: req.method ?? 'GET', headers: req.headers, query: url.search.slice(1), body }, this.credentials, ['/', url.pathname]);
      if (fault) return send(res, json(403, { errorCode: fault.code, errorMessage: fault.message }), extra);
    }
    try {
      requireInvocable(fn, trigger.qualifier);
    } catch (error) {
      return send(res, json(503, { errorCode: 'FunctionStatusError', errorMessage: (error as Error).message }), extra);
    }
    const request: UrlRequest = { method: req.method ?? 'GET', target: req.url ?? '/', headers: req.headers, body, remoteAddress: req.socket.remoteAddress ?? '127.0.0.1' };
    const response = fn.type === 'HTTP' ? await this.web(fn, trigger, request) : await this.event(fn, trigger, request);
    send(res, response, extra);
  }

  private async event(fn: FunctionRecord, trigger: TriggerRecord, request: UrlRequest): Promise<UrlResponse> {
    const { record, finished } = startInvocation(this.ctx, fn, trigger.qualifier, 'RequestResponse', urlEvent(request), 'HTTP');
    await finished;
    if (record.status === 'FINISHED') return urlResponse(record.retMsg);
    const status = record.statusCode ?? 502;
    return { statusCode: status >= 400 && status <= 599 ? status : 502, headers: { 'Content-Type': 'application/json', 'X-Scf-Request-Id': record.requestId }, body: Buffer.from(record.errMsg || '{}') };
  }

  /** A web function's request, proxied to an instance; an invocation of the function like any other. */
  private async web(fn: FunctionRecord, trigger: TriggerRecord, request: UrlRequest): Promise<UrlResponse> {
    const ctx = this.ctx;
    const { version, config, code, alias } = routeQualifier(fn, trigger.qualifier, ctx.roll)!;
    const requestId = randomUUID();
    const startMs = ctx.now();
    const record = ctx.invocations.add({ requestId, functionName: fn.functionName, namespace: fn.namespace, qualifier: trigger.qualifier, version, alias, invocationType: 'RequestResponse', trigger: 'HTTP', startMs, status: 'RUNNING', retCode: 2, retMsg: '', errMsg: '', log: '', durationMs: 0, billDurationMs: 0, memUsage: 0, retryNum: 0 });
    const topicId = config.clsTopicId && ctx.cls.topic(config.clsTopicId) ? config.clsTopicId : undefined;
    const clsLog = new InvocationLog({ functionName: fn.functionName, namespace: fn.namespace, qualifier: version, alias: alias ?? '', requestId, retryNum: 0, startMs });
    const lines: Array<{ timeMs: number; text: string }> = [];
    if (topicId) ctx.cls.append(topicId, clsLog.start());
    const finish = (statusCode: number, errMsg: string): void => {
      record.endMs = ctx.now();
      record.durationMs = record.endMs - startMs;
      record.billDurationMs = Math.max(1, record.durationMs);
      record.status = statusCode === 200 ? 'FINISHED' : 'FAILED';
      record.retCode = statusCode === 200 ? 0 : statusCode;
      record.statusCode = statusCode;
      record.errMsg = errMsg;
      record.lines = lines;
      record.log = [`START RequestId: ${requestId}`, ...lines.map((l) => l.text), `END RequestId: ${requestId}`].join('\n') + '\n';
      ctx.invocations.settled(record);
      if (topicId) ctx.cls.append(topicId, clsLog.end({ statusCode, retMsg: '', errorMessage: errMsg || undefined, durationMs: record.durationMs, memUsageBytes: 0, memorySize: config.memorySize }, record.endMs));
    };
    const slot = ctx.functionSlots.tryAcquire(fn, reservedInstances(fn, config.memorySize));
    if (!slot) {
      const message = `Function [ ${fn.functionName} ] concurrency exceeded reserved quota ${fn.reservedMem ?? 0} MB`;
      finish(432, message);
      return json(432, { errorCode: 432, errorMessage: message, requestId });
    }
    const onLine = (line: { timeMs: number; text: string }) => {
      lines.push(line);
      if (topicId) ctx.cls.append(topicId, clsLog.line(line));
    };
    const key = `${fn.namespace}/${fn.functionName}@${version}`;
    const fingerprint = JSON.stringify([code.sha256 ?? code.dir, config]);
    const releaseCode = ctx.packages.hold(code.sha256);
    let lease: { instance: import('../../runtime/web').WebInstance; release: () => void } | undefined;
    try {
      lease = await this.pools.acquire(
        key,
        fingerprint,
        () =>
          startWebInstance({
            spec: functionSpec(ctx, fn, { version, config, code }),
            initTimeout: config.initTimeout ?? 65,
            onLine: (line) => this.lineOf(key)?.(line),
          }),
        config.instanceConcurrency ?? 1,
        Math.min(MAX_WEB_INSTANCES, reservedInstances(fn, config.memorySize) ?? MAX_WEB_INSTANCES),
      );
    } catch (error) {
      slot();
      releaseCode();
      const statusCode = error instanceof WebStartError ? error.statusCode : 405;
      finish(statusCode, (error as Error).message);
      return json(statusCode, { errorCode: statusCode, errorMessage: (error as Error).message, requestId });
    }
    this.listeners.set(key, onLine);
    try {
      const response = await proxy(lease.instance, request, config.timeout * 1000);
      finish(200, '');
      return { ...response, headers: { ...response.headers, 'X-Scf-Request-Id': requestId } };
    } catch (error) {
      const timedOut = /no answer within/.test((error as Error).message);
      const statusCode = timedOut ? 433 : 502;
      finish(statusCode, (error as Error).message);
      return json(statusCode, { errorCode: statusCode, errorMessage: timedOut ? `Invoking task timed out after ${config.timeout} seconds` : `The web function's server closed the connection: ${(error as Error).message}`, requestId });
    } finally {
      if (this.listeners.get(key) === onLine) this.listeners.delete(key);
      lease.release();
      slot();
      releaseCode();
    }
  }

  /** The request that lines of an instance's output belong to: the latest one in flight of its function. */
  private readonly listeners = new Map<string, (line: { timeMs: number; text: string }) => void>();

  private lineOf(key: string): ((line: { timeMs: number; text: string }) => void) | undefined {
    return this.listeners.get(key);
  }
}

/** The desc with the URL's addresses in its NetConfig, as SCF reports them. */
export function withAddresses(desc: string, port: number): string {
  let parsed: Record<string, any>;
  try {
    parsed = JSON.parse(desc);
  } catch {
    parsed = {};
  }
  const net = parsed.NetConfig && typeof parsed.NetConfig === 'object' ? parsed.NetConfig : { EnableIntranet: false, EnableExtranet: true };
  const url = FunctionUrls.address(port);
  const intranet = net.EnableIntranet === true;
  const extranet = net.EnableExtranet !== false;
  parsed.NetConfig = { ...net, IntranetUrl: intranet ? url : '', IntranetHTTPUrl: intranet ? url : '', ExtranetUrl: extranet ? url : '', ExtranetHTTPUrl: extranet ? url : '' };
  return JSON.stringify(parsed);
}

/** The port a desc's addresses name, when it has one. */
function portOf(desc: string): number | undefined {
  try {
    const net = JSON.parse(desc).NetConfig ?? {};
    for (const field of URL_FIELDS) {
      const match = typeof net[field] === 'string' ? /^http:\/\/127\.0\.0\.1:(\d+)$/.exec(net[field]) : null;
      if (match) return Number(match[1]);
    }
  } catch {
    // none
  }
  return undefined;
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length']) > limit) {
      req.resume();
      return resolve(undefined);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      if (!over) chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Hop-by-hop headers: they describe one connection, not the message. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer', 'host']);

function proxy(instance: { host: string; port: number }, request: UrlRequest, timeoutMs: number): Promise<UrlResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(request.headers)) if (value !== undefined && !HOP_BY_HOP.has(name.toLowerCase())) headers[name] = value;
    headers.host = `127.0.0.1:${instance.port}`;
    headers['x-scf-remote-addr'] = request.remoteAddress;
    headers['content-length'] = String(request.body.length);
    const req = http.request({ host: instance.host, port: instance.port, method: request.method, path: request.target, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const out: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) if (value !== undefined && !HOP_BY_HOP.has(name) && name !== 'content-length') out[name] = Array.isArray(value) ? value.join(', ') : value;
        resolve({ statusCode: res.statusCode ?? 502, headers: out, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)));
    req.on('error', reject);
    req.end(request.body);
  });
}

function send(res: http.ServerResponse, response: UrlResponse, extra: Record<string, string> = {}): void {
  res.writeHead(response.statusCode, { ...response.headers, ...extra, 'Content-Length': response.body.length });
  res.end(response.body);
}

function text(statusCode: number, message: string): UrlResponse {
  return { statusCode, headers: { 'Content-Type': 'text/plain' }, body: Buffer.from(message) };
}

function json(statusCode: number, value: unknown): UrlResponse {
  return { statusCode, headers: { 'Content-Type': 'application/json' }, body: Buffer.from(JSON.stringify(value)) };
}

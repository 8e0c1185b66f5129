// What the emulator trusts and refuses, and what the client refuses to believe: each case here was a hole a
// review found (issue 14), now closed.
import { after, before, beforeEach, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as net from 'net';
import * as os from 'os';
import * as v8 from 'v8';
import * as vm from 'vm';
import * as zlib from 'zlib';
import * as path from 'path';
import { randomInt } from 'crypto';
import { clientFor, emulatorFor, REPO, type TestCredentials } from '../helpers';
import { JSON_CONTENT_TYPE, signLegacy, signTc3 } from '../../lib/cloud/signing';
import { isScfError, plainText, type ScfError } from '../../lib/cloud/errors';
import { waitForRequest } from '../../lib/poll/request-status';
import { systemClock } from '../../lib/cloud/limiter';
import type { EmulatorOptions, RunningEmulator } from '../../lib/emulator/http/server';
import type { EmulatorBehaviour } from '../../lib/emulator/scf/context';

let emulator: RunningEmulator & { credentials: TestCredentials };

before(async () => {
  emulator = await emulatorFor(undefined, { timeouts: { headersMs: 500 } });
});
after(() => emulator.close());
beforeEach(() => emulator.reset());

interface Raw {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

function raw(options: { method?: string; path?: string; headers?: Record<string, string | number>; body?: string | Buffer; port?: number }): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: options.port ?? emulator.port, method: options.method ?? 'GET', path: options.path ?? '/', headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

function apiError(reply: Raw): string | undefined {
  const parsed = JSON.parse(reply.body);
  return parsed.Response?.Error?.Code ?? parsed.codeDesc;
}

/** A v1-signed (HmacSHA256) request to `/`, with the parameters as given: even a signed request may not name a prototype. */
function v1Query(params: Record<string, string>, nonce = String(randomInt(1, 2 ** 31))): string {
  const all: Record<string, string> = {
    ...params,
    Version: '2018-04-16',
    Region: 'ap-guangzhou',
    Timestamp: String(Math.floor(Date.now() / 1000)),
    Nonce: nonce,
    SecretId: emulator.credentials.secretId,
    SignatureMethod: 'HmacSHA256',
  };
  all.Signature = signLegacy({ method: 'GET', host: `127.0.0.1:${emulator.port}`, path: '/', params: all, secretKey: emulator.credentials.secretKey, signatureMethod: 'HmacSHA256' });
  return '/?' + new URLSearchParams(all).toString();
}

async function invokeWorks(): Promise<void> {
  const result = await clientFor(emulator).invoke({ functionName: 'hello-dev-hello', namespace: 'default', invocationType: 'RequestResponse', clientContext: '{"after":"attack"}' });
  assert.equal(result.errMsg, '');
  assert.deepEqual(JSON.parse(result.retMsg), { message: 'Hello from hello-dev-hello', input: { after: 'attack' } });
}

test('an unsigned query naming __proto__ is refused and pollutes nothing; invocations behave as before', async () => {
  const reply = await raw({ path: '/?__proto__.NODE_OPTIONS=--import%3Ddata:text/javascript,process.exit(9)&Action=Invoke' });
  assert.equal(apiError(reply), 'AuthFailure.SignatureFailure');
  assert.equal(({} as any).NODE_OPTIONS, undefined, 'Object.prototype is untouched');
  const form = await raw({ method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: '__proto__.NODE_OPTIONS=--inspect&constructor.prototype.polluted=1' });
  assert.equal(apiError(form), 'AuthFailure.SignatureFailure');
  assert.equal(({} as any).NODE_OPTIONS, undefined);
  assert.equal(({} as any).polluted, undefined);
  await invokeWorks();
});

test('a correctly signed request naming __proto__ or constructor.prototype is InvalidParameter', async () => {
  for (const key of ['__proto__.InvocationType', 'constructor.prototype.X', 'Filter.__proto__.x', 'prototype']) {
    const reply = await raw({ path: v1Query({ Action: 'Invoke', FunctionName: 'hello-dev-hello', [key]: 'Event' }) });
    assert.equal(apiError(reply), 'InvalidParameter', key);
  }
  assert.equal(({} as any).InvocationType, undefined);
  assert.equal(({} as any).X, undefined);
  await invokeWorks();
});

test('a JSON body naming __proto__ is InvalidParameter, and a null body too', async () => {
  for (const body of ['{"FunctionName":"hello-dev-hello","__proto__":{"InvocationType":"Event"}}', 'null', '[]']) {
    const timestamp = Math.floor(Date.now() / 1000);
    const { authorization } = signTc3({ method: 'POST', host: '127.0.0.1', contentType: JSON_CONTENT_TYPE, payload: body, service: 'scf', timestamp, ...emulator.credentials });
    const reply = await raw({
      method: 'POST',
      headers: { 'Content-Type': JSON_CONTENT_TYPE, Authorization: authorization, 'X-TC-Action': 'Invoke', 'X-TC-Version': '2018-04-16', 'X-TC-Region': 'ap-guangzhou', 'X-TC-Timestamp': timestamp },
      body,
    });
    assert.equal(apiError(reply), 'InvalidParameter', body);
  }
});

test('a Host other than loopback is refused (DNS rebinding), on the API and the control API', async () => {
  const api = await raw({ headers: { Host: `attacker.example:${emulator.port}` } });
  assert.equal(api.status, 403);
  const control = await raw({ path: '/__emulator/requests', headers: { Host: 'attacker.example', 'X-Emulator-Token': emulator.controlToken } });
  assert.equal(control.status, 403);
  const ok = await raw({ path: '/__emulator/health', headers: { Host: `localhost:${emulator.port}`, 'X-Emulator-Token': emulator.controlToken } });
  assert.equal(ok.status, 200);
});

test('the control API needs the token printed at start', async () => {
  assert.equal((await raw({ path: '/__emulator/requests' })).status, 401);
  assert.equal((await raw({ path: '/__emulator/faults', method: 'PUT', headers: { 'X-Emulator-Token': 'guess' }, body: '{"throttleRate":1}' })).status, 401);
  assert.equal(emulator.faults.throttleRate, undefined, 'a refused request changed nothing');
  const ok = await raw({ path: '/__emulator/requests', headers: { 'X-Emulator-Token': emulator.controlToken } });
  assert.equal(ok.status, 200);
  assert.ok(Array.isArray(JSON.parse(ok.body)));
});

test('refused requests do not keep their bodies: memory stays flat under 200 unsigned 8 MB posts', async () => {
  const body = Buffer.alloc(8 * 1024 * 1024, 0x61);
  const baseline = process.memoryUsage().arrayBuffers;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers)), 5);
  const post = (i: number) =>
    new Promise<number>((resolve) => {
      const headers: Record<string, string | number> = { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': body.length };
      if (i % 2) Object.assign(headers, { 'Content-Type': JSON_CONTENT_TYPE, Authorization: 'TC3-HMAC-SHA256 Credential=AKIDnobody/2026-01-01/scf/tc3_request, SignedHeaders=content-type;host, Signature=00' });
      const req = http.request({ host: '127.0.0.1', port: emulator.port, method: 'POST', path: '/', headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', () => resolve(-1)); // the server may stop reading once it has answered
      req.end(body);
    });
  try {
    for (let batch = 0; batch < 10; batch++) await Promise.all(Array.from({ length: 20 }, (_, i) => post(batch * 20 + i)));
  } finally {
    clearInterval(sampler);
  }
  // 20 posts in flight at once would hold 160 MB if their bodies were kept; the test's own 8 MB buffer is in the baseline.
  const grewMiB = (peak - baseline) / 1048576;
  assert.ok(grewMiB < 48, `array buffers grew by ${grewMiB.toFixed(1)} MiB`);
  await invokeWorks();
});

test('a forged COS upload is refused before its body is read: memory stays flat', async () => {
  const body = Buffer.alloc(32 * 1024 * 1024, 0x62);
  const now = Math.floor(Date.now() / 1000);
  const forged = `q-sign-algorithm=sha1&q-ak=${emulator.credentials.secretId}&q-sign-time=${now};${now + 600}&q-key-time=${now};${now + 600}&q-header-list=host&q-url-param-list=&q-signature=${'0'.repeat(40)}`;
  const baseline = process.memoryUsage().arrayBuffers;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers)), 5);
  const put = () =>
    new Promise<number>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port: emulator.port, method: 'PUT', path: `/deploy-1250000000/x.zip`, headers: { Authorization: forged, 'Content-Length': body.length } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', () => resolve(-1));
      req.end(body);
    });
  let statuses: number[];
  try {
    statuses = await Promise.all(Array.from({ length: 8 }, put));
  } finally {
    clearInterval(sampler);
  }
  assert.ok(statuses.every((s) => s === 403 || s === -1), `answers ${statuses}`);
  const grewMiB = (peak - baseline) / 1048576;
  assert.ok(grewMiB < 48, `array buffers grew by ${grewMiB.toFixed(1)} MiB for 8 forged 32 MB uploads`);
});

test('a request whose headers do not arrive in time is cut off', async () => {
  const socket = net.connect(emulator.port, '127.0.0.1');
  await new Promise<void>((r) => socket.once('connect', () => r()));
  socket.resume(); // read what it answers (a 408), so its close is seen
  socket.write('POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n');
  const closed = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 5000);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
    socket.on('error', () => undefined);
  });
  socket.destroy();
  assert.ok(closed, 'the emulator closed a connection whose headers never ended');
});

test('TC3 verification follows SignedHeaders: a signed X-TC-Action cannot be swapped', async () => {
  const body = '{"FunctionName":"hello-dev-hello"}';
  const timestamp = Math.floor(Date.now() / 1000);
  const base = { method: 'POST' as const, host: '127.0.0.1', contentType: JSON_CONTENT_TYPE, payload: body, service: 'scf', timestamp, ...emulator.credentials };
  const headers = (authorization: string, action: string) => ({
    'Content-Type': JSON_CONTENT_TYPE,
    Authorization: authorization,
    'X-TC-Action': action,
    'X-TC-Version': '2018-04-16',
    'X-TC-Region': 'ap-guangzhou',
    'X-TC-Timestamp': timestamp,
  });
  const signed = signTc3({ ...base, extraHeaders: { 'x-tc-action': 'GetFunctionLogs' } }).authorization;
  assert.match(signed, /SignedHeaders=content-type;host;x-tc-action,/);
  const swapped = await raw({ method: 'POST', headers: headers(signed, 'Invoke'), body });
  assert.equal(apiError(swapped), 'AuthFailure.SignatureFailure');
  const honest = await raw({ method: 'POST', headers: headers(signed, 'GetFunctionLogs'), body });
  assert.equal(JSON.parse(honest.body).Response.Error, undefined, honest.body);
  // The vendor SDK signs content-type and host only: the action is not protected, and still accepted.
  const vendorStyle = await raw({ method: 'POST', headers: headers(signTc3(base).authorization, 'GetFunctionLogs'), body });
  assert.equal(JSON.parse(vendorStyle.body).Response.Error, undefined);
  // A signed header that is missing from the request fails.
  const missing = signTc3({ ...base, extraHeaders: { 'x-tc-custom': 'v' } }).authorization;
  assert.equal(apiError(await raw({ method: 'POST', headers: headers(missing, 'GetFunctionLogs'), body })), 'AuthFailure.SignatureFailure');
});

test('a replayed legacy Nonce is refused within the time window', async () => {
  const params: Record<string, string> = {
    Action: 'GetFunctionLogs',
    functionName: 'hello-dev-hello',
    Region: 'ap-guangzhou',
    Timestamp: String(Math.floor(Date.now() / 1000)),
    Nonce: String(randomInt(1, 2 ** 31)),
    SecretId: emulator.credentials.secretId,
    SignatureMethod: 'HmacSHA1',
  };
  params.Signature = signLegacy({ method: 'POST', host: `127.0.0.1:${emulator.port}`, path: '/v2/index.php', params, secretKey: emulator.credentials.secretKey, signatureMethod: 'HmacSHA1' });
  const send = () => raw({ method: 'POST', path: '/v2/index.php', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params).toString() });
  const first = JSON.parse((await send()).body);
  assert.equal(first.code, 0, JSON.stringify(first));
  const replay = JSON.parse((await send()).body);
  assert.equal(replay.codeDesc, 'AuthFailure.SignatureFailure');
  assert.match(replay.message, /replay/);
});

// ---- what an unsigned (or signed) caller can make the emulator hold (issue 23, finding 4) ------------------

/** A raw request written in parts: its headers and `sent` bytes of body now, the rest never; the reply when it comes. */
function heldRequest(port: number, headers: Record<string, string | number>, sent: Buffer): { reply: Promise<Raw | undefined>; destroy(): void } {
  let req!: http.ClientRequest;
  const reply = new Promise<Raw | undefined>((resolve) => {
    req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      res.on('error', () => resolve(undefined));
    });
    req.on('error', () => resolve(undefined));
    req.write(sent);
  });
  return { reply, destroy: () => req.destroy() };
}

/** The reply, or undefined when none came within `ms` (the emulator is still reading). */
function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([promise, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref())]);
}

async function stats(of: RunningEmulator): Promise<Record<string, any>> {
  return JSON.parse((await raw({ path: '/__emulator/stats', headers: { 'X-Emulator-Token': of.controlToken }, port: of.port })).body);
}

/** TC3 headers that pass the checks made before the body is read (shape, SecretId, time); the signature is wrong. */
function plausibleTc3(credentials: TestCredentials, length: number): Record<string, string | number> {
  const timestamp = Math.floor(Date.now() / 1000);
  const date = new Date(timestamp * 1000).toISOString().slice(0, 10);
  return {
    'Content-Type': JSON_CONTENT_TYPE,
    'Content-Length': length,
    Authorization: `TC3-HMAC-SHA256 Credential=${credentials.secretId}/${date}/scf/tc3_request, SignedHeaders=content-type;host, Signature=${'0'.repeat(64)}`,
    'X-TC-Action': 'ListFunctions',
    'X-TC-Version': '2018-04-16',
    'X-TC-Region': 'ap-guangzhou',
    'X-TC-Timestamp': timestamp,
  };
}

test('a refused request leaves a few bytes in the request log, however long its Action and Region', async () => {
  const body = `Action=${'A'.repeat(600_000)}&Region=${'r'.repeat(300_000)}&Version=2018-04-16`;
  const reply = await raw({ method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body });
  assert.equal(apiError(reply), 'AuthFailure.SignatureFailure');
  const [entry] = emulator.requests;
  assert.ok(entry.action.length <= 64 && entry.region.length <= 64, `kept ${entry.action.length} + ${entry.region.length} characters`);
  assert.ok((await stats(emulator)).recordedBytes < 4096);
  // What is kept holds nothing of the rest alive (a slice of a long string would keep all of it): 60 posts of 900 KB
  // would keep 54 MB.
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 60; i++) await raw({ method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body });
  gc();
  const grewMiB = (process.memoryUsage().heapUsed - before) / 1048576;
  assert.ok(grewMiB < 16, `the heap grew by ${grewMiB.toFixed(1)} MiB`);
});

test('signed requests cannot fill the request log either: long values are summarised, the log is bounded in bytes', async () => {
  const local = await emulatorFor(undefined, { limits: { recordedBytes: 256 * 1024 } } as Partial<EmulatorOptions>);
  try {
    for (let i = 0; i < 20; i++) {
      const body = JSON.stringify({ SearchKey: `${i}-${'x'.repeat(100_000)}` });
      const timestamp = Math.floor(Date.now() / 1000);
      const { authorization } = signTc3({ method: 'POST', host: '127.0.0.1', contentType: JSON_CONTENT_TYPE, payload: body, service: 'scf', timestamp, ...local.credentials });
      await raw({
        port: local.port,
        method: 'POST',
        headers: { 'Content-Type': JSON_CONTENT_TYPE, Authorization: authorization, 'X-TC-Action': 'ListFunctions', 'X-TC-Version': '2018-04-16', 'X-TC-Region': 'ap-guangzhou', 'X-TC-Timestamp': timestamp },
        body,
      });
    }
    const kept = local.requests.filter((r) => r.action === 'ListFunctions');
    assert.equal(kept.length, 20, 'every request is still in the log');
    for (const r of kept) assert.match(r.params.SearchKey, /^<10000[23] characters: \d+-x+…>$/);
    assert.ok((await stats(local)).recordedBytes <= 256 * 1024);
  } finally {
    await local.close();
  }
});

test('bodies held before their signature is checked are bounded across connections: past the budget a request is refused at once', async () => {
  const local = await emulatorFor(undefined, { limits: { unverifiedBytes: 3 * 1024 * 1024 } } as Partial<EmulatorOptions>);
  const held: Array<ReturnType<typeof heldRequest>> = [];
  try {
    // Two slow senders who know only the SecretId hold 2.8 MB between them, and never finish.
    for (let i = 0; i < 2; i++) held.push(heldRequest(local.port, plausibleTc3(local.credentials, 2 * 1024 * 1024), Buffer.alloc(1400 * 1024, 0x20)));
    let holding = 0;
    for (let i = 0; i < 400 && holding < 2800 * 1024; i++) {
      holding = (await stats(local)).unverifiedBytes;
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.equal(holding, 2800 * 1024, 'the emulator holds what the two sent');
    // A third gets RequestLimitExceeded while it is still sending, and the emulator holds no more than its budget.
    const third = heldRequest(local.port, plausibleTc3(local.credentials, 2 * 1024 * 1024), Buffer.alloc(900 * 1024, 0x20));
    held.push(third);
    const refused = await within(third.reply, 20_000);
    assert.ok(refused, 'the third sender was answered before it finished');
    assert.equal(apiError(refused), 'RequestLimitExceeded');
    assert.ok((await stats(local)).unverifiedBytes <= 3 * 1024 * 1024);
    // Once the slow senders go, what they held is given back, and signed requests are served as before.
    for (const h of held) h.destroy();
    for (let i = 0; i < 400 && (await stats(local)).unverifiedBytes > 0; i++) await new Promise((r) => setTimeout(r, 25));
    assert.equal((await stats(local)).unverifiedBytes, 0);
    assert.ok(Array.isArray(await clientFor(local).listFunctions('default')));
  } finally {
    for (const h of held) h.destroy();
    await local.close();
  }
});

test('a HmacSHA* body naming another SecretId is refused after its first part, not read to its end', async () => {
  const head = Buffer.from(`SecretId=AKIDsomeoneelse&Timestamp=${Math.floor(Date.now() / 1000)}&Action=ListFunctions&Padding=`);
  const sender = heldRequest(emulator.port, { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': 900 * 1024 }, Buffer.concat([head, Buffer.alloc(100 * 1024, 0x61)]));
  try {
    const reply = await within(sender.reply, 20_000);
    assert.ok(reply, 'answered before the body was all sent');
    assert.equal(apiError(reply), 'AuthFailure.SecretIdNotFound');
  } finally {
    sender.destroy();
  }
});

test('invocation history and CLS records are bounded in bytes: a handler logging 200 KB a run cannot fill the emulator', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-chatty-'));
  fs.writeFileSync(path.join(dir, 'index.js'), `exports.main = async () => { for (let i = 0; i < 100; i++) console.log(String(i).padEnd(2000, '.')); return 'ok'; };\n`);
  fs.writeFileSync(path.join(dir, 'serverless.yml'), 'service: chatty\nprovider:\n  name: tencent\nfunctions:\n  talk:\n    handler: index.main\n');
  const local = await emulatorFor(dir, { behaviour: { historyBytes: 1_000_000, logBytesPerTopic: 1_000_000 } as EmulatorBehaviour });
  try {
    const client = clientFor(local);
    const talk = { functionName: 'chatty-dev-talk', namespace: 'default' };
    for (let i = 0; i < 12; i++) assert.equal((await client.invoke({ ...talk, invocationType: 'RequestResponse' })).retMsg, '"ok"');
    const history = local.core.store.of('chatty-dev-talk', 'default');
    assert.ok(history.length >= 1 && history.length <= 5, `${history.length} of 12 runs kept in the history`);
    const topicId = local.core.account.getFunction('default', 'chatty-dev-talk')!.config.clsTopicId!;
    const topic = local.core.cls.topic(topicId)!;
    let text = 0;
    for (const stored of topic.scan(0, Date.now() + 1000, 'asc')) for (const [key, value] of Object.entries(stored.record.fields)) text += key.length + String(value).length;
    assert.ok(text <= 1_000_000, `the topic keeps ${text} characters of records`);
    assert.ok(topic.size < 12 * 106, 'old records went');
  } finally {
    await local.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// ---- the client -------------------------------------------------------------------------------------------

/** A server on 127.0.0.1 that answers every request with `reply`. */
async function fakeServer(reply: (req: http.IncomingMessage) => { status?: number; body: string }): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const { status = 200, body } = reply(req);
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

async function rejection(promise: Promise<unknown>): Promise<ScfError> {
  let caught: unknown;
  await promise.catch((e) => (caught = e));
  assert.ok(isScfError(caught), `expected an ScfError, got ${caught}`);
  return caught as ScfError;
}

const target = { functionName: 'hello-dev-hello', namespace: 'default' };

test('a reply larger than the cap is refused with an ScfError, not an exception', async () => {
  const client = clientFor(emulator, { maxReplyBytes: 2048, maxAttempts: 1 });
  await client.invoke({ ...target, invocationType: 'RequestResponse', clientContext: JSON.stringify({ pad: 'x'.repeat(4000) }) }).catch(() => undefined);
  const error = await rejection(client.getFunctionLogs(target));
  assert.equal(error.code, 'Transport.ReplyTooLarge');
  assert.match(error.message, /GetFunctionLogs got a reply .* larger than/);
});

test('a gzip reply is counted as it unpacks: one that unpacks past the cap is refused before it ends, whatever its Content-Length', async () => {
  const packed = zlib.gzipSync(JSON.stringify({ Response: { Padding: 'a'.repeat(16 * 1024 * 1024), RequestId: 'r' } }));
  // Headers promise a small body; the first half of it (several MB unpacked) arrives, then the server stalls.
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': packed.length });
    res.write(packed.subarray(0, packed.length >> 1));
  });
  server.on('connection', (socket) => sockets.add(socket));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    assert.ok(packed.length < 1024 * 1024, `${packed.length} bytes packed`);
    const client = clientFor({ url, credentials: emulator.credentials }, { maxReplyBytes: 1024 * 1024, maxAttempts: 1, timeoutMs: 5000 });
    const error = await rejection(client.getFunctionLogs(target));
    assert.equal(error.code, 'Transport.ReplyTooLarge', error.message);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('replies of the wrong shape are errors naming the action, never a success', async () => {
  const shapes: Array<[string, string, (c: ReturnType<typeof clientFor>) => Promise<unknown>, RegExp]> = [
    ['Response not an object', '{"Response":"yes"}', (c) => c.getFunctionLogs(target), /GetFunctionLogs .*no "Response" object/],
    ['Invoke without Result', '{"Response":{"RequestId":"r"}}', (c) => c.invoke({ ...target, invocationType: 'RequestResponse' }), /Invoke .*"Result" missing/],
    ['Invoke without a request id', '{"Response":{"Result":{"RetMsg":"1"},"RequestId":"r"}}', (c) => c.invoke({ ...target, invocationType: 'Event' }), /Invoke .*FunctionRequestId/],
    ['Data not a list', '{"Response":{"Data":{"x":1},"RequestId":"r"}}', (c) => c.getRequestStatus({ ...target, functionRequestId: 'x' }), /GetRequestStatus .*"Data" is not a list/],
    ['Error not an object', '{"Response":{"Error":"boom","RequestId":"r"}}', (c) => c.getFunctionLogs(target), /"Error" is not an object/],
  ];
  for (const [name, body, call, pattern] of shapes) {
    const server = await fakeServer(() => ({ body }));
    try {
      const error = await rejection(call(clientFor({ url: server.url, credentials: emulator.credentials }, { maxAttempts: 1 })));
      assert.match(error.message, pattern, name);
    } finally {
      await server.close();
    }
  }
});

test('the poller accepts only the status of its own request id', async () => {
  const server = await fakeServer(() => ({
    body: JSON.stringify({ Response: { TotalCount: 1, Data: [{ RequestId: 'someone-else', RetCode: 0, RetMsg: '"not yours"' }], RequestId: 'r' } }),
  }));
  try {
    const client = clientFor({ url: server.url, credentials: emulator.credentials });
    const error = await rejection(waitForRequest(client, { ...target, functionRequestId: 'mine', invokedAtMs: Date.now(), timeoutMs: 800, clock: systemClock }));
    assert.equal(error.code, 'Plugin.WaitTimeout');
  } finally {
    await server.close();
  }
});

test('a dead endpoint stops the poller with "cannot reach", long before its deadline', async () => {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  const client = clientFor({ url: `http://127.0.0.1:${port}`, credentials: emulator.credentials }, { backoffBaseMs: 5, backoffCapMs: 20 });
  const started = Date.now();
  const error = await rejection(waitForRequest(client, { ...target, functionRequestId: 'r', invokedAtMs: started, timeoutMs: 600_000, clock: systemClock, unreachableLimitMs: 500 }));
  assert.equal(error.code, 'Transport.ConnectionRefused');
  assert.match(error.message, /^Cannot reach the SCF endpoint .* for \d+ s: stopped waiting for request r, which may still be running\.$/);
  assert.ok(Date.now() - started < 60_000);
});

test('a certificate that is not trusted is named, and nothing was sent', async () => {
  const dir = path.join(REPO, 'test', 'fixtures', 'tls');
  let requests = 0;
  const server = https.createServer({ key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')) }, (_req, res) => {
    requests++;
    res.end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    const client = clientFor({ url: `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`, credentials: emulator.credentials }, { maxAttempts: 1 });
    const error = await rejection(client.invoke({ ...target, invocationType: 'RequestResponse' }));
    assert.equal(error.code, 'Transport.CertificateNotTrusted');
    assert.match(error.message, /certificate of the SCF endpoint https:\/\/127\.0\.0\.1:\d+ is not trusted \(.+\): nothing was sent\./);
    assert.equal(requests, 0);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('terminal control sequences from the server are stripped from error messages', async () => {
  const evil = '\u001b]0;pwned\u0007\u001b[2J\u001b[31mdisk\u0000 full\u001b[0m\rX';
  const server = await fakeServer(() => ({ body: JSON.stringify({ Response: { Error: { Code: 'FailedOperation\u001b[5m', Message: evil }, RequestId: 'r' } }) }));
  try {
    const error = await rejection(clientFor({ url: server.url, credentials: emulator.credentials }).getFunctionLogs(target));
    assert.doesNotMatch(error.message, /[\u0000-\u0008\u000b-\u001f\u007f]/);
    assert.match(error.message, /disk full/);
    assert.equal(plainText('a\u001b[1mb\u001b]2;t\u0007c\nd\te'), 'abc\nd\te');
  } finally {
    await server.close();
  }
});

test('Authorization: SKIP opens STS AssumeRoleWithWebIdentity alone; its body names no prototype, keeps its time window, and the log keeps no token', async () => {
  const unsigned = (action: string, version: string, body: string, timestamp = Math.floor(Date.now() / 1000)) =>
    raw({ method: 'POST', headers: { 'Content-Type': JSON_CONTENT_TYPE, Authorization: 'SKIP', 'X-TC-Action': action, 'X-TC-Version': version, 'X-TC-Region': 'ap-guangzhou', 'X-TC-Timestamp': timestamp }, body });
  assert.equal(apiError(await unsigned('Invoke', '2018-04-16', '{"FunctionName":"hello-dev-hello"}')), 'AuthFailure.InvalidAuthorization');
  assert.equal(apiError(await unsigned('AssumeRole', '2018-08-13', '{}')), 'AuthFailure.InvalidAuthorization');
  assert.equal(apiError(await unsigned('ModifyResourceTags', '2018-08-13', '{}')), 'AuthFailure.InvalidAuthorization', 'the Tag API shares the version');
  assert.equal(apiError(await unsigned('AssumeRoleWithWebIdentity', '2018-08-13', '{"__proto__":{"RoleArn":"x"}}')), 'InvalidParameter');
  assert.equal(apiError(await unsigned('AssumeRoleWithWebIdentity', '2018-08-13', '{}', Math.floor(Date.now() / 1000) - 3600)), 'AuthFailure.SignatureExpire');
  const token = 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2VjcmV0LXNpZ25hdHVyZQ';
  const reply = await unsigned('AssumeRoleWithWebIdentity', '2018-08-13', JSON.stringify({ ProviderId: 'OIDC', WebIdentityToken: token, RoleArn: 'qcs::cam::uin/1:roleName/r', RoleSessionName: 'ci' }));
  assert.equal(apiError(reply), 'InvalidParameter.ParamError', 'this emulator has no identity provider');
  const logged = await raw({ path: '/__emulator/requests', headers: { 'X-Emulator-Token': emulator.controlToken } });
  assert.ok(!logged.body.includes(token), 'the request log keeps no web identity token');
  assert.match(logged.body, /"WebIdentityToken":"<token: \d+ characters>"/);
});

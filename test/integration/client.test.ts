// Our client against the emulator over real HTTP: both protocols, errors, retries and the invoke safety rule.
import { after, before, beforeEach, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as net from 'net';
import { clientFor, emulatorFor, type TestCredentials } from '../helpers';
import { Credentials } from '../../lib/config/credentials';
import { parseEndpoint } from '../../lib/config/settings';
import { createClients } from '../../lib/cloud/clients';
import { isScfError, type ScfError } from '../../lib/cloud/errors';
import type { RunningEmulator } from '../../lib/emulator/http/server';
import { formatCst } from '../../lib/time/cst';

let emulator: RunningEmulator & { credentials: TestCredentials };
const fast = { backoffBaseMs: 5, backoffCapMs: 20 };

before(async () => {
  emulator = await emulatorFor();
});
after(() => emulator.close());
beforeEach(() => {
  for (const key of Object.keys(emulator.faults)) delete (emulator.faults as any)[key];
  emulator.reset();
});

const target = { functionName: 'hello-dev-hello', namespace: 'default' };
const count = (action: string) => emulator.requests.filter((r) => r.action === action).length;

async function rejectsWith(promise: Promise<unknown>, code: string | RegExp): Promise<ScfError> {
  let caught: unknown;
  await promise.catch((e) => (caught = e));
  assert.ok(isScfError(caught), `expected an ScfError, got ${caught}`);
  const error = caught as ScfError;
  if (typeof code === 'string') assert.equal(error.code, code);
  else assert.match(error.code, code);
  return error;
}

for (const legacyApi of [false, true]) {
  const mode = legacyApi ? 'legacy API' : 'API 3.0';

  test(`${mode}: sync invoke returns value, log tail and metrics`, async () => {
    const client = clientFor(emulator, { legacyApi });
    const result = await client.invoke({ ...target, invocationType: 'RequestResponse', clientContext: '{"n":1}', logType: 'Tail' });
    assert.deepEqual(JSON.parse(result.retMsg), { message: 'Hello from hello-dev-hello', input: { n: 1 } });
    assert.equal(result.errMsg, '');
    assert.match(result.log, /hello invoked with \{"n":1\}/);
    assert.ok(result.duration > 0 && result.memUsage > 0);
    assert.match(result.functionRequestId, /^[0-9a-f-]{36}$/);
    assert.equal(emulator.requests[0].protocol, legacyApi ? 'legacy' : 'tc3');
    assert.equal(emulator.requests[0].action, legacyApi ? 'InvokeFunction' : 'Invoke');
  });

  test(`${mode}: a failing handler reports ErrMsg; logs and request status follow`, async () => {
    const client = clientFor(emulator, { legacyApi });
    const result = await client.invoke({ functionName: 'hello-dev-fail', namespace: 'default', invocationType: 'RequestResponse', clientContext: '{"reason":"kaput"}' });
    assert.equal(JSON.parse(result.errMsg).errorMessage, 'kaput');
    const now = Date.now();
    const logs = await client.getFunctionLogs({
      functionName: 'hello-dev-fail',
      namespace: 'default',
      functionRequestId: result.functionRequestId,
      startTime: formatCst(now - 60_000),
      endTime: formatCst(now + 1000),
      retCode: 'not0',
    });
    assert.equal(logs.totalCount, 1);
    assert.equal(logs.entries[0].requestId, result.functionRequestId);
    assert.equal(logs.entries[0].retCode, 1);
    const status = await client.getRequestStatus({ functionName: 'hello-dev-fail', namespace: 'default', functionRequestId: result.functionRequestId });
    assert.equal(status.statuses[0].retCode, -1);
  });

  test(`${mode}: an unknown function is a sentence naming function, namespace and region`, async () => {
    const client = clientFor(emulator, { legacyApi });
    const error = await rejectsWith(client.invoke({ functionName: 'ghost', namespace: 'default', invocationType: 'RequestResponse' }), 'ResourceNotFound.Function');
    assert.match(error.message, /"ghost" was not found in namespace "default", region ap-guangzhou/);
    assert.ok(error.requestId);
  });

  test(`${mode}: a wrong secret key says which credentials were used`, async () => {
    const client = createClients({
      endpoints: { scf: parseEndpoint(emulator.url) },
      region: 'ap-guangzhou',
      credentials: new Credentials(emulator.credentials.secretId, 'not-the-key', undefined, 'profile "x" in /tmp/creds'),
      legacyApi,
    }).scf;
    const error = await rejectsWith(client.getFunctionLogs({ ...target }), 'AuthFailure.SignatureFailure');
    assert.match(error.message, /profile "x" in \/tmp\/creds/);
    assert.ok(!error.message.includes('not-the-key'));
  });
}

test('async invoke runs in the background: status goes from running to done', async () => {
  const client = clientFor(emulator);
  const accepted = await client.invoke({ functionName: 'hello-dev-slow', namespace: 'default', invocationType: 'Event', clientContext: '{"ms":400}' });
  assert.equal(accepted.retMsg, '');
  const first = await client.getRequestStatus({ functionName: 'hello-dev-slow', namespace: 'default', functionRequestId: accepted.functionRequestId });
  assert.equal(first.statuses[0].retCode, 1);
  await emulator.core.idle();
  const done = await client.getRequestStatus({ functionName: 'hello-dev-slow', namespace: 'default', functionRequestId: accepted.functionRequestId });
  assert.equal(done.statuses[0].retCode, 0);
  assert.deepEqual(JSON.parse(done.statuses[0].retMsg), { sleptMs: 400 });
});

test('a handler slower than its timeout fails with TimeLimitExceeded', async () => {
  const client = clientFor(emulator);
  const result = await client.invoke({ functionName: 'hello-dev-slow', namespace: 'default', invocationType: 'RequestResponse', clientContext: '{"ms":8000}' });
  assert.match(JSON.parse(result.errMsg).errorMessage, /timed out after 3 seconds/);
  // Cut at its 3 s timeout, not run to the 8 s it asked for.
  assert.ok(result.duration >= 3000 && result.duration < 8000, String(result.duration));
});

test('GetFunctionLogs pages, orders and bounds Offset + Limit', async () => {
  const client = clientFor(emulator);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await client.invoke({ functionName: 'hello-dev-echo', namespace: 'default', invocationType: 'RequestResponse', clientContext: `{"i":${i}}` })).functionRequestId);
  const window = { startTime: formatCst(Date.now() - 60_000), endTime: formatCst(Date.now() + 1000) };
  const page1 = await client.getFunctionLogs({ functionName: 'hello-dev-echo', namespace: 'default', ...window, order: 'asc', offset: 0, limit: 3 });
  const page2 = await client.getFunctionLogs({ functionName: 'hello-dev-echo', namespace: 'default', ...window, order: 'asc', offset: 3, limit: 3 });
  assert.equal(page1.totalCount, 5);
  assert.deepEqual([...page1.entries, ...page2.entries].map((e) => e.requestId), ids);
  await rejectsWith(client.getFunctionLogs({ functionName: 'hello-dev-echo', namespace: 'default', offset: 9999, limit: 2 }), 'InvalidParameterValue.Limit');
  await rejectsWith(
    client.getFunctionLogs({ functionName: 'hello-dev-echo', namespace: 'default', startTime: formatCst(Date.now() - 2 * 86400_000), endTime: formatCst(Date.now()) }),
    'InvalidParameterValue.StartTimeOrEndTime',
  );
});

test('reads are retried through throttling and gateway failures', async () => {
  Object.assign(emulator.faults, { throttleRate: 0.3, gatewayRate: 0.2, invalidJsonRate: 0.1, seed: 7, actions: ['GetFunctionLogs'] });
  const client = clientFor(emulator, { ...fast, maxAttempts: 10 });
  for (let i = 0; i < 20; i++) {
    const reply = await client.getFunctionLogs({ ...target, limit: 1 });
    assert.ok(reply.totalCount >= 0);
  }
  assert.ok(emulator.requests.filter((r) => r.outcome === 'RequestLimitExceeded').length > 0, 'throttling happened');
});

// Every kind of throttling the cloud answers, and its transient failures: reads go through them; an Invoke is
// sent again only after a throttle (refused before it ran), never after a server failure (it may have run).
for (const throttleCode of ['RequestLimitExceeded.UinLimitExceeded', 'RequestLimitExceeded.IPLimitExceeded', 'RequestLimitExceeded.GlobalRegionUinLimitExceeded']) {
  test(`${throttleCode} is throttling: reads and an Invoke are sent again and go through`, async () => {
    Object.assign(emulator.faults, { throttleRate: 0.5, throttleCode, seed: 3, actions: ['GetFunctionLogs', 'Invoke'] });
    const client = clientFor(emulator, { ...fast, maxAttempts: 20 });
    for (let i = 0; i < 5; i++) assert.ok((await client.getFunctionLogs({ ...target, limit: 1 })).totalCount >= 0);
    assert.equal((await client.invoke({ ...target, invocationType: 'RequestResponse' })).errMsg, '');
    assert.ok(emulator.requests.some((r) => r.outcome === throttleCode), `${throttleCode} was answered`);
    assert.equal(emulator.requests.filter((r) => r.action === 'Invoke' && r.outcome === 'ok').length, 1);
  });
}

for (const errorCode of ['ServiceUnavailable', 'InternalError.ServerBusy']) {
  test(`${errorCode} is transient: reads are sent again; an Invoke is not, and the error names the code`, async () => {
    Object.assign(emulator.faults, { internalErrorRate: 0.5, errorCode, seed: 3, actions: ['GetFunctionLogs'] });
    const client = clientFor(emulator, { ...fast, maxAttempts: 20 });
    for (let i = 0; i < 5; i++) assert.ok((await client.getFunctionLogs({ ...target, limit: 1 })).totalCount >= 0);
    assert.ok(emulator.requests.some((r) => r.outcome === errorCode), `${errorCode} was answered`);
    Object.assign(emulator.faults, { internalErrorRate: 1, actions: ['Invoke'] });
    await rejectsWith(client.invoke({ ...target, invocationType: 'RequestResponse' }), errorCode);
    assert.equal(count('Invoke'), 1, 'sent exactly once');
  });
}

test('a throttle that outlasts the retries names its own code', async () => {
  Object.assign(emulator.faults, { throttleRate: 1, throttleCode: 'RequestLimitExceeded.UinLimitExceeded', actions: ['GetFunctionLogs'] });
  const client = clientFor(emulator, { ...fast, maxAttempts: 3 });
  const error = await rejectsWith(client.getFunctionLogs(target), 'RequestLimitExceeded.UinLimitExceeded');
  assert.match(error.message, /^Tencent Cloud throttled GetFunctionLogs \(RequestLimitExceeded\.UinLimitExceeded\) and retries did not get through/);
  assert.equal(count('GetFunctionLogs'), 3);
});

test("another client used up an action's second: this one's throttled reads wait it out and get through, even on the shortest jitter", async () => {
  // GetFunctionLogs: 5 a second at the emulator, as in the cloud, counted across every client of the account.
  const other = clientFor(emulator);
  await Promise.all(Array.from({ length: 5 }, () => other.getFunctionLogs({ ...target, limit: 1 })));
  const client = clientFor(emulator, { random: () => 0 });
  assert.ok((await client.getFunctionLogs({ ...target, limit: 1 })).totalCount >= 0);
  assert.ok(emulator.requests.some((r) => r.action === 'GetFunctionLogs' && r.outcome === 'RequestLimitExceeded'), 'it was throttled first');
});

test('a read whose reply is slower than the timeout is retried and completes', async () => {
  Object.assign(emulator.faults, { slowRate: 0.4, slowMs: 600, seed: 5, actions: ['GetFunctionLogs'] });
  const client = clientFor(emulator, { ...fast, timeoutMs: 250, maxAttempts: 10 });
  for (let i = 0; i < 5; i++) assert.ok((await client.getFunctionLogs({ ...target, limit: 1 })).totalCount >= 0);
  assert.ok(count('GetFunctionLogs') > 5, 'some were sent again');
});

test('an Invoke is re-sent after RequestLimitExceeded (it did not run) and succeeds', async () => {
  Object.assign(emulator.faults, { throttleRate: 0.5, seed: 3, actions: ['Invoke'] });
  const client = clientFor(emulator, { ...fast, maxAttempts: 20 });
  const result = await client.invoke({ ...target, invocationType: 'RequestResponse' });
  assert.equal(result.errMsg, '');
  assert.equal(emulator.requests.filter((r) => r.action === 'Invoke' && r.outcome === 'ok').length, 1);
});

for (const [fault, code] of [
  ['gatewayRate', 'Transport.HttpStatus'],
  ['resetRate', /^Transport\./],
  ['invalidJsonRate', 'Transport.InvalidReply'],
] as const) {
  test(`an Invoke is never re-sent after an ambiguous failure (${fault})`, async () => {
    Object.assign(emulator.faults, { [fault]: 1, actions: ['Invoke'] });
    const client = clientFor(emulator, fast);
    const error = await rejectsWith(client.invoke({ ...target, invocationType: 'RequestResponse' }), code);
    assert.match(error.message, /may have run/);
    assert.equal(count('Invoke'), 1, 'sent exactly once');
  });
}

test('an Invoke timing out waiting for its reply is not re-sent', async () => {
  Object.assign(emulator.faults, { slowRate: 1, slowMs: 4000, actions: ['Invoke'] });
  const client = clientFor(emulator, { ...fast, invokeTimeoutMs: 1500 });
  const error = await rejectsWith(client.invoke({ ...target, invocationType: 'RequestResponse' }), 'Transport.Timeout');
  assert.match(error.message, /timed out after 1500 ms .*may have run/);
  assert.equal(count('Invoke'), 1);
});

test('an unreachable endpoint fails within a bounded time with a sentence naming it', async () => {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  const client = clientFor({ url: `http://127.0.0.1:${port}`, credentials: emulator.credentials }, { ...fast, maxAttempts: 3 });
  const error = await rejectsWith(client.getFunctionLogs(target), 'Transport.ConnectionRefused');
  assert.equal(error.message, `Cannot reach the SCF endpoint http://127.0.0.1:${port}: connection refused.`);
});

test('a local clock far off is refused as expired, and the error says by how much', async () => {
  const skewed = { now: () => Date.now() + 3600_000, sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
  const client = clientFor(emulator, { clock: skewed });
  const error = await rejectsWith(client.getFunctionLogs(target), 'AuthFailure.SignatureExpire');
  assert.match(error.message, /clock is 3[56]\d\d s ahead of Tencent Cloud's/);
});

test('the client limiter keeps 60 concurrent status reads within 20 a second at the server', async () => {
  emulator.faults.rateLimit = 20;
  const client = clientFor(emulator);
  const id = (await client.invoke({ ...target, invocationType: 'Event' })).functionRequestId;
  await Promise.all(Array.from({ length: 60 }, () => client.getRequestStatus({ ...target, functionRequestId: id })));
  assert.ok(emulator.peakPerSecond('GetRequestStatus') <= 20, `peak ${emulator.peakPerSecond('GetRequestStatus')}`);
  assert.equal(emulator.requests.filter((r) => r.outcome === 'RequestLimitExceeded').length, 0);
});

test('the legacy API has no ListAsyncEvents: a sentence, nothing sent', async () => {
  const client = clientFor(emulator, { legacyApi: true });
  const error = await rejectsWith(client.listAsyncEvents(target), 'Plugin.Unsupported');
  assert.match(error.message, /legacy API/);
  assert.equal(emulator.requests.length, 0);
});

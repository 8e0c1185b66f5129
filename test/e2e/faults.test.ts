// Failure behaviour end to end: every command under a flaky API, an unreachable endpoint, and secrets in
// verbose and debug output.
import { after, before, beforeEach, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as net from 'net';
import { emulatorFor, EXAMPLE, sls, type TestCredentials } from '../helpers';
import type { RunningEmulator } from '../../lib/emulator/http/server';

let emulator: RunningEmulator & { credentials: TestCredentials };
const READS = ['SearchLog', 'GetFunctionLogs', 'ListAsyncEvents', 'GetRequestStatus'];
const flaky = { throttleRate: 0.3, gatewayRate: 0.05, resetRate: 0.03, invalidJsonRate: 0.03, actions: READS, seed: 11 };

before(async () => {
  // `fail` has no CLS topic: its logs come from GetFunctionLogs, the others' from CLS.
  emulator = await emulatorFor(EXAMPLE, { credentials: { secretId: 'AKIDfault', secretKey: 'faultSECRETkey31', token: 'faultTOKEN55' }, behaviour: { withoutLogTopic: ['hello-dev-fail'] } });
});
after(() => emulator.close());
beforeEach(() => {
  for (const key of Object.keys(emulator.faults)) delete (emulator.faults as any)[key];
  emulator.reset();
});

const lines = (text: string) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l));

test('logs (from CLS and from GetFunctionLogs) and events print the complete result under 30% throttling and gateway failures', async () => {
  const now = Date.now();
  const spread = (n: number) => Array.from({ length: n }, (_, i) => ({ startMs: now - 86400_000 * 1.5 + Math.floor((i * 86400_000 * 1.5) / n) }));
  const fromCls = emulator.core.seed('hello-dev-chatty', 'default', spread(1200));
  // Pages of 1000: enough GetFunctionLogs calls for the faults to strike some.
  const fromScf = emulator.core.seed('hello-dev-fail', 'default', spread(6000));
  const events = emulator.core.seed('hello-dev-echo', 'default', Array.from({ length: 250 }, (_, i) => ({ startMs: now - 3600_000 + i * 1000, invocationType: 'Event' as const })));
  Object.assign(emulator.faults, flaky);
  // Each command rolls its own dice from a seed of its own: which of its requests are struck does not depend on how
  // many requests the commands before it sent.
  let seed = flaky.seed;
  for (const [key, seeded, source] of [['chatty', fromCls, 'cls'], ['fail', fromScf, 'scf']] as const) {
    emulator.faults.seed = ++seed;
    const history = await sls(EXAMPLE, ['logs', '-f', key, '--startTime', '2d', '--json'], emulator);
    assert.equal(history.code, 0, history.stdout + history.stderr);
    const printed = lines(history.stdout);
    assert.deepEqual(printed.map((l) => l.requestId), seeded.map((l) => l.requestId));
    assert.ok(printed.every((l) => l.source === source));
  }
  emulator.faults.seed = ++seed;
  const listed = await sls(EXAMPLE, ['events', '-f', 'echo', '--json'], emulator);
  assert.equal(listed.code, 0, listed.stdout + listed.stderr);
  assert.deepEqual(lines(listed.stdout).map((e) => e.requestId), events.map((e) => e.requestId));
  for (const action of ['SearchLog', 'GetFunctionLogs', 'ListAsyncEvents']) {
    assert.ok(emulator.requests.some((r) => r.action === action && r.outcome === 'RequestLimitExceeded'), `the faults struck ${action}`);
  }
});

test('invoke --wait and the smoke checks finish under throttling of every action', async () => {
  Object.assign(emulator.faults, { ...flaky, actions: undefined, gatewayRate: 0, resetRate: 0, invalidJsonRate: 0 });
  const waited = await sls(EXAMPLE, ['invoke', '-f', 'slow', '-t', 'Event', '--wait', '-d', '{"ms":500}'], emulator);
  assert.equal(waited.code, 0, waited.stdout + waited.stderr);
  assert.deepEqual(JSON.parse(waited.stdout), { sleptMs: 500 });
  assert.equal(emulator.requests.filter((r) => r.action === 'Invoke' && r.outcome === 'ok').length, 1, 'run once');
  const smoke = await sls(EXAMPLE, ['smoke'], emulator);
  assert.equal(smoke.code, 0, smoke.stdout + smoke.stderr);
  assert.match(smoke.stderr, /All 3 smoke checks passed/);
});

test('an Invoke that meets a gateway failure is not re-sent, and says so', async () => {
  Object.assign(emulator.faults, { gatewayRate: 1, actions: ['Invoke'] });
  const result = await sls(EXAMPLE, ['invoke', '-f', 'hello'], emulator);
  assert.notEqual(result.code, 0);
  assert.match(result.stdout, /^Error:\nInvoke got HTTP 502 from http:\/\/127\.0\.0\.1:\d+ instead of an API reply\. The function may have run: check its logs before invoking again\.\n$/);
  assert.equal(emulator.requests.filter((r) => r.action === 'Invoke').length, 1);
});

test('an unreachable endpoint fails in bounded time with a sentence, a stack only with --verbose', async () => {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  const endpoint = { url: `http://127.0.0.1:${port}`, credentials: emulator.credentials };
  const started = Date.now();
  const plain = await sls(EXAMPLE, ['logs', '-f', 'hello'], endpoint);
  assert.ok(Date.now() - started < 30_000);
  assert.notEqual(plain.code, 0);
  assert.equal(plain.stdout, `Error:\nCannot reach the SCF endpoint http://127.0.0.1:${port}: connection refused.\n`);
  assert.doesNotMatch(plain.stderr, /at .*\.js:\d+/);
  const verbose = await sls(EXAMPLE, ['logs', '-f', 'hello', '--verbose'], endpoint);
  assert.match(verbose.stdout + verbose.stderr, /at .*\.js:\d+/);
});

test('no secret in --verbose or SLS_DEBUG=* output, on success or failure', async () => {
  for (const extra of [['--verbose'], []]) {
    const ok = await sls(EXAMPLE, ['invoke', '-f', 'hello', '--log', ...extra], emulator, { SLS_DEBUG: '*' });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const wrongKey = await sls(EXAMPLE, ['invoke', '-f', 'hello', ...extra], emulator, { SLS_DEBUG: '*', TENCENTCLOUD_SECRET_KEY: 'wrongSECRETvalue99' });
    assert.notEqual(wrongKey.code, 0);
    assert.match(wrongKey.stdout, /refused the request signature: the SecretKey \(TENCENTCLOUD_SECRET_KEY in the environment\) does not match its SecretId/);
  }
});

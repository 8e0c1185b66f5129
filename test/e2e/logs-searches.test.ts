// `sls logs` keeps the number of CLS searches of a topic in flight it is told (custom.scf.logs.searches, or
// --searches), over every function read: functions of two namespaces on SCF's one topic, read as one search.
// What was in flight is what the emulator's topic gate saw, each search holding its slot for its latency.
import { after, before, beforeEach, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { randomUUID } from 'crypto';
import { emulatorFor, serviceDir, sls, type SlsRun, type TestCredentials } from '../helpers';
import type { RunningEmulator } from '../../lib/emulator/http/server';
import { InvocationLog } from '../../lib/emulator/cls/records';
import type { ClsRecord } from '../../lib/cloud/types';

const yml = (custom: string) => `service: shop
provider:
  name: tencent
  runtime: Nodejs18.15
  region: ap-guangzhou
  stage: dev
plugins:
  - __PLUGIN__
${custom}
functions:
  api:
    handler: index.chatty
  jobs:
    handler: index.chatty
    namespace: batch
`;

const SERVICE = serviceDir(yml('custom:\n  scf:\n    logs:\n      searches: 2'));
const REQUESTS = 600;

let emulator: RunningEmulator & { credentials: TestCredentials };
let topicId: string;

before(async () => {
  emulator = await emulatorFor(SERVICE);
  emulator.core.settleTransitions();
  topicId = emulator.core.account.getFunction('default', 'shop-dev-api')!.config.clsTopicId!;
  assert.equal(emulator.core.account.getFunction('batch', 'shop-dev-jobs')!.config.clsTopicId, topicId, 'both functions log to SCF\'s one topic');
  // Half an hour of both functions' requests, in bursts (both at once), enough for many pages and windows.
  const now = Date.now();
  const records: ClsRecord[] = [];
  for (let k = 0; k < REQUESTS; k++) {
    const startMs = now - 1_800_000 + k * 2900;
    for (const [functionName, namespace] of [['shop-dev-api', 'default'], ['shop-dev-jobs', 'batch']]) {
      const log = new InvocationLog({ functionName, namespace, qualifier: '$LATEST', alias: '', requestId: randomUUID(), retryNum: 0, startMs });
      records.push(log.start(), log.line({ timeMs: startMs, text: `line of ${k}` }), ...log.end({ statusCode: 200, retMsg: '"ok"', durationMs: 1, memUsageBytes: 1 << 20, memorySize: 128 }, startMs + 1));
    }
  }
  emulator.core.cls.append(topicId, records);
  // Each search takes a while, as on the wire, and holds its slot of the topic meanwhile.
  Object.assign(emulator.faults, { latencyMs: 40, actions: ['SearchLog'] });
});
after(() => emulator.close());
beforeEach(() => emulator.reset());

const run = (args: string[], dir = SERVICE): Promise<SlsRun> => sls(dir, args, emulator);
const printedIds = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l).requestId as string);

test('custom.scf.logs.searches reaches the wire: at most that many searches of the topic at once, for both namespaces together', async () => {
  const result = await run(['logs', '--startTime', '40m', '--json']);
  assert.equal(result.code, 0, result.stderr);
  const ids = printedIds(result.stdout);
  assert.equal(ids.length, 2 * REQUESTS);
  assert.equal(new Set(ids).size, ids.length, 'each request once');
  const searches = emulator.requests.filter((r) => r.action === 'SearchLog');
  assert.ok(searches.length > 4, `${searches.length} searches: enough to keep more than 2 in flight`);
  assert.equal(emulator.core.searches.peakOn(topicId), 2);
  assert.ok(searches.every((s) => s.outcome === 'ok'));
  // One query names both namespaces: one search reads both functions.
  assert.ok(searches.every((s) => /SCF_Namespace:"default"/.test(s.params.QueryString) && /SCF_Namespace:"batch"/.test(s.params.QueryString)), 'one query for the topic');
});

test('--searches beats the setting', async () => {
  const history = await run(['logs', '--startTime', '40m', '--json', '--searches', '3']);
  assert.equal(history.code, 0, history.stderr);
  assert.equal(printedIds(history.stdout).length, 2 * REQUESTS);
  assert.equal(emulator.core.searches.peakOn(topicId), 3);
  emulator.reset();
  const one = await run(['logs', '--startTime', '40m', '--json', '--searches', '1']);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(printedIds(one.stdout).length, 2 * REQUESTS);
  assert.equal(emulator.core.searches.peakOn(topicId), 1);
});

test('a number of searches CLS would refuse, or that is not one, is refused in one line with nothing sent', async () => {
  for (const value of ['16', '0', 'many', '2.5']) {
    const result = await run(['logs', '--searches', value]);
    assert.notEqual(result.code, 0);
    assert.match(result.stdout, new RegExp(`--searches must be a whole number from 1 to 15 .*not "${value.replace('.', '\\.')}"`));
  }
  const bad = serviceDir(yml('custom:\n  scf:\n    logs:\n      searches: 20'));
  const result = await run(['logs', '--startTime', '40m'], bad);
  assert.notEqual(result.code, 0);
  assert.match(result.stdout, /custom\.scf\.logs\.searches must be a whole number from 1 to 15 \(CLS runs at most 15 searches of a topic at once\), not 20\./);
  assert.deepEqual(emulator.requests, [], 'nothing sent');
});

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readSmokeCheck, readSmokeSettings } from '../../lib/smoke/config';
import { judge } from '../../lib/smoke/judge';
import { junitReport, formatSmokeSummary } from '../../lib/render/smoke';
import type { RequestStatus } from '../../lib/cloud/types';

const status = (over: Partial<RequestStatus>): RequestStatus => ({ functionName: 'f', requestId: 'r', startTime: '', retCode: 0, retMsg: '{"status":"ok"}', duration: 100, memUsage: 1, retryNum: 0, ...over });
const target = { functionName: 'svc-dev-f', namespace: 'default' };

test('judging: success, contains, equals, maxDuration, expected failure', () => {
  const ok = { success: true, hasEquals: false };
  assert.equal(judge(status({}), ok), undefined);
  assert.match(judge(status({ retCode: -1, retMsg: '{"errorMessage":"boom"}' }), ok)!, /the function failed: boom/);
  assert.equal(judge(status({}), { ...ok, contains: 'ok' }), undefined);
  assert.match(judge(status({}), { ...ok, contains: 'nope' })!, /does not contain "nope"/);
  assert.equal(judge(status({ retMsg: '"plain ok text"' }), { ...ok, contains: 'ok text' }), undefined);
  assert.equal(judge(status({}), { ...ok, hasEquals: true, equals: { status: 'ok' } }), undefined);
  assert.match(judge(status({}), { ...ok, hasEquals: true, equals: { status: 'ko' } })!, /does not equal/);
  assert.match(judge(status({}), { ...ok, hasEquals: true, equals: null })!, /does not equal null/);
  assert.match(judge(status({ duration: 2000 }), { ...ok, maxDuration: 1000 })!, /took 2000 ms, more than the 1000 ms/);
  assert.equal(judge(status({ retCode: -1 }), { success: false, hasEquals: false }), undefined);
  assert.match(judge(status({}), { success: false, hasEquals: false })!, /expects it to fail/);
});

test('smoke configuration: defaults and timeouts', () => {
  // No concurrency: every check at once, as the API's rates allow.
  assert.deepEqual(readSmokeSettings(undefined), { failDeploy: true });
  assert.equal(readSmokeSettings({ scf: { smoke: { failDeploy: false } } }).concurrency, undefined);
  assert.equal(readSmokeSettings({ scf: { smoke: { concurrency: 250 } } }).concurrency, 250);
  assert.throws(() => readSmokeSettings({ scf: { smoke: { concurrency: 0 } } }), /concurrency must be a whole number from 1 to 250, not 0 \(leave it out: every check at once/);
  const plain = readSmokeCheck({ key: 'f', target, smoke: true, functionTimeout: 10 }, {}, '/')!;
  assert.equal(plain.timeoutMs, 40_000, 'the function timeout + 30 s');
  assert.equal(plain.event, '{}');
  assert.equal(readSmokeCheck({ key: 'f', target, smoke: true, functionTimeout: 10 }, readSmokeSettings({ scf: { smoke: { timeout: 5 } } }), '/')!.timeoutMs, 5000);
  assert.equal(readSmokeCheck({ key: 'f', target, smoke: { timeout: 2 }, functionTimeout: 10 }, readSmokeSettings({ scf: { smoke: { timeout: 5 } } }), '/')!.timeoutMs, 2000);
  assert.equal(readSmokeCheck({ key: 'f', target, smoke: undefined, functionTimeout: 3 }, {}, '/'), undefined);
  const full = readSmokeCheck({ key: 'f', target, smoke: { event: { a: 1 }, qualifier: '2', expect: { equals: { b: 2 } } }, functionTimeout: 3 }, {}, '/')!;
  assert.equal(full.event, '{"a":1}');
  assert.equal(full.target.qualifier, '2');
  assert.equal(full.expect.hasEquals, true);
  assert.throws(() => readSmokeCheck({ key: 'f', target, smoke: 'yes', functionTimeout: 3 }, {}, '/'), /functions\.f\.smoke must be true or a mapping/);
});

test('the JUnit report escapes what it carries', () => {
  const xml = junitReport('svc', [{ key: 'a<b', functionName: 'x', passed: false, reason: 'bad "&" <thing>\u0001', requestId: 'r1', elapsedMs: 1500 }], new Date(0));
  assert.match(xml, /name="a&lt;b"/);
  assert.match(xml, /message="bad &quot;&amp;&quot; &lt;thing&gt;"/);
  assert.ok(!xml.includes('\u0001'));
  assert.match(formatSmokeSummary([{ key: 'a', functionName: 'x', passed: true, elapsedMs: 10, durationMs: 5 }]), /a +passed +5 ms +0\.0 s/);
});

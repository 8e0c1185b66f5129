// The pure pieces of safe delivery: strategies, the gate, the marks deployments leave, history, sparklines.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Problems } from '../../lib/deploy/problems';
import { aliasDescription, deploymentId, gateFailure, parseAliasDescription, parseVersionDescription, strategyOf, trafficSteps, versionAtDeployment, versionDescription } from '../../lib/deploy/strategy';
import { defaultRollbackTarget, deployments, rollbackSteps, type FunctionHistory } from '../../lib/deploy/history';
import { metricsRange } from '../../lib/commands/metrics';
import { serviceFigures, sparkline } from '../../lib/render/metrics';

test('strategies: defaults, steps, and every mistake a line', () => {
  const problems = new Problems();
  const canary = strategyOf({ type: 'canary', weight: 10, bake: 120 }, 'custom.scf.deploy.strategy', problems)!;
  assert.deepEqual(trafficSteps(canary), [{ percent: 10, holdSeconds: 120 }, { percent: 100, holdSeconds: 0 }]);
  assert.deepEqual(trafficSteps(strategyOf({ type: 'linear', step: 25, interval: 60 }, 'x', problems)!).map((s) => s.percent), [25, 50, 75, 100]);
  assert.deepEqual(trafficSteps(strategyOf('all-at-once', 'x', problems)!), [{ percent: 100, holdSeconds: 0 }]);
  assert.deepEqual(strategyOf('canary', 'x', problems)!.gate, { errorRate: 1, throttles: 0, minInvocations: 0 });
  assert.deepEqual(problems.lines, []);
  strategyOf({ type: 'canary', weight: 100, step: 5, gate: { errorRate: 'low' } }, 'custom.scf.deploy.strategy', problems);
  strategyOf({ type: 'blue-green' }, 'functions.api.strategy', problems);
  assert.deepEqual(problems.lines, [
    'custom.scf.deploy.strategy.step is not a setting of a canary strategy: use type, weight, bake, gate, metricsLag',
    'custom.scf.deploy.strategy.gate.errorRate must be a percentage from 0 to 100, not "low"',
    'custom.scf.deploy.strategy.weight must be a percentage from 1 to 99, not 100',
    'functions.api.strategy.type must be all-at-once, canary or linear, not "blue-green"',
  ]);
});

test('the gate: error rate over the limit, throttles, too few invocations; the figures in the sentence', () => {
  const gate = { errorRate: 1, throttles: 0, minInvocations: 0 };
  assert.equal(gateFailure({ invocations: 200, errors: 2, throttles: 0 }, gate), undefined);
  assert.equal(gateFailure({ invocations: 200, errors: 3, throttles: 0 }, gate), "error rate 1.5% is over the gate's 1%: 3 errors in 200 invocations (1.5%), 0 throttled");
  assert.match(gateFailure({ invocations: 10, errors: 0, throttles: 1 }, gate)!, /^1 throttled invocations are over the gate's 0/);
  assert.equal(gateFailure({ invocations: 0, errors: 0, throttles: 0 }, gate), undefined, 'no traffic is no failure by default');
  assert.match(gateFailure({ invocations: 3, errors: 0, throttles: 0 }, { ...gate, minInvocations: 10 })!, /fewer than the gate's minInvocations 10/);
});

test('deployment marks: ids sort by time; versions and aliases carry them in the characters a description may hold', () => {
  const id = deploymentId(Date.UTC(2026, 11, 3, 8, 15, 0), () => 0.5);
  assert.equal(id, 'D20261203T081500Z8000');
  assert.ok(deploymentId(Date.UTC(2026, 11, 3, 8, 15, 1)) > id);
  const description = versionDescription(id, 'abcdef123456');
  assert.match(description, /^[A-Za-z0-9 ,.]+$/);
  assert.deepEqual(parseVersionDescription(description), { deployment: id, commit: 'abcdef123456' });
  assert.equal(parseVersionDescription('published by hand'), undefined);
  assert.deepEqual(parseAliasDescription(aliasDescription(['D20261203T081500Z8000', 'D20261202T000000Z0001'])), ['D20261203T081500Z8000', 'D20261202T000000Z0001']);
  assert.match(aliasDescription(['D20261203T081500Z8000']), /^[A-Za-z0-9 ,.]+$/);
  const versions = [
    { version: '1', mark: { deployment: 'D20261201T000000Z0000' } },
    { version: '2', mark: { deployment: 'D20261202T000000Z0000' } },
    { version: '3', mark: undefined },
  ];
  assert.equal(versionAtDeployment(versions, 'D20261201T120000Z0000'), '1');
  assert.equal(versionAtDeployment(versions, 'D20261203T000000Z0000'), '2');
  assert.equal(versionAtDeployment(versions, 'D20261130T000000Z0000'), undefined);
});

test('history: deployments newest first; rollback goes to the newest promoted one before the current, never to a failed release', () => {
  const d = (day: number) => `D202612${String(day).padStart(2, '0')}T000000Z0000`;
  const version = (n: number, day: number) => ({ version: String(n), description: versionDescription(d(day), undefined), status: 'Active', addTime: '', modTime: '' });
  const histories: FunctionHistory[] = [
    { key: 'api', functionName: 'a', namespace: 'default', deployed: true, versions: [version(1, 1), version(2, 2), version(3, 3)], alias: { name: '$DEFAULT', functionVersion: '3', description: aliasDescription([d(3), d(2), d(1)]), weights: [] } },
    { key: 'job', functionName: 'j', namespace: 'default', deployed: true, versions: [version(1, 1), version(2, 2)], alias: { name: '$DEFAULT', functionVersion: '1', description: aliasDescription([d(1)]), weights: [] } },
  ];
  const list = deployments(histories);
  assert.deepEqual(list.map((x) => [x.id, x.versions, x.serving]), [
    [d(3), { api: '3' }, ['api']],
    [d(2), { api: '2', job: '2' }, []],
    [d(1), { api: '1', job: '1' }, ['job']],
  ]);
  assert.equal(defaultRollbackTarget(histories), d(2));
  assert.deepEqual(rollbackSteps(histories, d(2)).map((s) => [s.key, s.version, s.from]), [['api', '2', '3'], ['job', '1', '1']], "job's version 2 never served: it stays on 1");
});

test('sparklines and the service figures', () => {
  assert.equal(sparkline([0, 1, 2, 4, 8]), ' ▁▂▄█');
  assert.equal(sparkline([1, 1, 1, 1], 2), '██');
  assert.equal(sparkline([]), '');
  const service = serviceFigures([
    { invocations: 10, errors: 1, throttles: 0, durationAvg: 100, durationMax: 300, concurrentMax: 2, trend: [5, 5] },
    { invocations: 30, errors: 0, throttles: 2, durationAvg: 20, durationMax: 50, concurrentMax: 5, trend: [10, 20] },
  ]);
  assert.deepEqual(service, { invocations: 40, errors: 1, throttles: 2, durationAvg: 40, durationMax: 300, concurrentMax: 5, trend: [15, 25] });
});

test('metrics range: the last hour by default, the shortest period that fits, a bad period refused', () => {
  const now = Date.UTC(2026, 11, 3, 12, 0, 0);
  assert.deepEqual(metricsRange({}, now), { startMs: now - 3600_000, endMs: now, period: 60 });
  assert.equal(metricsRange({ startTime: '3d' }, now).period, 300);
  assert.equal(metricsRange({ startTime: '30d' }, now).period, 3600);
  assert.throws(() => metricsRange({ period: '7' }, now), /--period must be one of 60, 300, 3600, 86400 seconds/);
});

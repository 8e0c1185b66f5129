// A service at a region's limits, end to end: 250 functions in 5 namespaces of 50 (SCF's quotas), a timer each,
// deployed with their smoke checks, read with `sls info` and removed by the real `sls`, against an emulator that
// holds every action to its own rate (as the cloud does) and refuses what the cloud would. The bench's own
// service (bench/fleet.ts); its speed is the bench's business, this checks that it all holds.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { actionRate } from '../../lib/cloud/limits';
import { type RecordedRequest, type RunningEmulator, startEmulator } from '../../lib/emulator/http/server';
import { fleetHandler, fleetNamespace, fleetYml, NAMESPACES, PER_NAMESPACE } from '../../bench/fleet';
import { newCredentials, PLUGIN_NAME, serviceDir, sls, type SlsRun, type TestCredentials } from '../helpers';

const N = NAMESPACES * PER_NAMESPACE;

let emulator: RunningEmulator & { credentials: TestCredentials };
let dir: string;

before(async () => {
  const credentials = newCredentials();
  emulator = Object.assign(await startEmulator({ credentials }), { credentials });
  dir = serviceDir(fleetYml(N, PLUGIN_NAME, 0));
  for (const file of fs.readdirSync(dir)) if (file.endsWith('.js')) fs.rmSync(path.join(dir, file));
  for (let i = 0; i < N; i++) fs.writeFileSync(path.join(dir, `f${i}.js`), fleetHandler(i, 'v1'));
});
after(() => emulator.close());

const output = (r: SlsRun) => `exit ${r.code}\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`;

async function run(args: string[]): Promise<{ result: SlsRun; requests: RecordedRequest[] }> {
  emulator.reset();
  const result = await sls(dir, args, emulator);
  return { result, requests: [...emulator.requests] };
}

/** Nothing the plugin sent was refused for its rate, and no action went past its rate in any second. */
function withinRates(requests: RecordedRequest[]): void {
  const throttled = requests.filter((r) => r.outcome.startsWith('RequestLimitExceeded'));
  assert.equal(throttled.length, 0, `throttled: ${throttled.map((r) => r.action).join(', ')}`);
  for (const action of new Set(requests.map((r) => r.action))) {
    const service = requests.find((r) => r.action === action)!.service;
    assert.ok(emulator.peakPerSecond(action) <= actionRate(service, action), `${action}: ${emulator.peakPerSecond(action)} in a second`);
  }
}

test(`sls deploy of ${N} functions in ${NAMESPACES} namespaces: every one Active with its timer, every smoke check passed, within every rate`, async () => {
  const { result, requests } = await run(['deploy']);
  assert.equal(result.code, 0, output(result));
  assert.match(result.stdout + result.stderr, new RegExp(`All ${N} smoke checks passed`));
  const functions = [...emulator.core.account.functions.values()];
  assert.equal(functions.length, N);
  for (let i = 0; i < N; i++) {
    const fn = functions.find((f) => f.functionName === `fleet-dev-f${i}`);
    assert.ok(fn, `f${i} missing`);
    assert.equal(fn.namespace, fleetNamespace(i));
    assert.equal(fn.status, 'Active');
    assert.deepEqual(
      fn.triggers.map((t) => [t.type, t.name]),
      [['timer', 'nightly']],
    );
  }
  withinRates(requests);
  // Creations are seen in namespace listings, not polled a function at a time.
  const gets = requests.filter((r) => r.action === 'GetFunction').length;
  assert.ok(gets <= PER_NAMESPACE, `${gets} GetFunction (the default namespace's ${PER_NAMESPACE} reads at most)`);
  assert.equal(requests.filter((r) => r.action === 'Invoke').length, N);
});

test(`sls info --json of ${N}: each function, its namespace, status and trigger`, async () => {
  const { result, requests } = await run(['info', '--json']);
  assert.equal(result.code, 0, output(result));
  const info = JSON.parse(result.stdout);
  assert.equal(info.functions.length, N);
  for (const fn of info.functions) {
    const i = Number(/^f(\d+)$/.exec(fn.key)![1]);
    assert.equal(fn.functionName, `fleet-dev-f${i}`);
    assert.equal(fn.status, 'Active', JSON.stringify(fn));
    assert.equal(fn.namespace, fleetNamespace(i));
    assert.deepEqual(
      fn.triggers.map((t: { type: string; name: string }) => [t.type, t.name]),
      [['timer', 'nightly']],
    );
  }
  withinRates(requests);
});

test(`sls remove of ${N}: nothing left, the namespaces it made deleted, within every rate`, async () => {
  const { result, requests } = await run(['remove']);
  assert.equal(result.code, 0, output(result));
  assert.equal(emulator.core.account.functions.size, 0);
  assert.match(result.stdout + result.stderr, new RegExp(`Removed fleet \\(stage dev, region [a-z-]+\\): ${N} functions and 4 namespaces`));
  withinRates(requests);
});

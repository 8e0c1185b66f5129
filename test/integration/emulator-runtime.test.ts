// The emulator runs functions through lib/runtime: a Python service (examples/python) with its serverless.yml
// environment, not the emulator's; the invocation record keeps SCF's status code and the log lines.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'path';
import { clientFor, emulatorFor, REPO, type TestCredentials } from '../helpers';
import type { RunningEmulator } from '../../lib/emulator/http/server';

let emulator: RunningEmulator & { credentials: TestCredentials };

before(async () => {
  process.env.TENCENTCLOUD_SECRET_KEY = 'emulator-host-secret';
  emulator = await emulatorFor(path.join(REPO, 'examples', 'python'));
});
after(() => {
  delete process.env.TENCENTCLOUD_SECRET_KEY;
  return emulator.close();
});

test('a Python function gets its service environment and SCF context; the record keeps status code and lines', async () => {
  const client = clientFor(emulator);
  const result = await client.invoke({ functionName: 'pyhello-dev-echo', namespace: 'default', invocationType: 'RequestResponse', clientContext: '{"a":1}', logType: 'Tail' });
  assert.equal(result.errMsg, '', result.log);
  const value = JSON.parse(result.retMsg);
  assert.deepEqual(value.event, { a: 1 });
  assert.equal(value.env.STAGE, 'dev');
  assert.equal(value.env.GREETING, 'Hello');
  assert.equal(value.env.SCF_FUNCTIONNAME, 'pyhello-dev-echo');
  assert.equal(value.env.SCF_RUNTIME, 'Python3.9');
  assert.equal(value.env.IS_LOCAL, null);
  assert.deepEqual(value.environment, { GREETING: 'Hello', STAGE: 'dev', SCF_NAMESPACE: 'default' });
  assert.equal(value.context.function_name, 'pyhello-dev-echo');
  assert.doesNotMatch(result.retMsg, /emulator-host-secret/);

  const echoed = emulator.core.store.get(result.functionRequestId)!;
  assert.equal(echoed.statusCode, 200);
  assert.deepEqual(echoed.lines, []);

  const failed = await client.invoke({ functionName: 'pyhello-dev-fail', namespace: 'default', invocationType: 'RequestResponse', clientContext: '{"reason":"nope"}', logType: 'Tail' });
  const error = JSON.parse(failed.errMsg);
  assert.equal(error.errorType, 'ValueError');
  assert.equal(error.errorMessage, 'nope');
  assert.equal(error.statusCode, 430);
  const record = emulator.core.store.get(failed.functionRequestId)!;
  assert.equal(record.retCode, 1);
  assert.equal(record.statusCode, 430);
  assert.deepEqual(record.lines!.map((l) => l.text), ['about to fail']);
  assert.match(record.log, /^START RequestId: .*\nabout to fail\nTraceback \(most recent call last\):[\s\S]*ValueError: nope\nEND RequestId: /);
});

test('a timeout is RetCode 433 with SCF status code 433', async () => {
  const client = clientFor(emulator);
  const result = await client.invoke({ functionName: 'pyhello-dev-slow', namespace: 'default', invocationType: 'RequestResponse', clientContext: '{"seconds":10}' });
  const record = emulator.core.store.get(result.functionRequestId)!;
  assert.equal(record.retCode, 433);
  assert.equal(record.statusCode, 433);
  assert.equal(record.status, 'FAILED');
  assert.match(JSON.parse(result.errMsg).errorMessage, /timed out after 3 seconds/);
});

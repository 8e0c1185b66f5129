// A function without a handler, or with one that has no dot: every command warns once per such function (nothing
// is read to find out), the commands that need the handler (invoke of that function, invoke local, deploy) refuse
// with one line and send nothing, and the service's other functions keep working. `npm test` runs this file under
// osls 4 as well (helpers: SCF_E2E_CLI).
import { after, before, beforeEach, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { emulatorFor, serviceDir, sls, type SlsRun, type TestCredentials } from '../helpers';
import type { RunningEmulator } from '../../lib/emulator/http/server';

const NO_HANDLER = 'functions.nohandler has no handler: give it "file.function", like index.main_handler.';
const NO_DOT = 'functions.nodot.handler "index" is not "file.function" (the file, a dot, the function), like index.main_handler.';

const dir = serviceDir(`service: handlers
provider:
  name: tencent
plugins:
  - __PLUGIN__
functions:
  hello:
    handler: index.hello
  nohandler:
    timeout: 3
  nodot:
    handler: index
  gofn:
    handler: main
    runtime: Go1
`);
let emulator: RunningEmulator & { credentials: TestCredentials };

before(async () => {
  emulator = await emulatorFor(dir);
});
after(() => emulator.close());
beforeEach(() => emulator.reset());

function warnings(run: SlsRun): string[] {
  return run.stderr.split('\n').filter((line) => line.startsWith('Warning: functions.'));
}

test('every command warns once per function whose handler cannot be run; the other functions work', async () => {
  const run = await sls(dir, ['invoke', '-f', 'hello', '-d', '{"name":"ok"}'], emulator);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.equal(JSON.parse(run.stdout).message, 'Hello from handlers-dev-hello');
  assert.deepEqual(warnings(run), [`Warning: ${NO_HANDLER} sls invoke and deploy refuse it.`, `Warning: ${NO_DOT} sls invoke and deploy refuse it.`]);
  const printed = await sls(dir, ['print'], emulator);
  assert.equal(printed.code, 0, printed.stderr);
  assert.equal(warnings(printed).length, 2);
});

test('invoke, invoke local and deploy refuse such a function with one line, sending nothing', async () => {
  const cases: Array<[string[], string]> = [
    [['invoke', '-f', 'nohandler'], NO_HANDLER],
    [['invoke', '-f', 'nodot', '-t', 'Event'], NO_DOT],
    [['invoke', 'local', '-f', 'nodot'], NO_DOT],
    [['deploy', 'function', '-f', 'nohandler'], NO_HANDLER],
    [['deploy'], `${NO_HANDLER}\n${NO_DOT}`],
  ];
  for (const [args, message] of cases) {
    const run = await sls(dir, args, emulator);
    assert.notEqual(run.code, 0, args.join(' '));
    assert.equal(run.stdout, `Error:\n${message}\n`, args.join(' '));
    assert.equal(emulator.requests.length, 0, `${args.join(' ')} sent nothing`);
  }
});

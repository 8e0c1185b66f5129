// `sls logs` against accounts that answer as the cloud documents it, where our first emulator did not: functions in
// SCF's simplified log format, look-alike function names sharing a topic, SearchLog's current query fields (and an
// endpoint that predates them), and GetFunctionLogs taken offline.
import { after, before, beforeEach, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { emulatorFor, serviceDir, sls, type SlsRun, type TestCredentials } from '../helpers';
import type { RunningEmulator } from '../../lib/emulator/http/server';

const SERVICE = serviceDir(`service: shop
provider:
  name: tencent
  runtime: Nodejs18.15
  region: ap-guangzhou
  stage: dev
plugins:
  - __PLUGIN__
functions:
  api:
    handler: index.chatty
  apiV2:
    name: shop-dev-api-v2
    handler: index.chatty
  legacy:
    name: old-shop-dev-api
    handler: index.chatty
  simple:
    handler: index.chatty
  notopic:
    handler: index.chatty
`);

let emulator: RunningEmulator & { credentials: TestCredentials };

before(async () => {
  emulator = await emulatorFor(SERVICE, { behaviour: { simplifiedLogFormat: ['shop-dev-simple'], withoutLogTopic: ['shop-dev-notopic'], getFunctionLogsOffline: true } });
});
after(() => emulator.close());
beforeEach(() => emulator.reset());

const run = (args: string[]): Promise<SlsRun> => sls(SERVICE, args, emulator);
const jsonLines = (text: string): any[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));

async function invoke(functionName: string, lines: number): Promise<string> {
  const reply = await emulator.core.handle('Invoke', { FunctionName: functionName, ClientContext: JSON.stringify({ lines }) });
  return reply.Result.FunctionRequestId;
}

test('a look-alike name on the same topic is not shown: shop-dev-api is not shop-dev-api-v2 nor old-shop-dev-api', async () => {
  const mine = await invoke('shop-dev-api', 1);
  await invoke('shop-dev-api-v2', 2);
  await invoke('old-shop-dev-api', 3);
  const result = await run(['logs', '-f', 'api', '--startTime', '10m', '--json']);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(
    jsonLines(result.stdout).map((r) => [r.requestId, r.functionName]),
    [[mine, 'shop-dev-api']],
  );
  // The search is sent in the fields the current API takes.
  const search = emulator.requests.find((r) => r.action === 'SearchLog')!;
  assert.equal(search.params.QuerySyntax, 1);
  assert.match(search.params.QueryString, /SCF_FunctionName:"shop-dev-api"/);
  assert.equal(search.params.Query, undefined);
});

test('the simplified log format: user lines without SCF_StartTime are shown with their request', async () => {
  const id = await invoke('shop-dev-simple', 3);
  const result = await run(['logs', '-f', 'simple', '--startTime', '10m', '--json']);
  assert.equal(result.code, 0, result.stderr);
  const [request, ...more] = jsonLines(result.stdout);
  assert.deepEqual(more, []);
  assert.equal(request.requestId, id);
  assert.equal(request.status, 'succeeded');
  assert.deepEqual(
    request.log
      .split('\n')
      .map((l: string) => /line \d of 3$/.exec(l)?.[0])
      .filter(Boolean),
    ['line 1 of 3', 'line 2 of 3', 'line 3 of 3'],
  );
  // A request of the range as asked for by its id, the way invoke --log and smoke failures ask.
  const byId = await run(['logs', '-f', 'simple', '--requestId', id, '--json']);
  assert.equal(byId.code, 0, byId.stderr);
  assert.match(jsonLines(byId.stdout)[0].log, /line 3 of 3/);
});

test('no CLS topic and GetFunctionLogs offline: one line saying what to set in serverless.yml, non-zero', async () => {
  await invoke('shop-dev-notopic', 1);
  const result = await run(['logs', '-f', 'notopic', '--startTime', '10m']);
  assert.notEqual(result.code, 0, result.stdout);
  assert.match(result.stderr + result.stdout, /The logs of shop-dev-notopic cannot be read: it logs to no CLS topic this plugin can search, and GetFunctionLogs is gone \(InvalidAction\)\. To read them, set functions\.notopic\.cls: \{ logsetId: \.\.\., topicId: \.\.\. \}/);
  assert.deepEqual(
    emulator.requests.filter((r) => r.action === 'GetFunctionLogs').map((r) => r.outcome),
    ['InvalidAction'],
    'asked once, not retried',
  );
});

test('an endpoint that predates QueryString: refused once, then searched with Query and SyntaxRule', async () => {
  const older = await emulatorFor(SERVICE, { behaviour: { clsLegacyQuery: true } });
  try {
    const id = await older.core.handle('Invoke', { FunctionName: 'shop-dev-api', ClientContext: '{"lines":2}' }).then((r) => r.Result.FunctionRequestId);
    const result = await sls(SERVICE, ['logs', '-f', 'api', '--startTime', '10m', '--json'], older);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(jsonLines(result.stdout).map((r) => r.requestId), [id]);
    // One search finds out which fields the endpoint takes while the others wait: one refusal, not one per search.
    const searches = older.requests.filter((r) => r.action === 'SearchLog');
    assert.deepEqual(searches.map((r) => r.outcome).filter((o) => o !== 'ok'), ['UnknownParameter']);
    assert.equal(searches[0].outcome, 'UnknownParameter');
    assert.ok(searches.slice(1).every((r) => r.params.Query !== undefined && r.params.SyntaxRule === 1 && r.params.QueryString === undefined));
  } finally {
    await older.close();
  }
});

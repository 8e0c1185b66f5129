// An endpoint that puts terminal control sequences in every string it answers with (issue 23, finding 8): the
// real `sls` against the emulator through a proxy that adds them to runtimes, statuses, times, crons, request ids
// and function names. Nothing of them reaches the terminal; `--json` keeps them, escaped.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as http from 'http';
import type { AddressInfo } from 'net';
import { scf } from 'tencentcloud-sdk-nodejs-scf';
import { newCredentials, serviceDir, sls, type SlsRun, type TestCredentials } from '../helpers';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/http/server';
import { parseSecrets } from '../../lib/emulator/ssm/room';

const ScfSdkClient = (scf as any).v20180416.Client;
/** A window title, a screen clear, a colour, a bell and a carriage return. */
const EVIL = '\u001b]0;pwned\u0007\u001b[2J\u001b[31m\u0007\r';
/** Control characters a terminal acts on (newline and tab are text). */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
/** Reply fields whose strings the proxy poisons. */
/** A secret (a quote in it: it also appears JSON-escaped) the proxy quotes back in the error of a CreateFunction. */
const LEAKED = 'leak"me-7f3a9c';
const POISONED = new Set(['Runtime', 'ModTime', 'AddTime', 'Status', 'FunctionRequestId', 'InvokeRequestId', 'StartTime', 'EndTime', 'InvokeType', 'RequestId', 'Handler']);

let emulator: RunningEmulator & { credentials: TestCredentials };
let proxy: http.Server;
let hostile: { url: string; credentials: TestCredentials };
let dir: string;

function poison(value: unknown, key: string, action: string): unknown {
  if (Array.isArray(value)) return value.map((item) => poison(item, key, action));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = poison(v, k, action);
    return out;
  }
  if (typeof value !== 'string') return value;
  if (POISONED.has(key)) return value + EVIL;
  // A timer's cron, inside its TriggerDesc; the names ListFunctions gives (what `info` lists as left behind).
  if (key === 'TriggerDesc' && value.startsWith('{"cron"')) return JSON.stringify({ cron: JSON.parse(value).cron + EVIL });
  if (key === 'FunctionName' && action === 'ListFunctions') return value + EVIL;
  return value;
}

before(async () => {
  const credentials = newCredentials();
  emulator = Object.assign(await startEmulator({ credentials, behaviour: { transitionMs: 0 }, secrets: parseSecrets({ 'hostile-key': LEAKED }, 'the test') }), { credentials });
  proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const sent = Buffer.concat(chunks).toString('utf8');
      if (req.headers['x-tc-action'] === 'CreateFunction' && sent.includes('LEAKY')) {
        // An endpoint that quotes the request back in its error: environment values and all.
        const refusal = Buffer.from(JSON.stringify({ Response: { Error: { Code: 'InvalidParameterValue.Environment', Message: `refused ${sent.slice(0, 2000)}` }, RequestId: 'r-1' } }));
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': refusal.length });
        return void res.end(refusal);
      }
      const forward = http.request({ host: '127.0.0.1', port: emulator.port, method: req.method, path: req.url, headers: req.headers }, (reply) => {
        const parts: Buffer[] = [];
        reply.on('data', (c) => parts.push(c));
        reply.on('end', () => {
          let body = Buffer.concat(parts);
          try {
            body = Buffer.from(JSON.stringify(poison(JSON.parse(body.toString('utf8')), '', String(req.headers['x-tc-action'] ?? ''))));
          } catch {
            // not JSON: as it came
          }
          res.writeHead(reply.statusCode ?? 502, { 'Content-Type': 'application/json', 'Content-Length': body.length });
          res.end(body);
        });
      });
      forward.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  hostile = { url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, credentials };
  dir = serviceDir(`service: hostile\nprovider:\n  name: tencent\nplugins:\n  - __PLUGIN__\nfunctions:\n  hello:\n    handler: index.hello\n    events:\n      - timer: '0 0 3 * * * *'\n`);
  // Deployed straight to the emulator, with a function of this service that serverless.yml does not list.
  const deployed = await sls(dir, ['deploy', '--no-smoke'], emulator);
  assert.equal(deployed.code, 0, deployed.stdout + deployed.stderr);
  const client = new ScfSdkClient({ credential: credentials, region: 'ap-guangzhou', profile: { httpProfile: { endpoint: `127.0.0.1:${emulator.port}`, protocol: 'http://' } } });
  const zip = (await client.GetFunctionAddress({ FunctionName: 'hostile-dev-hello' })).Url;
  const code = Buffer.from(await (await fetch(zip)).arrayBuffer()).toString('base64');
  await client.CreateFunction({ FunctionName: 'hostile-dev-gone', Runtime: 'Nodejs18.15', Handler: 'index.hello', Code: { ZipFile: code }, Tags: [{ Key: 'sls-tencent-scf.service', Value: 'hostile' }, { Key: 'sls-tencent-scf.stage', Value: 'dev' }] });
  emulator.core.settleTransitions();
  // An async event for `sls events` to list.
  await client.Invoke({ FunctionName: 'hostile-dev-hello', InvocationType: 'Event', ClientContext: '{}' });
  await emulator.core.idle();
});
after(async () => {
  await new Promise<void>((r) => proxy.close(() => r()));
  await emulator.close();
});

const output = (r: SlsRun) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

function clean(run: SlsRun): void {
  for (const [name, text] of [['stdout', run.stdout], ['stderr', run.stderr]] as const) {
    const found = CONTROL.exec(text);
    assert.equal(found, null, `${name} carries U+${found?.[0].charCodeAt(0).toString(16).padStart(4, '0')} at ${found?.index}:\n${output(run)}`);
  }
}

test('sls info shows runtime, status, times, cron and left-behind names without control sequences; --json keeps them escaped', async () => {
  const info = await sls(dir, ['info'], hostile);
  assert.equal(info.code, 0, output(info));
  clean(info);
  assert.match(info.stdout, /hostile-dev-hello {2}default {4}Nodejs18\.15 {2}128 MB/, 'the runtime, without what was added to it');
  assert.match(info.stdout, /timer 0 0 3 \* \* \* \*/);
  assert.match(info.stdout, /no longer in serverless\.yml .*: hostile-dev-gone/);
  const json = await sls(dir, ['info', '--json'], hostile);
  assert.equal(json.code, 0, output(json));
  clean(json);
  const doc = JSON.parse(json.stdout);
  assert.equal(doc.functions[0].runtime, `Nodejs18.15${EVIL}`, 'as the server sent it, escaped in the JSON');
});

test('sls invoke: the request id and the summary carry no control sequences, sync or async', async () => {
  const sync = await sls(dir, ['invoke', '-f', 'hello', '--data', '{"name":"x"}'], hostile);
  assert.equal(sync.code, 0, output(sync));
  clean(sync);
  assert.match(sync.stderr, /RequestId: [0-9a-f-]{36} {2}Duration/);
  const async = await sls(dir, ['invoke', '-f', 'hello', '--type', 'Event'], hostile);
  assert.equal(async.code, 0, output(async));
  clean(async);
  assert.match(async.stdout, /^[0-9a-f-]{36}$/m);
  await emulator.core.idle();
});

test('sls events: the table carries no control sequences; --json keeps them escaped', async () => {
  const table = await sls(dir, ['events', '-f', 'hello'], hostile);
  assert.equal(table.code, 0, output(table));
  clean(table);
  assert.match(table.stdout, /REQUEST ID/);
  const json = await sls(dir, ['events', '-f', 'hello', '--json'], hostile);
  assert.equal(json.code, 0, output(json));
  clean(json);
  const event = JSON.parse(json.stdout.trim().split('\n')[0]);
  assert.ok(Object.values(event).some((v) => typeof v === 'string' && v.endsWith(EVIL)), json.stdout);
});

test('an endpoint that quotes a ${tencent-ssm:} secret back in an error: the error, its verbose stack and the report show it hidden', async () => {
  const leaky = serviceDir(
    `service: leaky\nprovider:\n  name: tencent\n  environment:\n    LEAKY: \${tencent-ssm:hostile-key}\nplugins:\n  - __PLUGIN__\ncustom:\n  scf:\n    deploy:\n      lock: false\nfunctions:\n  hello:\n    handler: index.hello\n`,
  );
  const deployed = await sls(leaky, ['deploy', '--no-smoke', '--json', '--verbose'], hostile);
  assert.notEqual(deployed.code, 0, output(deployed));
  assert.match(deployed.stderr, /refused .*<secret \$\{tencent-ssm:hostile-key\}>/, 'the error is shown, the secret in it hidden');
  const escaped = JSON.stringify(LEAKED).slice(1, -1);
  for (const text of [deployed.stdout, deployed.stderr]) assert.ok(!text.includes(LEAKED) && !text.includes(escaped), output(deployed));
  // The report is the first line of stdout: serverless writes its error after it.
  assert.equal(JSON.parse(deployed.stdout.split('\n')[0]).outcome, 'failed');
});

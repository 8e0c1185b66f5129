// The emulator as a deploy target, driven by the vendor's own SDKs (tencentcloud-sdk-nodejs-scf for SCF,
// cos-nodejs-sdk-v5 for COS): what is deployed is what runs, statuses move as SCF's do, bad input gets SCF's
// error codes, and the account outlives a restart with a state directory.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import COS = require('cos-nodejs-sdk-v5');
import JSZip = require('jszip');
import { scf } from 'tencentcloud-sdk-nodejs-scf';
import { newCredentials, type TestCredentials } from '../helpers';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../../lib/emulator/http/server';

const ScfSdkClient = (scf as any).v20180416.Client;
const APPID = '1250000000';
const BUCKET = `deploy-${APPID}`;
const NO_SERVICE = { dir: process.cwd(), service: '', stage: '', functions: [] };

interface Harness {
  emulator: RunningEmulator;
  credentials: TestCredentials;
  client: any;
  close(): Promise<void>;
}

async function start(extra: Partial<EmulatorOptions> = {}): Promise<Harness> {
  const credentials = newCredentials();
  const emulator = await startEmulator({ service: NO_SERVICE, credentials, behaviour: { transitionMs: 100 }, ...extra });
  const client = new ScfSdkClient({
    credential: credentials,
    region: 'ap-guangzhou',
    profile: { httpProfile: { endpoint: `127.0.0.1:${emulator.port}`, protocol: 'http://', reqTimeout: 60 } },
  });
  return {
    emulator,
    credentials,
    client,
    async close() {
      await emulator.close();
    },
  };
}

async function zipOf(files: Record<string, string | Buffer>, store = false): Promise<Buffer> {
  const zip = new JSZip();
  for (const [name, content] of Object.entries(files)) zip.file(name, content);
  return zip.generateAsync({ type: 'nodebuffer', compression: store ? 'STORE' : 'DEFLATE' });
}

/** A handler that says which code it is and echoes its event. */
const handlerCode = (label: string) => `exports.main = async (event) => ({ code: ${JSON.stringify(label)}, event });\n`;
const packageOf = async (label: string) => (await zipOf({ 'index.js': handlerCode(label) })).toString('base64');

const errorCode = (code: string) => (error: any) => {
  assert.equal(error.code, code, error.message);
  return true;
};

async function statusOf(client: any, name: string, extra: Record<string, string> = {}): Promise<string> {
  return (await client.GetFunction({ FunctionName: name, ...extra })).Status;
}

/** Polls GetFunction until the status is `status` (the emulator settles in 100 ms; the machine may be slow). */
async function waitFor(client: any, name: string, status: string, extra: Record<string, string> = {}): Promise<void> {
  let last = '';
  for (let i = 0; i < 200; i++) {
    last = await statusOf(client, name, extra);
    if (last === status) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${name} stayed ${last}, never ${status}`);
}

async function waitGone(client: any, name: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      await client.GetFunction({ FunctionName: name });
    } catch (error: any) {
      assert.equal(error.code, 'ResourceNotFound.Function');
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${name} was never deleted`);
}

async function invokeCode(client: any, name: string, qualifier?: string): Promise<string> {
  const reply = await client.Invoke({ FunctionName: name, Qualifier: qualifier, ClientContext: '{"x":1}' });
  assert.equal(reply.Result.ErrMsg, '', reply.Result.ErrMsg);
  return JSON.parse(reply.Result.RetMsg).code;
}

async function deploy(h: Harness, name: string, label: string, extra: Record<string, unknown> = {}): Promise<void> {
  await h.client.CreateFunction({ FunctionName: name, Runtime: 'Nodejs18.15', Handler: 'index.main', Code: { ZipFile: await packageOf(label) }, ...extra });
  await waitFor(h.client, name, 'Active', extra.Namespace ? { Namespace: extra.Namespace as string } : {});
}

let h: Harness;
before(async () => {
  h = await start();
});
after(() => h.close());

test('CreateFunction: Creating, refusals until Active, then an invoke runs the uploaded code', async () => {
  const { client } = h;
  h.emulator.core.setTransitionMs(600_000);
  try {
    await client.CreateFunction({
      FunctionName: 'hello',
      Runtime: 'Nodejs18.15',
      Handler: 'index.main',
      Code: { ZipFile: await packageOf('v1') },
      Environment: { Variables: [{ Key: 'GREETING', Value: 'hi' }] },
    });
    assert.equal(await statusOf(client, 'hello'), 'Creating');
    await assert.rejects(client.Invoke({ FunctionName: 'hello' }), errorCode('FailedOperation.FunctionStatusError'));
    await assert.rejects(client.UpdateFunctionCode({ FunctionName: 'hello', ZipFile: await packageOf('v2') }), errorCode('UnauthorizedOperation.FunctionStatus'));
    await assert.rejects(client.UpdateFunctionConfiguration({ FunctionName: 'hello', Timeout: 5 }), errorCode('UnauthorizedOperation.FunctionStatus'));
    await assert.rejects(client.PublishVersion({ FunctionName: 'hello' }), errorCode('UnauthorizedOperation.FunctionStatus'));
    await assert.rejects(client.DeleteFunction({ FunctionName: 'hello' }), errorCode('FailedOperation.DeleteFunction'));
    await assert.rejects(client.CreateFunction({ FunctionName: 'hello', Runtime: 'Nodejs18.15', Code: { ZipFile: await packageOf('v1') } }), errorCode('ResourceInUse.Function'));
    h.emulator.core.settleTransitions();
  } finally {
    h.emulator.core.setTransitionMs(100);
  }
  const info = await client.GetFunction({ FunctionName: 'hello' });
  assert.equal(info.Status, 'Active');
  assert.equal(info.Runtime, 'Nodejs18.15');
  assert.equal(info.MemorySize, 128);
  assert.equal(info.Timeout, 3);
  assert.deepEqual(info.Environment.Variables, [{ Key: 'GREETING', Value: 'hi' }]);
  assert.equal(await invokeCode(client, 'hello'), 'v1');
  const aliases = await client.ListAliases({ FunctionName: 'hello' });
  assert.deepEqual(aliases.Aliases.map((a: any) => [a.Name, a.FunctionVersion]), [['$DEFAULT', '$LATEST']]);

  const address = await client.GetFunctionAddress({ FunctionName: 'hello' });
  const zip = Buffer.from(await (await fetch(address.Url)).arrayBuffer());
  assert.equal(createHash('sha256').update(zip).digest('hex'), address.CodeSha256);
  assert.equal((await fetch(address.Url.replace(/sign=[0-9a-f]+/, 'sign=00'))).status, 403);
});

test('updates: Updating while refusing other changes, then the new code and configuration; env cleared', async () => {
  const { client } = h;
  await client.UpdateFunctionCode({ FunctionName: 'hello', Handler: 'main.run', Code: { ZipFile: (await zipOf({ 'main.js': handlerCode('v2').replace('main', 'run') })).toString('base64') } });
  assert.equal(await statusOf(client, 'hello'), 'Updating');
  await assert.rejects(client.UpdateFunctionConfiguration({ FunctionName: 'hello', Timeout: 5 }), errorCode('UnauthorizedOperation.FunctionStatus'));
  await waitFor(client, 'hello', 'Active');
  assert.equal(await invokeCode(client, 'hello'), 'v2');
  assert.equal((await client.GetFunction({ FunctionName: 'hello' })).Handler, 'main.run');

  await client.UpdateFunctionConfiguration({ FunctionName: 'hello', MemorySize: 256, Timeout: 10, Description: 'greets' });
  await waitFor(client, 'hello', 'Active');
  let info = await client.GetFunction({ FunctionName: 'hello' });
  assert.deepEqual([info.MemorySize, info.Timeout, info.Description], [256, 10, 'greets']);
  assert.deepEqual(info.Environment.Variables, [{ Key: 'GREETING', Value: 'hi' }], 'no Environment leaves the variables');
  await client.UpdateFunctionConfiguration({ FunctionName: 'hello', Environment: { Variables: [{ Key: '', Value: '' }] } });
  await waitFor(client, 'hello', 'Active');
  info = await client.GetFunction({ FunctionName: 'hello' });
  assert.deepEqual(info.Environment.Variables, []);
  await assert.rejects(client.UpdateFunctionConfiguration({ FunctionName: 'hello', Runtime: 'Python3.9' }), errorCode('InvalidParameterValue.Runtime'));
  await assert.rejects(client.UpdateFunctionConfiguration({ FunctionName: 'hello', Environment: { Variables: [{ Key: 'A', Value: '' }] } }), errorCode('InvalidParameterValue.Environment'));
});

test('PublishVersion and an alias: the alias runs the published code after $LATEST changed', async () => {
  const { client } = h;
  const published = await client.PublishVersion({ FunctionName: 'hello', Description: 'first' });
  assert.equal(published.FunctionVersion, '1');
  assert.equal(published.Handler, 'main.run');
  await waitFor(client, 'hello', 'Active', { Qualifier: '1' });
  await client.CreateAlias({ FunctionName: 'hello', Name: 'live', FunctionVersion: '1' });
  await assert.rejects(client.CreateAlias({ FunctionName: 'hello', Name: 'live', FunctionVersion: '1' }), errorCode('ResourceInUse.Alias'));
  await assert.rejects(client.CreateAlias({ FunctionName: 'hello', Name: 'next', FunctionVersion: '9' }), errorCode('ResourceNotFound.FunctionVersion'));

  await client.UpdateFunctionCode({ FunctionName: 'hello', Handler: 'index.main', ZipFile: await packageOf('v3') });
  await waitFor(client, 'hello', 'Active');
  assert.equal(await invokeCode(client, 'hello'), 'v3');
  assert.equal(await invokeCode(client, 'hello', 'live'), 'v2');
  assert.equal(await invokeCode(client, 'hello', '1'), 'v2');
  assert.equal((await client.GetFunction({ FunctionName: 'hello', Qualifier: '1' })).Handler, 'main.run');
  await assert.rejects(client.GetFunction({ FunctionName: 'hello', Qualifier: '7' }), errorCode('ResourceNotFound.Version'));

  const versions = await client.ListVersionByFunction({ FunctionName: 'hello' });
  assert.deepEqual(versions.FunctionVersion, ['$LATEST', '1']);
  assert.equal(versions.TotalCount, 2);
  await client.UpdateAlias({ FunctionName: 'hello', Name: 'live', FunctionVersion: '$LATEST' });
  assert.equal((await client.GetAlias({ FunctionName: 'hello', Name: 'live' })).FunctionVersion, '$LATEST');
  assert.equal(await invokeCode(client, 'hello', 'live'), 'v3');
  await client.UpdateAlias({ FunctionName: 'hello', Name: 'live', FunctionVersion: '1' });
  await assert.rejects(client.DeleteFunction({ FunctionName: 'hello', Qualifier: '1' }), errorCode('UnsupportedOperation.AliasBind'));
  await assert.rejects(client.DeleteAlias({ FunctionName: 'hello', Name: '$DEFAULT' }), errorCode('InvalidParameterValue.Alias'));
});

test('triggers: created, listed with the read-back quirks, updated, deleted (COS with its desc)', async () => {
  const { client } = h;
  h.emulator.core.cos.createBucket(BUCKET, 'ap-guangzhou');
  const cosName = `${BUCKET}.cos.ap-guangzhou.myqcloud.com`;
  const cosDesc = '{"event": "cos:ObjectCreated:*", "filter": {"Prefix": "in/", "Suffix": ".zip"}}';
  const timer = await client.CreateTrigger({ FunctionName: 'hello', TriggerName: 'every5', Type: 'timer', TriggerDesc: '0  */5 * * * * *', Enable: 'OPEN', CustomArgument: 'tick', Qualifier: '$DEFAULT' });
  assert.equal(timer.TriggerInfo.Enable, 1);
  await client.CreateTrigger({ FunctionName: 'hello', TriggerName: cosName, Type: 'cos', TriggerDesc: cosDesc, Enable: 'CLOSE' });

  let listed = (await client.ListTriggers({ FunctionName: 'hello' })).Triggers;
  const byType = (type: string) => listed.find((t: any) => t.Type === type);
  assert.equal(byType('timer').TriggerDesc, '{"cron":"0 */5 * * * * *"}');
  assert.equal(byType('timer').Enable, 1);
  assert.equal(byType('timer').Qualifier, '$DEFAULT');
  assert.equal(byType('timer').CustomArgument, 'tick');
  assert.equal(byType('cos').TriggerDesc, '{"event":"cos:ObjectCreated:*","filter":{"Prefix":"in/","Suffix":".zip"}}');
  assert.equal(byType('cos').Enable, 0);
  // GetFunction tells the triggers of the qualifier it describes ($LATEST unless asked); ListTriggers all of them.
  assert.deepEqual((await client.GetFunction({ FunctionName: 'hello' })).Triggers.map((t: any) => t.Type), ['cos']);
  assert.deepEqual((await client.GetFunction({ FunctionName: 'hello', Qualifier: '$DEFAULT' })).Triggers.map((t: any) => t.Type), ['timer']);
  assert.deepEqual(listed.map((t: any) => `${t.Type}@${t.Qualifier}`).sort(), ['cos@$LATEST', 'timer@$DEFAULT']);
  assert.equal(h.emulator.core.armedTimers, 1);
  // A name is taken once per function, whatever the qualifier.
  await assert.rejects(
    client.CreateTrigger({ FunctionName: 'hello', TriggerName: 'every5', Type: 'timer', TriggerDesc: '0 0 * * * * *', Qualifier: '$LATEST' }),
    errorCode('ResourceInUse.Trigger'),
  );

  await client.UpdateTrigger({ FunctionName: 'hello', TriggerName: 'every5', Type: 'timer', Qualifier: '$DEFAULT', Enable: 'CLOSE', TriggerDesc: '0 0 */2 * * * *' });
  listed = (await client.ListTriggers({ FunctionName: 'hello', Filters: [{ Name: 'TriggerName', Values: ['every5'] }] })).Triggers;
  assert.equal(listed.length, 1);
  assert.deepEqual([listed[0].Enable, listed[0].TriggerDesc], [0, '{"cron":"0 0 */2 * * * *"}']);
  assert.equal(h.emulator.core.armedTimers, 0);

  await assert.rejects(client.UpdateTrigger({ FunctionName: 'hello', TriggerName: cosName, Type: 'cos', Enable: 'OPEN' }), errorCode('UnsupportedOperation.Trigger'));
  await assert.rejects(client.DeleteTrigger({ FunctionName: 'hello', TriggerName: cosName, Type: 'cos' }), errorCode('InvalidParameterValue.TriggerDesc'));
  await assert.rejects(
    client.DeleteTrigger({ FunctionName: 'hello', TriggerName: cosName, Type: 'cos', TriggerDesc: '{"event":"cos:ObjectCreated:Put"}' }),
    errorCode('ResourceNotFound.Trigger'),
  );
  await client.DeleteTrigger({ FunctionName: 'hello', TriggerName: cosName, Type: 'cos', TriggerDesc: cosDesc });
  await assert.rejects(client.DeleteTrigger({ FunctionName: 'hello', TriggerName: 'every5', Type: 'timer' }), errorCode('ResourceNotFound.Trigger'));
  await client.DeleteTrigger({ FunctionName: 'hello', TriggerName: 'every5', Type: 'timer', Qualifier: '$DEFAULT' });
  assert.equal((await client.ListTriggers({ FunctionName: 'hello' })).TotalCount, 0);

  const bad = (params: Record<string, unknown>, code: string) => assert.rejects(client.CreateTrigger({ FunctionName: 'hello', ...params }), errorCode(code));
  await bad({ TriggerName: 't', Type: 'timer', TriggerDesc: '* * * *' }, 'InvalidParameterValue.TriggerDesc');
  // The timer page: seven fields; ? L W in day-of-month, ? L # in day-of-week, and nowhere else.
  await bad({ TriggerName: 't', Type: 'timer', TriggerDesc: '*/5 * * * *' }, 'InvalidParameterValue.TriggerDesc');
  await bad({ TriggerName: 't', Type: 'timer', TriggerDesc: '0 0 25 * * * *' }, 'InvalidParameterValue.TriggerDesc');
  await bad({ TriggerName: 't', Type: 'timer', TriggerDesc: '0 0 0 ? * ? *' }, 'InvalidParameterValue.TriggerDesc');
  await bad({ TriggerName: 't', Type: 'timer', TriggerDesc: '0 ? 0 * * * *' }, 'InvalidParameterValue.TriggerDesc');
  await bad({ TriggerName: 't', Type: 'timer', TriggerDesc: '0 0 0 * * W *' }, 'InvalidParameterValue.TriggerDesc');
  await bad({ TriggerName: 't', Type: 'timer', TriggerDesc: '0 0 0 1,L * ? *' }, 'InvalidParameterValue.TriggerDesc');
  for (const [name, cron] of [['noon', '0 0 12 ? * MON *'], ['lastday', '0 0 8 L * ? *'], ['nearest', '0 0 8 15W * ? *'], ['lastweekday', '0 0 8 LW * ? *'], ['lastfriday', '0 0 8 ? * 5L *'], ['secondmonday', '0 0 8 ? * 1#2 *']]) {
    await client.CreateTrigger({ FunctionName: 'hello', TriggerName: name, Type: 'timer', TriggerDesc: cron, Enable: 'CLOSE' });
    const back = (await client.ListTriggers({ FunctionName: 'hello', Filters: [{ Name: 'TriggerName', Values: [name] }] })).Triggers[0];
    assert.equal(back.TriggerDesc, JSON.stringify({ cron }));
    await client.DeleteTrigger({ FunctionName: 'hello', TriggerName: name, Type: 'timer' });
  }
  // Timer names: at most 60 characters, a letter first.
  await bad({ TriggerName: '1st', Type: 'timer', TriggerDesc: '0 0 1 1 * * *' }, 'InvalidParameterValue.TriggerName');
  await bad({ TriggerName: 'a'.repeat(61), Type: 'timer', TriggerDesc: '0 0 1 1 * * *' }, 'InvalidParameterValue.TriggerName');
  await client.CreateTrigger({ FunctionName: 'hello', TriggerName: 'a'.repeat(60), Type: 'timer', TriggerDesc: '0 0 1 1 * * *', Enable: 'CLOSE' });
  await client.DeleteTrigger({ FunctionName: 'hello', TriggerName: 'a'.repeat(60), Type: 'timer' });
  await bad({ TriggerName: 't', Type: 'timer', TriggerDesc: '0 */5 * * * * *', Qualifier: '42' }, 'ResourceNotFound.Version');
  await bad({ TriggerName: 't', Type: 'timer', TriggerDesc: '0 */5 * * * * *', Enable: 'true' }, 'InvalidParameterValue.Enable');
  await bad({ TriggerName: BUCKET, Type: 'cos', TriggerDesc: cosDesc }, 'InvalidParameterValue.TriggerName');
  await bad({ TriggerName: `other-${APPID}.cos.ap-guangzhou.myqcloud.com`, Type: 'cos', TriggerDesc: cosDesc }, 'ResourceNotFound.Cos');
  await bad({ TriggerName: cosName, Type: 'cos', TriggerDesc: '{"event":"cos:ObjectCreated:*","filter":{"Suffix":"zip"}}' }, 'InvalidParameterValue.TriggerDesc');
  await bad({ TriggerName: 't', Type: 'sqs', TriggerDesc: '{}' }, 'InvalidParameterValue.Type');
  for (let i = 0; i < 10; i++) await client.CreateTrigger({ FunctionName: 'hello', TriggerName: `t${i}`, Type: 'timer', TriggerDesc: '0 0 1 1 * * *', Enable: 'CLOSE' });
  await bad({ TriggerName: 't10', Type: 'timer', TriggerDesc: '0 0 1 1 * * *' }, 'LimitExceeded.Trigger');
  await bad({ TriggerName: 't3', Type: 'timer', TriggerDesc: '0 0 1 1 * * *' }, 'ResourceInUse.Trigger');
  for (let i = 0; i < 10; i++) await client.DeleteTrigger({ FunctionName: 'hello', TriggerName: `t${i}`, Type: 'timer' });

  // A ckafka trigger made without a consumer group gets one SCF names; an update without one keeps it.
  const kafka = { FunctionName: 'hello', TriggerName: 'ckafka-abc123-orders', Type: 'ckafka', Qualifier: '$DEFAULT' };
  await client.CreateTrigger({ ...kafka, TriggerDesc: '{"maxMsgNum":100,"offset":"latest","retry":10000,"timeOut":60}' });
  const group = () => client.ListTriggers({ FunctionName: 'hello' }).then((r: any) => JSON.parse(r.Triggers.find((t: any) => t.Type === 'ckafka').TriggerDesc).consumerGroupName);
  const named = await group();
  assert.match(named, /^scf-/);
  await client.UpdateTrigger({ ...kafka, TriggerDesc: '{"maxMsgNum":50,"offset":"latest","retry":10000,"timeOut":60}' });
  assert.equal(await group(), named);
  await client.DeleteTrigger(kafka);
});

test('ListFunctions: namespace, tag filters (also after ModifyResourceTags), search and paging', async () => {
  const { client } = h;
  await client.CreateNamespace({ Namespace: 'shop', Description: 'the shop' });
  await assert.rejects(client.CreateNamespace({ Namespace: 'shop' }), errorCode('ResourceInUse.Namespace'));
  await assert.rejects(client.CreateNamespace({ Namespace: 'default' }), errorCode('InvalidParameterValue.DefaultNamespace'));
  await assert.rejects(client.CreateNamespace({ Namespace: 'bad name!' }), errorCode('InvalidParameterValue.NamespaceInvalid'));
  const names = ['shop-dev-a', 'shop-dev-b', 'shop-dev-c', 'shop-prod-a', 'blog-dev-a'];
  for (const name of names) {
    const [app, stage] = name.split('-');
    await h.client.CreateFunction({
      FunctionName: name,
      Namespace: 'shop',
      Runtime: 'Nodejs18.15',
      Handler: 'index.main',
      Code: { ZipFile: await packageOf(name) },
      Tags: [
        { Key: 'Application', Value: app },
        { Key: 'Stage', Value: stage },
      ],
    });
  }
  for (const name of names) await waitFor(client, name, 'Active', { Namespace: 'shop' });
  const filters = [
    { Name: 'tag-Application', Values: ['shop'] },
    { Name: 'tag-Stage', Values: ['dev'] },
  ];
  const first = await client.ListFunctions({ Namespace: 'shop', Filters: filters, Limit: 2, Offset: 0, Orderby: 'FunctionName', Order: 'ASC' });
  const second = await client.ListFunctions({ Namespace: 'shop', Filters: filters, Limit: 2, Offset: 2, Orderby: 'FunctionName', Order: 'ASC' });
  assert.equal(first.TotalCount, 3);
  assert.deepEqual([...first.Functions, ...second.Functions].map((f: any) => f.FunctionName), ['shop-dev-a', 'shop-dev-b', 'shop-dev-c']);
  assert.deepEqual(first.Functions[0].Tags, [
    { Key: 'Application', Value: 'shop' },
    { Key: 'Stage', Value: 'dev' },
  ]);
  assert.equal((await client.ListFunctions({ Namespace: 'shop', SearchKey: 'prod' })).TotalCount, 1);
  assert.equal((await client.ListFunctions({})).Functions.some((f: any) => f.FunctionName === 'shop-dev-a'), false);
  await assert.rejects(client.ListFunctions({ Namespace: 'nope' }), errorCode('ResourceNotFound.Namespace'));
  await assert.rejects(client.ListFunctions({ Namespace: 'shop', Filters: [{ Name: 'Colour', Values: ['red'] }] }), errorCode('InvalidParameterValue.Filters'));

  // The Tag API changes an existing function's tags; ListFunctions sees the change.
  const { FunctionId } = await client.GetFunction({ FunctionName: 'blog-dev-a', Namespace: 'shop' });
  const { uin } = h.emulator.core.account.identity;
  await h.emulator.core.handleTag('ModifyResourceTags', {
    Resource: `qcs::scf:ap-guangzhou:uin/${uin}:lam/${FunctionId}`,
    ReplaceTags: [{ TagKey: 'Application', TagValue: 'shop' }],
  });
  assert.equal((await client.ListFunctions({ Namespace: 'shop', Filters: filters })).TotalCount, 4);
  // The form the vendor's current tools use: by namespace and name, the account empty or this one.
  for (const account of ['', uin]) {
    await h.emulator.core.handleTag('ModifyResourceTags', { Resource: `qcs::scf:ap-guangzhou:uin/${account}:namespace/shop/function/blog-dev-a`, ReplaceTags: [{ TagKey: 'Form', TagValue: account || 'empty' }] });
    assert.deepEqual((await client.GetFunction({ FunctionName: 'blog-dev-a', Namespace: 'shop' })).Tags.find((t: any) => t.Key === 'Form'), { Key: 'Form', Value: account || 'empty' });
  }
  await assert.rejects(
    h.emulator.core.handleTag('ModifyResourceTags', { Resource: 'qcs::scf:ap-guangzhou:uin/:namespace/shop/function/nobody', DeleteTags: [{ TagKey: 'A' }] }),
    errorCode('InvalidParameterValue.ResourceDescriptionError'),
  );
  await assert.rejects(h.emulator.core.handleTag('ModifyResourceTags', { Resource: 'qcs::scf:ap-guangzhou:uin/1:lam/lam-x', DeleteTags: [{ TagKey: 'A' }] }), errorCode('InvalidParameterValue.ResourceDescriptionError'));
  await assert.rejects(
    h.emulator.core.handleTag('ModifyResourceTags', { Resource: `qcs::scf:ap-guangzhou::lam/${FunctionId}`, ReplaceTags: [{ TagKey: 'A', TagValue: 'x' }], DeleteTags: [{ TagKey: 'A' }] }),
    errorCode('InvalidParameterValue.DeleteTagsParamError'),
  );
  const namespaces = await client.ListNamespaces({});
  assert.deepEqual(namespaces.Namespaces.map((n: any) => n.Name), ['default', 'shop']);
  await assert.rejects(client.DeleteNamespace({ Namespace: 'shop' }), errorCode('ResourceInUse.Namespace'));
});

test('DeleteFunction: Deleting, then gone; the name is free again', async () => {
  const { client } = h;
  await deploy(h, 'doomed', 'd1');
  await client.DeleteFunction({ FunctionName: 'doomed' });
  assert.equal(await statusOf(client, 'doomed'), 'Deleting');
  await assert.rejects(client.Invoke({ FunctionName: 'doomed' }), errorCode('FailedOperation.FunctionStatusError'));
  await assert.rejects(client.DeleteFunction({ FunctionName: 'doomed' }), errorCode('FailedOperation.DeleteFunction'));
  await waitGone(client, 'doomed');
  await deploy(h, 'doomed', 'd2');
  assert.equal(await invokeCode(client, 'doomed'), 'd2');
});

test('deploy faults: a create lands in CreateFailed, an update in UpdateFailed, with StatusReasons', async () => {
  const { client } = h;
  const core = h.emulator.core;
  core.setDeployFaults([{ pattern: 'broken-*', count: 1, errorMessage: 'disk on fire' }]);
  await client.CreateFunction({ FunctionName: 'broken-one', Runtime: 'Nodejs18.15', Handler: 'index.main', Code: { ZipFile: await packageOf('b1') } });
  await waitFor(client, 'broken-one', 'CreateFailed');
  const info = await client.GetFunction({ FunctionName: 'broken-one' });
  assert.deepEqual(info.StatusReasons, [{ ErrorCode: 'FailedOperation.CreateFunction', ErrorMessage: 'disk on fire' }]);
  assert.equal((await client.ListFunctions({ Filters: [{ Name: 'Status', Values: ['CreateFailed'] }] })).TotalCount, 1);
  await assert.rejects(client.Invoke({ FunctionName: 'broken-one' }), errorCode('FailedOperation.FunctionStatusError'));
  await assert.rejects(client.UpdateFunctionCode({ FunctionName: 'broken-one', ZipFile: await packageOf('b2') }), errorCode('UnauthorizedOperation.FunctionStatus'));
  assert.deepEqual(core.deployFaults, [], 'a counted fault is used up');
  await client.DeleteFunction({ FunctionName: 'broken-one' });
  await waitGone(client, 'broken-one');

  await deploy(h, 'broken-two', 'b1');
  core.setDeployFaults([{ pattern: 'broken-two' }]);
  await client.UpdateFunctionCode({ FunctionName: 'broken-two', ZipFile: await packageOf('b2') });
  await waitFor(client, 'broken-two', 'UpdateFailed');
  assert.equal((await client.GetFunction({ FunctionName: 'broken-two' })).StatusReasons[0].ErrorCode, 'FailedOperation.UpdateFunctionCode');
  core.setDeployFaults([]);
  // A failed update may be retried; the code it failed to deploy never ran.
  await client.UpdateFunctionConfiguration({ FunctionName: 'broken-two', Timeout: 7 });
  await waitFor(client, 'broken-two', 'Active');
  assert.equal(await invokeCode(client, 'broken-two'), 'b1');
});

test('bad inputs get the codes SCF answers', async () => {
  const { client } = h;
  const zip = await packageOf('x');
  const create = (params: Record<string, unknown>) => client.CreateFunction({ FunctionName: 'fine', Runtime: 'Nodejs18.15', Handler: 'index.main', Code: { ZipFile: zip }, ...params });
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ FunctionName: '9lives' }, 'InvalidParameterValue.FunctionName'],
    [{ FunctionName: 'ends-' }, 'InvalidParameterValue.FunctionName'],
    [{ Runtime: 'Nodejs99' }, 'InvalidParameterValue.Runtime'],
    [{ Handler: 'nodot' }, 'InvalidParameterValue.Handler'],
    [{ MemorySize: 200 }, 'InvalidParameterValue.MemorySize'],
    [{ Timeout: 901 }, 'LimitExceeded.Timeout'],
    [{ Environment: { Variables: [{ Key: 'SCF_REGION', Value: 'x' }] } }, 'InvalidParameterValue.EnvironmentSystemProtect'],
    [{ Environment: { Variables: [{ Key: 'BIG', Value: 'x'.repeat(5000) }] } }, 'InvalidParameterValue.EnvironmentExceededLimit'],
    [{ Code: { ZipFile: 'not*base64' } }, 'InvalidParameterValue.ZipFileBase64BinasciiError'],
    [{ Code: { ZipFile: Buffer.from('just text').toString('base64') } }, 'InvalidParameterValue.ZipFile'],
    [{ Code: { ZipFile: zip, CosBucketName: 'deploy', CosObjectName: '/x.zip' } }, 'InvalidParameterValue.Code'],
    [{ Code: {} }, 'MissingParameter.Code'],
    [{ Code: { CosBucketName: 'deploy', CosObjectName: 'x.zip' } }, 'InvalidParameterValue.CosObjectName'],
    [{ Code: { CosBucketName: 'deploy', CosObjectName: '/missing.zip' } }, 'InvalidParameterValue.CosObjectName'],
    [{ Code: { CosBucketName: 'nobucket', CosObjectName: '/x.zip' } }, 'InvalidParameterValue.CosBucketName'],
    [{ Namespace: 'ghost' }, 'ResourceNotFound.Namespace'],
    [{ Layers: Array.from({ length: 6 }, (_, i) => ({ LayerName: `l${i}`, LayerVersion: 1 })) }, 'LimitExceeded.Layers'],
    [{ FunctionName: 'hello' }, 'ResourceInUse.Function'],
  ];
  for (const [params, code] of cases) await assert.rejects(create(params), errorCode(code), JSON.stringify(params).slice(0, 80));
  await assert.rejects(client.GetFunction({ FunctionName: 'fine' }), errorCode('ResourceNotFound.Function'));

  // Inline size limits, checked in the core: an API request body could not carry them.
  const big = (await zipOf({ 'index.js': handlerCode('big'), 'pad.bin': randomBytes(21 * 1024 * 1024) }, true)).toString('base64');
  await assert.rejects(h.emulator.core.handle('UpdateFunctionCode', { FunctionName: 'hello', ZipFile: big }), errorCode('InvalidParameterValue.ZipFile'));

  // Quotas: 50 functions in a namespace, 5 namespaces.
  await client.CreateNamespace({ Namespace: 'full' });
  for (let i = 0; i < 50; i++) await h.emulator.core.handle('CreateFunction', { FunctionName: `f${i}`, Namespace: 'full', Runtime: 'Nodejs18.15', Handler: 'index.main', Code: { ZipFile: zip } });
  await assert.rejects(create({ FunctionName: 'f50', Namespace: 'full' }), errorCode('LimitExceeded.Function'));
  await client.CreateNamespace({ Namespace: 'ns4' });
  await client.CreateNamespace({ Namespace: 'ns5' });
  await assert.rejects(client.CreateNamespace({ Namespace: 'ns6' }), errorCode('LimitExceeded.Namespace'));
});

test('a timer trigger fires on its schedule with the SCF timer event, and stops when deleted', async () => {
  const { client } = h;
  await deploy(h, 'ticker', 'tick');
  await client.CreateTrigger({ FunctionName: 'ticker', TriggerName: 'each-second', Type: 'timer', TriggerDesc: '* * * * * * *', CustomArgument: 'hello timer' });
  let events: any[] = [];
  for (let i = 0; i < 100 && !events.length; i++) {
    await new Promise((r) => setTimeout(r, 100));
    events = (await client.ListAsyncEvents({ FunctionName: 'ticker', InvokeType: ['TIMER'] })).EventList;
  }
  assert.ok(events.length > 0, 'the timer never fired');
  await h.emulator.core.idle();
  const status = (await client.GetRequestStatus({ FunctionName: 'ticker', FunctionRequestId: events[0].InvokeRequestId })).Data[0];
  const { event } = JSON.parse(status.RetMsg);
  assert.equal(event.Type, 'Timer');
  assert.equal(event.TriggerName, 'each-second');
  assert.equal(event.Message, 'hello timer');
  assert.match(event.Time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  await client.DeleteTrigger({ FunctionName: 'ticker', TriggerName: 'each-second', Type: 'timer' });
  assert.equal(h.emulator.core.armedTimers, 0);
});

test('a large package goes through the COS endpoint, uploaded with cos-nodejs-sdk-v5', async () => {
  const { client, credentials } = h;
  // COS and code downloads are served on the API's own port, behind its Host check.
  const port = h.emulator.port;
  const cos = new COS({ SecretId: credentials.secretId, SecretKey: credentials.secretKey, Protocol: 'http:', Domain: `127.0.0.1:${port}/{Bucket}` });
  const put = (c: COS, Key: string, Body: Buffer) => c.putObject({ Bucket: BUCKET, Region: 'ap-guangzhou', Key, Body });
  // 12 MB that does not compress: more than any API request may carry.
  const zip = await zipOf({ 'index.js': handlerCode('large'), 'assets.bin': randomBytes(12 * 1024 * 1024) }, true);
  const uploaded = await put(cos, 'packages/large.zip', zip);
  assert.equal(uploaded.statusCode, 200);
  await client.CreateFunction({ FunctionName: 'large', Runtime: 'Nodejs18.15', Handler: 'index.main', Code: { CosBucketName: 'deploy', CosObjectName: '/packages/large.zip', CosBucketRegion: 'ap-guangzhou' } });
  await waitFor(client, 'large', 'Active');
  assert.equal(await invokeCode(client, 'large'), 'large');
  const info = await client.GetFunction({ FunctionName: 'large' });
  assert.equal(info.CodeSize, zip.length);
  assert.equal((await client.GetFunctionAddress({ FunctionName: 'large' })).CodeSha256, createHash('sha256').update(zip).digest('hex'));

  // An object read back, and code updated from COS. (The virtual-host form, with COS's own Host sent to
  // 127.0.0.1, is refused like every Host that is not loopback: the path form is what the plugin uses.)
  await put(cos, 'packages/small.zip', await zipOf({ 'index.js': handlerCode('from-cos') }));
  const fetched = await cos.getObject({ Bucket: BUCKET, Region: 'ap-guangzhou', Key: 'packages/small.zip' });
  assert.equal(fetched.statusCode, 200);
  const hosted = new COS({ SecretId: credentials.secretId, SecretKey: credentials.secretKey, Protocol: 'http:', Ip: `127.0.0.1:${port}` });
  await assert.rejects(hosted.getObject({ Bucket: BUCKET, Region: 'ap-guangzhou', Key: 'packages/small.zip' }));
  await client.UpdateFunctionCode({ FunctionName: 'large', CosBucketName: 'deploy', CosObjectName: '/packages/small.zip', CosBucketRegion: 'ap-guangzhou' });
  await waitFor(client, 'large', 'Active');
  assert.equal(await invokeCode(client, 'large'), 'from-cos');
  await assert.rejects(
    client.UpdateFunctionCode({ FunctionName: 'large', CosBucketName: 'deploy', CosObjectName: '/packages/small.zip', CosBucketRegion: 'ap-shanghai' }),
    errorCode('InvalidParameterValue.CosBucketRegion'),
  );

  // COS checks its signature and its buckets.
  const wrongKey = new COS({ SecretId: credentials.secretId, SecretKey: 'wrong', Protocol: 'http:', Domain: `127.0.0.1:${port}/{Bucket}` });
  await assert.rejects(put(wrongKey, 'x.zip', zip.subarray(0, 10)), (e: any) => e.code === 'SignatureDoesNotMatch');
  await assert.rejects(cos.getObject({ Bucket: BUCKET, Region: 'ap-guangzhou', Key: 'nope.zip' }), (e: any) => e.code === 'NoSuchKey');
  await assert.rejects(cos.putObject({ Bucket: `other-${APPID}`, Region: 'ap-guangzhou', Key: 'x.zip', Body: zip.subarray(0, 10) }), (e: any) => e.code === 'NoSuchBucket');
  await cos.putBucket({ Bucket: `other-${APPID}`, Region: 'ap-guangzhou' });
  await assert.rejects(cos.putBucket({ Bucket: 'other-1300000000', Region: 'ap-guangzhou' }), (e: any) => e.code === 'AccessDenied');
});

test('--state-dir: the account survives a restart, its code still runs and its temporary twin leaves nothing', async () => {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-state-test-'));
  try {
    const first = await start({ behaviour: { transitionMs: 50, stateDir } });
    await first.client.CreateNamespace({ Namespace: 'kept' });
    await deploy(first, 'keeper', 'k1', { Namespace: 'kept' });
    await first.client.PublishVersion({ FunctionName: 'keeper', Namespace: 'kept' });
    await waitFor(first.client, 'keeper', 'Active', { Namespace: 'kept', Qualifier: '1' });
    await first.client.CreateAlias({ FunctionName: 'keeper', Namespace: 'kept', Name: 'stable', FunctionVersion: '1' });
    await first.client.UpdateFunctionCode({ FunctionName: 'keeper', Namespace: 'kept', ZipFile: await packageOf('k2') });
    await waitFor(first.client, 'keeper', 'Active', { Namespace: 'kept' });
    await first.client.CreateTrigger({ FunctionName: 'keeper', Namespace: 'kept', TriggerName: 'nightly', Type: 'timer', TriggerDesc: '0 0 3 * * * *' });
    first.emulator.core.cos.createBucket(BUCKET, 'ap-guangzhou');
    first.emulator.core.cos.put(first.emulator.core.cos.buckets.get(BUCKET)!, 'kept.txt', Buffer.from('still here'), 'text/plain');
    await first.close();

    const second = await start({ behaviour: { transitionMs: 50, stateDir } });
    try {
      const info = await second.client.GetFunction({ FunctionName: 'keeper', Namespace: 'kept' });
      assert.equal(info.Status, 'Active');
      const run = async (qualifier?: string) =>
        JSON.parse((await second.client.Invoke({ FunctionName: 'keeper', Namespace: 'kept', Qualifier: qualifier })).Result.RetMsg).code;
      assert.equal(await run(), 'k2');
      assert.equal(await run('stable'), 'k1');
      assert.equal((await second.client.ListTriggers({ FunctionName: 'keeper', Namespace: 'kept' })).Triggers[0].TriggerDesc, '{"cron":"0 0 3 * * * *"}');
      assert.equal(second.emulator.core.armedTimers, 1);
      assert.ok((await second.client.ListNamespaces({})).Namespaces.some((n: any) => n.Name === 'kept'));
      const cos = new COS({ SecretId: second.credentials.secretId, SecretKey: second.credentials.secretKey, Protocol: 'http:', Domain: `127.0.0.1:${second.emulator.port}/{Bucket}` });
      assert.equal(String((await cos.getObject({ Bucket: BUCKET, Region: 'ap-guangzhou', Key: 'kept.txt' })).Body), 'still here');
      // Versions keep their own code; nothing else is left on disk.
      assert.equal(fs.readdirSync(path.join(stateDir, 'code')).length, 2);
    } finally {
      await second.close();
    }
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
  }

  const temporary = await start();
  await deploy(temporary, 'fleeting', 'f');
  const codeDir = temporary.emulator.core.account.getFunction('default', 'fleeting')!.code.dir;
  assert.ok(fs.existsSync(codeDir));
  await temporary.close();
  assert.ok(!fs.existsSync(codeDir), 'the temporary state directory is removed at close');
});

test('deployed code is read-only, as SCF code directories are; it is removed with the account all the same', async () => {
  const local = await start();
  try {
    await deploy(local, 'frozen', 'v1');
    const dir = local.emulator.core.account.getFunction('default', 'frozen')!.code.dir;
    const modes = [dir, path.join(dir, 'index.js')].map((file) => fs.statSync(file).mode & 0o222);
    assert.deepEqual(modes, [0, 0], 'no write bit on the code directory or its files');
  } finally {
    await local.close();
  }
});

test('the code a failing update would restore outlives a collection that runs while it is Updating', async () => {
  const local = await start();
  try {
    await deploy(local, 'steady', 'kept');
    local.emulator.core.setTransitionMs(600_000);
    local.emulator.core.setDeployFaults([{ pattern: 'steady', count: 1 }]);
    await local.client.UpdateFunctionCode({ FunctionName: 'steady', ZipFile: await packageOf('never') });
    // The collection runs about a second after a change; $LATEST names only the new code meanwhile.
    await new Promise((r) => setTimeout(r, 1500));
    local.emulator.core.settleTransitions();
    assert.equal(await statusOf(local.client, 'steady'), 'UpdateFailed');
    local.emulator.core.setTransitionMs(0);
    await local.client.UpdateFunctionConfiguration({ FunctionName: 'steady', Timeout: 7 });
    await waitFor(local.client, 'steady', 'Active');
    assert.equal(await invokeCode(local.client, 'steady'), 'kept');
  } finally {
    await local.close();
  }
});

test('a long-running emulator keeps neither every package it was sent nor their bytes in its request log', async () => {
  const local = await start();
  try {
    await deploy(local, 'churn', 'v0');
    for (let i = 1; i <= 3; i++) {
      await local.client.UpdateFunctionCode({ FunctionName: 'churn', ZipFile: await packageOf(`v${i}`) });
      await waitFor(local.client, 'churn', 'Active');
    }
    await local.client.DeleteFunction({ FunctionName: 'churn' });
    await waitGone(local.client, 'churn');
    const stateCode = path.join(local.emulator.core.stateDirectory, 'code');
    let left: string[] = [];
    for (let i = 0; i < 40; i++) {
      left = fs.readdirSync(stateCode);
      if (!left.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(left, [], 'the code of a deleted function is collected');
    const creates = local.emulator.requests.filter((r) => r.action === 'CreateFunction' || r.action === 'UpdateFunctionCode');
    assert.ok(creates.length >= 4);
    for (const r of creates) assert.match(String(r.params.ZipFile ?? r.params.Code?.ZipFile), /^<zip: \d+ characters of base64>$/);
  } finally {
    await local.close();
  }
});

// The cloud's contract, from the vendor's own published examples and tables (test/fixtures/vendor):
//   1. every example reply is read by our facades as what it says (a reply the client cannot read fails here);
//   2. every example request, sent to the emulator by the vendor's own SDK, is answered with the example's shape
//      (every field the example has, with its type) and nothing the output tables do not have;
//   3. every parameter the plugin sends is in the action's input table, with its type.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as http from 'http';
import * as zlib from 'zlib';
import JSZip = require('jszip');
import { CommonClient } from 'tencentcloud-sdk-nodejs-common';
import { newCredentials, type TestCredentials } from '../helpers';
import { inventedFields, paramProblems, requestProblems, shapeProblems, vendorAction, vendorActions } from '../vendor-tables';
import { type Clients, createClients } from '../../lib/cloud/clients';
import { Credentials } from '../../lib/config/credentials';
import { parseEndpoint } from '../../lib/config/settings';
import { TagClient } from '../../lib/cloud/tag';
import { listPageSize } from '../../lib/cloud/limits';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/http/server';
import { parseSecrets } from '../../lib/emulator/ssm/room';
import { testIssuer } from '../oidc';

const ACTIONS = vendorActions();
const CREDENTIALS = new Credentials('AKIDcontract', 'contract-secret', undefined, 'the test');
const FN = { functionName: 'fn', namespace: 'default' };

function clientsAt(url: string, credentials = CREDENTIALS): Clients {
  const endpoint = parseEndpoint(url);
  return createClients({ endpoints: { scf: endpoint, cls: endpoint, tag: endpoint }, region: 'ap-guangzhou', credentials, backoffBaseMs: 1, backoffCapMs: 2 });
}

// ---- 1. the facades read every example reply -------------------------------------------------------------

/** What each action's facade call makes of the example reply: a value checked against the example. */
const READERS: Record<string, (c: Clients, reply: any) => Promise<void>> = {
  Invoke: async (c, r) => assert.equal((await c.scf.invoke({ ...FN, invocationType: 'RequestResponse' })).functionRequestId, r.Result.FunctionRequestId),
  GetFunctionLogs: async (c, r) => assert.equal((await c.scf.getFunctionLogs(FN)).entries[0].requestId, r.Data[0].RequestId),
  GetRequestStatus: async (c, r) => assert.equal((await c.scf.getRequestStatus({ ...FN, functionRequestId: 'x' })).statuses[0].retMsg, r.Data[0].RetMsg),
  ListAsyncEvents: async (c, r) => assert.equal((await c.scf.listAsyncEvents(FN)).events[0].invokeRequestId, r.EventList[0].InvokeRequestId),
  TerminateAsyncEvent: async (c, r) => assert.equal((await c.scf.terminateAsyncEvent({ ...FN, invokeRequestId: 'x' })).apiRequestId, r.RequestId),
  GetFunction: async (c, r) => {
    const info = (await c.scf.getFunction(FN))!;
    assert.deepEqual([info.functionName, info.status, info.memorySize, info.clsTopicId], [r.FunctionName, r.Status, r.MemorySize, r.ClsTopicId]);
  },
  GetFunctionAddress: async (c, r) => assert.equal((await c.scf.getFunctionAddress(FN)).codeSha256, r.CodeSha256),
  CreateFunction: (c) => c.scf.createFunction(FN, { runtime: 'Nodejs18.15', handler: 'index.main', memorySize: 128, timeout: 3, description: '', environment: {}, layers: [] }, { zipFile: 'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==' }, {}),
  UpdateFunctionCode: (c) => c.scf.updateFunctionCode(FN, 'index.main', { zipFile: 'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==' }),
  UpdateFunctionConfiguration: (c) => c.scf.updateFunctionConfiguration(FN, { runtime: 'Nodejs18.15', handler: 'index.main', memorySize: 128, timeout: 3, description: '', environment: {}, layers: [] }),
  DeleteFunction: (c) => c.scf.deleteFunction(FN),
  ListFunctions: async (c, r) => assert.deepEqual((await c.scf.listFunctions('default')).map((f) => f.functionName), r.Functions.map((f: any) => f.FunctionName)),
  CreateNamespace: (c) => c.scf.createNamespace('ns1', ''),
  ListNamespaces: async (c, r) => assert.deepEqual((await c.scf.listNamespaces()).map((n) => n.name), r.Namespaces.map((n: any) => n.Name)),
  PublishVersion: async (c, r) => assert.equal(await c.scf.publishVersion(FN, ''), r.FunctionVersion),
  ListVersionByFunction: async (c, r) => assert.deepEqual((await c.scf.listVersions(FN)).map((v) => v.version), r.Versions.map((v: any) => v.Version)),
  GetAlias: async (c, r) => assert.equal((await c.scf.getAlias(FN, 'x'))!.functionVersion, r.FunctionVersion),
  CreateAlias: (c) => c.scf.createAlias(FN, 'x', '1'),
  UpdateAlias: (c) => c.scf.updateAlias(FN, 'x', '1', '', [{ version: '2', weight: 0.1 }]),
  ListAliases: async (c, r) => assert.deepEqual((await c.scf.listAliases(FN)).map((a) => [a.name, a.functionVersion]), r.Aliases.map((a: any) => [a.Name, a.FunctionVersion])),
  DeleteFunctionVersion: (c) => c.scf.deleteFunctionVersion(FN, '2'),
  GetMonitorData: async (c, r) => {
    const [series] = await c.monitor.getMetric({ metricName: r.MetricName, period: r.Period, startMs: 0, endMs: 1000, instances: [Object.fromEntries(r.DataPoints[0].Dimensions.map((d: any) => [d.Name, d.Value]))] });
    assert.deepEqual([series.timestamps, series.values], [r.DataPoints[0].Timestamps, r.DataPoints[0].Values]);
  },
  ListTriggers: async (c, r) => {
    const [trigger] = await c.scf.listTriggers(FN);
    assert.deepEqual([trigger.name, trigger.qualifier, trigger.enable, trigger.desc], [r.Triggers[0].TriggerName, r.Triggers[0].Qualifier, r.Triggers[0].Enable === 1, r.Triggers[0].TriggerDesc]);
  },
  CreateTrigger: (c) => c.scf.createTrigger(FN, { type: 'timer', name: 't', desc: '0 * * * * * *', enable: true, qualifier: '$DEFAULT' }),
  UpdateTrigger: (c) => c.scf.updateTrigger(FN, { type: 'timer', name: 't', desc: '0 * * * * * *', enable: true, qualifier: '$DEFAULT' }),
  DeleteTrigger: (c) => c.scf.deleteTrigger(FN, { type: 'timer', name: 't', desc: '', qualifier: '$DEFAULT' }),
  SearchLog: async (c, r) => {
    const page = await c.cls.searchLog({ topicId: 't', from: 0, to: 1, query: '*', limit: 1, sort: 'asc' });
    assert.deepEqual(page.records.map((x) => ({ ...x.fields })), r.Results.map((x: any) => JSON.parse(x.LogJson)));
    assert.equal(page.listOver, r.ListOver);
  },
  DescribeLogHistogram: async (c, r) => {
    const histogram = await c.cls.logHistogram({ topicId: 't', from: 0, to: 1, query: '*', interval: 1 });
    assert.deepEqual([histogram.interval, histogram.totalCount, histogram.buckets], [r.Interval, r.TotalCount, r.HistogramInfos.map((b: any) => ({ from: b.BTime, count: b.Count }))]);
  },
  ModifyResourceTags: (c) => c.tag.modifyResourceTags(TagClient.functionResource('ap-guangzhou', 'default', 'fn'), { a: 'b' }, []),
  PublishLayerVersion: async (c, r) => assert.equal(await c.scf.publishLayerVersion({ layerName: 'l', compatibleRuntimes: ['Nodejs16.13'], description: '', tags: {} }, { zipFile: 'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==' }), r.LayerVersion),
  GetLayerVersion: async (c, r) => {
    const v = (await c.scf.getLayerVersion('l', 1))!;
    assert.deepEqual([v.codeSha256, v.version, v.compatibleRuntimes, v.location], [r.CodeSha256, r.LayerVersion, r.CompatibleRuntimes, r.Location]);
  },
  ListLayerVersions: async (c, r) => assert.deepEqual((await c.scf.listLayerVersions('l')).map((v) => [v.layerName, v.version]), r.LayerVersions.map((v: any) => [v.LayerName, v.LayerVersion])),
  ListLayers: async (c, r) => assert.deepEqual((await c.scf.listLayers()).map((v) => [v.layerName, v.version]), r.Layers.map((v: any) => [v.LayerName, v.LayerVersion])),
  DeleteLayerVersion: (c) => c.scf.deleteLayerVersion('l', 1),
  PutReservedConcurrencyConfig: (c) => c.scf.putReservedConcurrency(FN, 1280),
  GetReservedConcurrencyConfig: async (c, r) => assert.equal(await c.scf.getReservedConcurrency(FN), r.ReservedMem),
  DeleteReservedConcurrencyConfig: (c) => c.scf.deleteReservedConcurrency(FN),
  PutProvisionedConcurrencyConfig: (c) => c.scf.putProvisionedConcurrency(FN, '1', 2),
  GetProvisionedConcurrencyConfig: async (c, r) =>
    assert.deepEqual((await c.scf.getProvisionedConcurrency(FN)).map((p) => [p.qualifier, p.allocated, p.available, p.status]), r.Allocated.map((a: any) => [a.Qualifier, a.AllocatedProvisionedConcurrencyNum, a.AvailableProvisionedConcurrencyNum, a.Status])),
  DeleteProvisionedConcurrencyConfig: (c) => c.scf.deleteProvisionedConcurrency(FN, '1'),
  UpdateFunctionEventInvokeConfig: (c) => c.scf.updateAsyncInvokeConfig(FN, { retries: 1, msgTtl: 3600 }),
  GetFunctionEventInvokeConfig: async (c, r) => assert.deepEqual(await c.scf.getAsyncInvokeConfig(FN), { retries: r.AsyncTriggerConfig.RetryConfig[0].RetryNum, msgTtl: r.AsyncTriggerConfig.MsgTTL }),
  AssumeRoleWithWebIdentity: async (c, r) => {
    const keys = await c.sts.assumeRoleWithWebIdentity({ providerId: 'OIDC', webIdentityToken: 'x.y.z', roleArn: 'qcs::cam::uin/1:roleName/r', sessionName: 'ci' }, 'the test');
    assert.deepEqual([keys.credentials.secretId, keys.credentials.secretKey, keys.credentials.token, keys.expiresAt], [r.Credentials.TmpSecretId, r.Credentials.TmpSecretKey, r.Credentials.Token, r.ExpiredTime * 1000]);
  },
  AssumeRole: async (c, r) => {
    const keys = await c.sts.assumeRole({ roleArn: 'qcs::cam::uin/1:roleName/r', sessionName: 'ci' }, 'the test');
    assert.deepEqual([keys.credentials.secretId, keys.credentials.token, keys.expiresAt], [r.Credentials.TmpSecretId, r.Credentials.Token, r.ExpiredTime * 1000]);
  },
  GetCallerIdentity: async (c, r) => assert.deepEqual(await c.sts.getCallerIdentity(), { arn: r.Arn, accountId: r.AccountId, userId: r.UserId, principalId: r.PrincipalId, type: r.Type }),
  GetSecretValue: async (c, r) => {
    const secret = await c.ssm.getSecretValue(r.SecretName, r.VersionId);
    assert.deepEqual([secret.name, secret.versionId, secret.value, secret.binary], [r.SecretName, r.VersionId, r.SecretString || r.SecretBinary, !r.SecretString]);
  },
  ListSecretVersionIds: async (c, r) => {
    const versions = await c.ssm.listSecretVersionIds(r.SecretName);
    assert.deepEqual(new Set(versions.map((v) => v.versionId)), new Set(r.Versions.map((v: any) => v.VersionId)));
    assert.deepEqual(versions.map((v) => v.createTime), [...r.Versions.map((v: any) => v.CreateTime)].sort((a, b) => a - b), 'oldest first');
  },
};
/** Actions the emulator answers (and the tests send) that the plugin does not: no facade to read them. */
const NOT_SENT_BY_THE_PLUGIN = new Set(['DeleteAlias', 'DeleteNamespace']);

test('the tables cover the actions the plugin reads, and each example is in the form the tables say', () => {
  assert.deepEqual(
    ACTIONS.map((a) => a.action).filter((a) => !READERS[a] && !NOT_SENT_BY_THE_PLUGIN.has(a)),
    [],
    'every transcribed action has a reader, or is said not to be sent',
  );
  for (const spec of ACTIONS) {
    assert.equal(spec.status, 'online', `${spec.action} is offline in the tables`.replace('GetFunctionLogs', 'GetFunctionLogs'));
    assert.ok(spec.source.page.startsWith('https://'), spec.action);
    assert.ok(spec.examples.length > 0, `${spec.action} has an example`);
    for (const example of spec.examples) assert.deepEqual(inventedFields(spec, example.reply.Response), [], `${spec.action}'s example reply is in its own table`);
  }
});

test('the checks find what they are for: an unknown or mistyped parameter, a missing or mistyped reply field, an invented one', () => {
  const create = vendorAction('scf', 'CreateFunction')!;
  assert.deepEqual(paramProblems(create, { FunctionName: 'f', Code: { ZipFile: 'UEs=' }, MemorySize: 128 }), []);
  assert.deepEqual(paramProblems(create, { FunctionName: 'f', Code: { ZipFile: 'UEs=', Zip: 'x' }, MemorySize: '128', Tags: [{ Key: 'a', Value: 1 }], Colour: 'red' }), [
    'CreateFunction.Code.Zip is not in the table',
    'CreateFunction.MemorySize is string "128", the table says int',
    'CreateFunction.Tags[0].Value is number 1, the table says string',
    'CreateFunction.Colour is not in the table',
  ]);
  assert.deepEqual(paramProblems(create, { Code: { ZipFile: 'UEs=' } }), ['CreateFunction.FunctionName is required and missing']);
  const list = vendorAction('scf', 'ListTriggers')!;
  const example = list.examples[0].reply.Response as any;
  assert.deepEqual(shapeProblems(list, example, example), []);
  const changed = { ...example, TotalCount: '1', Triggers: [{ ...example.Triggers[0], Enable: true, Qualifier: undefined }] };
  assert.deepEqual(shapeProblems(list, example, changed), [
    'ListTriggers.TotalCount is string, the example has number',
    'ListTriggers.Triggers[0].Enable is boolean, the example has number',
    'ListTriggers.Triggers[0].Qualifier is missing, the example has string',
  ]);
  assert.deepEqual(shapeProblems(list, example, { ...example, Triggers: [] }), ['ListTriggers.Triggers is an empty list, the example has items: give the check data that fills it']);
  assert.deepEqual(inventedFields(list, { ...example, Triggers: [{ ...example.Triggers[0], Url: 'x' }], Extra: 1 }), ['ListTriggers.Triggers[0].Url', 'ListTriggers.Extra']);
});

test("every example reply is read by our facades as what it says", async () => {
  let serving: { reply: unknown; gzip: boolean } | undefined;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const body = Buffer.from(JSON.stringify(serving!.reply));
      res.setHeader('Content-Type', 'application/json');
      if (serving!.gzip) {
        res.setHeader('Content-Encoding', 'gzip');
        res.end(zlib.gzipSync(body));
      } else res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const clients = clientsAt(`http://127.0.0.1:${(server.address() as any).port}`);
  try {
    for (const spec of ACTIONS) {
      if (NOT_SENT_BY_THE_PLUGIN.has(spec.action)) continue;
      for (const [i, example] of spec.examples.entries()) {
        // SearchLog replies may come gzipped (its page says so): both forms.
        for (const gzip of spec.action === 'SearchLog' ? [false, true] : [false]) {
          serving = { reply: example.reply, gzip };
          await READERS[spec.action](clients, example.reply.Response).catch((error) => assert.fail(`${spec.action} example ${i + 1}: ${error.message}`));
        }
      }
    }
  } finally {
    await new Promise((r) => server.close(r));
  }
});

// ---- 2. the emulator answers every example request in the example's shape -------------------------------

let emulator: RunningEmulator;
let credentials: TestCredentials;
const issuer = testIssuer();
const sdk = (service: 'scf' | 'cls' | 'tag' | 'monitor' | 'sts' | 'ssm') =>
  new CommonClient(`127.0.0.1:${emulator.port}`, ACTIONS.find((a) => a.service === service)!.version, {
    credential: credentials,
    region: 'ap-guangzhou',
    profile: { httpProfile: { protocol: 'http://', reqTimeout: 30 } },
  });

/** A zip holding index.js: the handler every function of this file runs. */
async function handlerZip(): Promise<Buffer> {
  const zip = new JSZip();
  zip.file('index.js', "exports.main = async (event) => { console.log('ran', JSON.stringify(event)); if (event.ms) await new Promise((r) => setTimeout(r, event.ms)); return { ok: true }; };\n");
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

interface State {
  topicId: string;
  syncRequestId: string;
  runningRequestId: string;
  bucket: string;
}
const state = {} as State;

/**
 * Each example request made valid in this account, its parameters and their types kept: names and ids point at
 * what the set-up made. In the order they run (creations before what reads or removes them).
 */
const ADAPT: Array<[string, (request: Record<string, any>) => Record<string, any>]> = [
  ['CreateNamespace', (r) => r],
  ['ListNamespaces', (r) => r],
  ['DeleteNamespace', (r) => r],
  ['CreateFunction', (r) => ({ ...r, FunctionName: 'made-by-example', Handler: 'index.main', Code: { CosBucketName: state.bucket.replace(/-\d+$/, ''), CosObjectName: '/pkg.zip' } })],
  ['GetFunction', (r) => ({ ...r, FunctionName: 'fn' })],
  ['GetFunctionAddress', (r) => ({ ...r, FunctionName: 'fn' })],
  ['Invoke', (r) => ({ ...r, FunctionName: 'fn' })],
  ['GetFunctionLogs', (r) => ({ ...r, FunctionName: 'fn' })],
  ['GetRequestStatus', (r) => ({ ...r, FunctionName: 'fn', FunctionRequestId: state.syncRequestId })],
  ['ListAsyncEvents', (r) => ({ ...r, FunctionName: 'fn' })],
  ['TerminateAsyncEvent', (r) => ({ ...r, FunctionName: 'fn', InvokeRequestId: state.runningRequestId })],
  ['ListFunctions', (r) => r],
  ['PublishVersion', (r) => ({ ...r, FunctionName: 'fn', Description: 'published by the example' })],
  ['ListVersionByFunction', (r) => ({ ...r, FunctionName: 'fn' })],
  ['CreateAlias', (r) => ({ ...r, FunctionName: 'fn' })],
  ['GetAlias', (r) => ({ ...r, Namespace: 'default', FunctionName: 'fn', Name: 'live' })],
  ['ListAliases', (r) => ({ ...r, FunctionName: 'fn' })],
  ['UpdateAlias', (r) => ({ ...r, FunctionName: 'fn', Name: 'live' })],
  ['DeleteAlias', (r) => ({ ...r, Namespace: 'default', FunctionName: 'fn', Name: 'TestAlias' })],
  ['CreateTrigger', (r) => ({ ...r, FunctionName: 'fn', TriggerName: 'example', TriggerDesc: '0 */2 * * * * *' })],
  ['ListTriggers', (r) => ({ ...r, FunctionName: 'fn' })],
  ['UpdateTrigger', (r) => ({ ...r, FunctionName: 'fn', TriggerName: 'tick' })],
  ['DeleteTrigger', (r) => ({ ...r, FunctionName: 'fn', TriggerName: 'example' })],
  ['UpdateFunctionCode', (r) => ({ ...r, FunctionName: 'fn', CosBucketName: state.bucket.replace(/-\d+$/, ''), CosObjectName: '/pkg.zip' })],
  ['UpdateFunctionConfiguration', (r) => ({ ...r, FunctionName: 'fn' })],
  ['DeleteFunction', (r) => ({ ...r, FunctionName: 'made-by-example' })],
  ['SearchLog', (r) => ({ ...r, TopicId: state.topicId, From: Date.now() - 600_000, To: Date.now() + 1, QueryString: 'SCF_Type:"Platform"' })],
  ['DescribeLogHistogram', (r) => ({ ...r, TopicId: state.topicId, From: Date.now() - 600_000, To: Date.now() + 1, Interval: 30_000 })],
  ['ModifyResourceTags', (r) => ({ ...r, Resource: TagClient.functionResource('ap-guangzhou', 'default', 'fn') })],
  ['GetMonitorData', (r) => ({ ...r, Namespace: 'QCE/SCF_V2', MetricName: 'Invocation', Instances: r.Instances.map(() => ({ Dimensions: [{ Name: 'functionName', Value: 'fn' }, { Name: 'namespace', Value: 'default' }] })), StartTime: new Date(Date.now() - 3600_000).toISOString().replace('Z', '+00:00'), EndTime: new Date().toISOString().replace('Z', '+00:00') })],
  // The version PublishVersion's example made: no alias routes to it.
  ['DeleteFunctionVersion', (r) => ({ ...r, FunctionName: 'fn', Qualifier: '3' })],
  // The example names the COS object without its leading "/": taken as it is.
  ['PublishLayerVersion', (r) => ({ ...r, Content: { ...r.Content, CosBucketName: state.bucket.replace(/-\d+$/, ''), CosObjectName: 'pkg.zip', CosBucketRegion: 'ap-guangzhou' } })],
  ['GetLayerVersion', (r) => r],
  ['ListLayerVersions', (r) => r],
  ['ListLayers', (r) => r],
  ['DeleteLayerVersion', (r) => ({ ...r, LayerName: 'layer-name1' })],
  ['PutReservedConcurrencyConfig', (r) => ({ ...r, FunctionName: 'fn' })],
  ['GetReservedConcurrencyConfig', (r) => ({ ...r, FunctionName: 'fn' })],
  ['DeleteReservedConcurrencyConfig', (r) => ({ ...r, FunctionName: 'fn' })],
  ['PutProvisionedConcurrencyConfig', (r) => ({ ...r, FunctionName: 'fn' })],
  ['GetProvisionedConcurrencyConfig', (r) => ({ ...r, FunctionName: 'fn', Namespace: 'default' })],
  ['DeleteProvisionedConcurrencyConfig', (r) => ({ ...r, FunctionName: 'fn', Namespace: 'default' })],
  ['UpdateFunctionEventInvokeConfig', (r) => ({ ...r, FunctionName: 'fn' })],
  ['GetFunctionEventInvokeConfig', (r) => ({ ...r, FunctionName: 'fn' })],
  // The example's account and token made this account's: its role, a token of the provider the emulator knows.
  ['AssumeRoleWithWebIdentity', (r) => ({ ...r, RoleArn: r.RoleArn.replace(/uin\/[^:]+/, `uin/${emulator.core.account.identity.uin}`), WebIdentityToken: issuer.token() })],
  ['AssumeRole', (r) => ({ ...r, RoleArn: r.RoleArn.replace(/uin\/[^:]+/, `uin/${emulator.core.account.identity.uin}`) })],
  ['GetCallerIdentity', (r) => r],
  ['GetSecretValue', (r) => r],
  ['ListSecretVersionIds', (r) => r],
];
/** Sent unsigned, as their page says (`Authorization: SKIP`). */
const UNSIGNED = new Set(['AssumeRoleWithWebIdentity']);

before(async () => {
  credentials = newCredentials();
  emulator = await startEmulator({
    service: { dir: process.cwd(), service: '', stage: '', functions: [] },
    credentials,
    behaviour: { transitionMs: 0 },
    sts: { providers: [issuer.provider('OIDC')] },
    // The secret the examples of GetSecretValue and ListSecretVersionIds ask for, with their versions.
    secrets: parseSecrets({ 'test3-secret': { versions: { v1: 'value1', v2: 'value2', v3: '凭据value3' } } }, 'the test'),
  });
  const scf = sdk('scf');
  const zip = await handlerZip();
  state.bucket = `code-${emulator.core.account.identity.appId}`;
  const bucket = emulator.core.cos.createBucket(state.bucket, 'ap-guangzhou');
  emulator.core.cos.put(bucket, 'pkg.zip', zip, 'application/zip');
  const code = { ZipFile: zip.toString('base64') };
  // `fn` carries what the examples ask about: versions 1 and 2, the alias live, a timer, tags, async events.
  await scf.request('CreateFunction', { FunctionName: 'fn', Runtime: 'Nodejs18.15', Handler: 'index.main', Timeout: 120, Code: code, Tags: [{ Key: 'status', Value: 'dev' }, { Key: 'owner', Value: 'me' }] });
  await scf.request('PublishVersion', { FunctionName: 'fn' });
  await scf.request('UpdateFunctionConfiguration', { FunctionName: 'fn', MemorySize: 256 });
  await scf.request('PublishVersion', { FunctionName: 'fn' });
  await scf.request('CreateAlias', { FunctionName: 'fn', Name: 'live', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: [{ Version: '2', Weight: 0.1 }] } });
  await scf.request('CreateTrigger', { FunctionName: 'fn', TriggerName: 'tick', Type: 'timer', TriggerDesc: '0 0 0 1 1 * 2099', Qualifier: '$DEFAULT', Enable: 'CLOSE' });
  await scf.request('CreateNamespace', { Namespace: 'namespace1' });
  state.syncRequestId = ((await scf.request('Invoke', { FunctionName: 'fn', ClientContext: '{}' })) as any).Result.FunctionRequestId;
  await scf.request('Invoke', { FunctionName: 'fn', Qualifier: '1', InvocationType: 'Event', ClientContext: '{}' });
  state.runningRequestId = ((await scf.request('Invoke', { FunctionName: 'fn', InvocationType: 'Event', ClientContext: '{"ms":60000}' })) as any).Result.FunctionRequestId;
  state.topicId = ((await scf.request('GetFunction', { FunctionName: 'fn' })) as any).ClsTopicId;
});
after(() => emulator?.close());

test('the examples run in an order that covers each of them', () => {
  const covered = ADAPT.map(([action]) => action);
  assert.deepEqual(ACTIONS.map((a) => a.action).filter((a) => !covered.includes(a)), []);
});

test("the emulator answers every example request, sent by the vendor's SDK, in the example's shape and no other", async () => {
  const problems: string[] = [];
  for (const [action, adapt] of ADAPT) {
    const spec = ACTIONS.find((a) => a.action === action)!;
    for (const [i, example] of spec.examples.entries()) {
      const label = `${action} example ${i + 1}`;
      let reply: any;
      try {
        reply = await sdk(spec.service).request(action, adapt(example.request), UNSIGNED.has(action) ? { skipSign: true } : {});
      } catch (error: any) {
        problems.push(`${label}: refused ${error.code}: ${error.message}`);
        continue;
      }
      problems.push(...shapeProblems(spec, example.reply.Response, reply).map((p) => `${label}: ${p}`));
      problems.push(...inventedFields(spec, reply).map((p) => `${label}: ${p} is in no output table`));
    }
  }
  assert.deepEqual(problems, []);
});

// ---- 3. what the plugin sends is in the tables ----------------------------------------------------------

test('every parameter the plugin sends, on every path of the facades, is in the action\'s table with its type', async () => {
  emulator.reset();
  const c = clientsAt(emulator.url, new Credentials(credentials.secretId, credentials.secretKey, undefined, 'the test'));
  const target = { functionName: 'all-fields', namespace: 'default' };
  const config = {
    runtime: 'Nodejs18.15',
    handler: 'index.main',
    memorySize: 256,
    timeout: 9,
    initTimeout: 30,
    description: 'every field',
    environment: { A: '1' },
    role: 'SCF_QcsRole',
    vpcConfig: { vpcId: 'vpc-1', subnetId: 'subnet-1' },
    layers: [],
    installDependency: true,
    clsLogsetId: undefined,
    clsTopicId: undefined,
    asyncRunEnable: false,
  };
  const zip = { zipFile: (await handlerZip()).toString('base64') };
  await c.scf.createFunction(target, config, zip, { team: 'a' });
  await c.scf.updateFunctionCode(target, 'index.main', { cosBucketName: state.bucket.replace(/-\d+$/, ''), cosObjectName: '/pkg.zip', cosBucketRegion: 'ap-guangzhou' }, true);
  await c.scf.updateFunctionConfiguration(target, { ...config, environment: {}, vpcConfig: undefined }, { environment: true, layers: true, vpcConfig: true });
  await c.scf.getFunction({ ...target, qualifier: '$LATEST' });
  await c.scf.getFunctionAddress({ ...target, qualifier: '$LATEST' });
  const version = await c.scf.publishVersion(target, 'v');
  await c.scf.listVersions(target);
  await c.scf.createAlias(target, 'live', version, 'alias');
  await c.scf.getAlias(target, 'live');
  await c.scf.updateAlias(target, 'live', version, 'alias');
  const second = await c.scf.publishVersion(target, 'w');
  await c.scf.updateAlias(target, 'live', version, 'alias', [{ version: second, weight: 0.25 }]);
  await c.scf.listAliases(target);
  const third = await c.scf.publishVersion(target, 'x');
  await c.scf.deleteFunctionVersion(target, third);
  const timer = { type: 'timer', name: 'every', desc: '0 0 * * * * *', enable: false, qualifier: '$DEFAULT', customArgument: 'arg', description: 'd' };
  await c.scf.createTrigger(target, timer);
  await c.scf.updateTrigger(target, { ...timer, enable: true });
  await c.scf.listTriggers(target);
  await c.scf.deleteTrigger(target, timer);
  await c.scf.listFunctions('default', { team: 'a' });
  await c.scf.listNamespaces();
  await c.scf.createNamespace('made-here', 'by the test');
  const run = await c.scf.invoke({ ...target, qualifier: '$LATEST', invocationType: 'RequestResponse', clientContext: '{}', logType: 'Tail' });
  await c.scf.getRequestStatus({ ...target, functionRequestId: run.functionRequestId, startTime: '2026-01-01 00:00:00', endTime: '2099-01-01 00:00:00' });
  await c.scf.getFunctionLogs({ ...target, qualifier: '$LATEST', offset: 0, limit: 10, order: 'asc', orderBy: 'start_time', retCode: 'not0', functionRequestId: run.functionRequestId });
  const event = await c.scf.invoke({ ...target, invocationType: 'Event', clientContext: '{"ms":30000}' });
  await c.scf.listAsyncEvents({
    ...target,
    qualifier: '$LATEST',
    invokeType: ['CLI'],
    status: ['RUNNING'],
    startTimeInterval: { start: '2026-01-01 00:00:00', end: '2099-01-01 00:00:00' },
    order: 'ASC',
    orderBy: 'StartTime',
    offset: 0,
    limit: 10,
    invokeRequestId: event.functionRequestId,
  });
  await c.scf.terminateAsyncEvent({ ...target, invokeRequestId: event.functionRequestId, graceShutdown: true });
  const info = (await c.scf.getFunction(target))!;
  await c.cls.searchLog({ topicId: info.clsTopicId!, from: Date.now() - 60_000, to: Date.now() + 1, query: 'SCF_Type:"Platform"', limit: 10, sort: 'asc' });
  await c.cls.logHistogram({ topicId: info.clsTopicId!, from: Date.now() - 60_000, to: Date.now() + 1, query: 'SCF_Type:"Platform"', interval: 1000 });
  await c.tag.modifyResourceTags(TagClient.functionResource('ap-guangzhou', 'default', 'all-fields'), { team: 'b' }, ['gone']);
  await c.monitor.getMetric({ metricName: 'Duration', period: 60, startMs: Date.now() - 600_000, endMs: Date.now(), instances: [{ functionName: 'all-fields', namespace: 'default', version: version }], statistics: ['avg', 'max'] });
  // Layers, concurrency and async settings, and a web function's own fields.
  const layer = await c.scf.publishLayerVersion({ layerName: 'all-fields-layer', compatibleRuntimes: ['Nodejs18.15'], description: 'd', licenseInfo: 'MIT', tags: { team: 'a' } }, zip);
  await c.scf.getLayerVersion('all-fields-layer', layer);
  await c.scf.listLayerVersions('all-fields-layer');
  await c.scf.listLayers();
  await c.scf.updateFunctionConfiguration(target, { ...config, environment: {}, vpcConfig: undefined, layers: [{ name: 'all-fields-layer', version: layer }] });
  await c.scf.putReservedConcurrency(target, 512);
  await c.scf.getReservedConcurrency(target);
  await c.scf.deleteReservedConcurrency(target);
  await c.scf.putProvisionedConcurrency(target, version, 1);
  await c.scf.getProvisionedConcurrency(target, version);
  await c.scf.deleteProvisionedConcurrency(target, version);
  await c.scf.updateAsyncInvokeConfig(target, { retries: 0, msgTtl: 600 });
  await c.scf.getAsyncInvokeConfig(target);
  const web = { functionName: 'all-fields-web', namespace: 'default' };
  const webConfig = { ...config, handler: '', web: true, instanceConcurrency: 4, webSocketIdleTimeout: 60, installDependency: undefined };
  await c.scf.createFunction(web, webConfig, zip, {});
  await c.scf.updateFunctionConfiguration(web, { ...webConfig, instanceConcurrency: 2 });
  await c.scf.deleteFunction(web);
  await c.scf.deleteFunction(target);
  await c.scf.deleteLayerVersion('all-fields-layer', layer);
  const role = `qcs::cam::uin/${emulator.core.account.identity.uin}:roleName/deployer`;
  await c.sts.assumeRoleWithWebIdentity({ providerId: 'OIDC', webIdentityToken: issuer.token(), roleArn: role, sessionName: 'ci-1', durationSeconds: 900 }, 'the test');
  await c.sts.assumeRole({ roleArn: role, sessionName: 'ci-2', durationSeconds: 900, externalId: 'ext-1' }, 'the test');
  await c.sts.getCallerIdentity();
  await c.ssm.currentValue('test3-secret');
  await c.ssm.getSecretValue('test3-secret', 'v1');
  const actions = new Set(emulator.requests.map((r) => r.action));
  assert.ok(actions.size >= 45, [...actions].join(' '));
  assert.deepEqual(requestProblems(emulator.requests), []);
});

test('List* actions are paged by their documented page size, every page read', async () => {
  const c = clientsAt(emulator.url, new Credentials(credentials.secretId, credentials.secretKey, undefined, 'the test'));
  const target = { functionName: 'many-triggers', namespace: 'default' };
  await sdk('scf').request('CreateFunction', { FunctionName: target.functionName, Runtime: 'Nodejs18.15', Handler: 'index.main', Code: { ZipFile: (await handlerZip()).toString('base64') } });
  for (let i = 0; i < 10; i++) {
    await c.scf.createTrigger(target, { type: 'timer', name: `t${i}`, desc: '0 0 0 1 1 * 2099', enable: false, qualifier: '$DEFAULT' });
    await c.scf.createTrigger(target, { type: 'ckafka', name: `ckafka-abc123-topic${i}`, desc: '{"maxMsgNum":100,"offset":"latest","retry":10000,"timeOut":60}', enable: false, qualifier: '$DEFAULT' });
  }
  await c.scf.createTrigger(target, { type: 'http', name: 'url', desc: '{"AuthType":"NONE","NetConfig":{"EnableIntranet":false,"EnableExtranet":true}}', enable: true, qualifier: '$DEFAULT' });
  emulator.reset();
  assert.equal((await c.scf.listTriggers(target)).length, 21);
  assert.deepEqual(
    emulator.requests.map((r) => [r.action, r.params.Offset, r.params.Limit]),
    [
      ['ListTriggers', 0, listPageSize('ListTriggers')],
      ['ListTriggers', 20, listPageSize('ListTriggers')],
    ],
  );
  assert.equal(listPageSize('ListTriggers'), 20);
  assert.equal(listPageSize('ListAsyncEvents'), 100, 'the one List* page whose maximum is documented');
});

// The vendor's own CLS client (tencentcloud-sdk-nodejs, cls v20201016), unchanged, drives a running emulator's
// SearchLog over HTTP: signatures, both generations of the query fields, paging with Context, and error codes.
// The SDK signs for the service named by its endpoint's first label (`127` for 127.0.0.1:port); the emulator
// verifies with the service the credential scope names, so that signature holds.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { emulatorFor, type TestCredentials } from '../helpers';
import type { RunningEmulator } from '../../lib/emulator/http/server';

const ClsSdkClient = require('tencentcloud-sdk-nodejs').cls.v20201016.Client;
let emulator: RunningEmulator & { credentials: TestCredentials };
let topicId: string;
const FUNCTION = 'hello-dev-hello';
const T0 = Math.floor((Date.now() - 3600_000) / 1000) * 1000;
let seeded: Array<{ requestId: string }>;

function client(credentials: { secretId: string; secretKey: string } = emulator.credentials, endpoint = `127.0.0.1:${emulator.port}`, agent?: Agent) {
  return new ClsSdkClient({
    credential: credentials,
    region: 'ap-guangzhou',
    profile: { httpProfile: { endpoint, protocol: 'http://', reqTimeout: 30, agent } },
  });
}

before(async () => {
  emulator = await emulatorFor();
  topicId = emulator.core.account.getFunction('default', FUNCTION)!.config.clsTopicId!;
  // Five requests, the third one failed: 5 or 6 records each.
  seeded = emulator.core.seed(FUNCTION, 'default', Array.from({ length: 5 }, (_, i) => ({ startMs: T0 + i * 1000, retCode: i === 2 ? 1 : 0 })));
});
after(() => emulator.close());

const fields = (reply: { Results: Array<{ LogJson: string }> }) => reply.Results.map((r) => JSON.parse(r.LogJson));

test('vendor SDK: SearchLog with QueryString and QuerySyntax (CQL), and with the deprecated Query and SyntaxRule', async () => {
  const range = { TopicId: topicId, From: T0, To: T0 + 60_000, Sort: 'asc', Limit: 100 };
  const current = await client().SearchLog({ ...range, QueryString: `SCF_FunctionName:"${FUNCTION}" and SCF_Type:Platform and SCF_Message:Report*`, QuerySyntax: 1 });
  assert.deepEqual(fields(current).map((f) => f.SCF_RequestId), seeded.map((s) => s.requestId), 'CQL: lower-case `and` is AND');
  assert.deepEqual(fields(current).map((f) => f.SCF_StatusCode), ['200', '200', '430', '200', '200']);
  assert.equal(current.ListOver, true);
  assert.equal(current.Analysis, false);
  assert.match(current.RequestId, /^[0-9a-f-]{36}$/);
  assert.equal(current.Results[0].TopicId, topicId);
  assert.equal(typeof current.Results[0].Time, 'number');
  const failed = await client().SearchLog({ ...range, Query: 'SCF_Type:Platform AND SCF_Message:Report* AND NOT SCF_StatusCode:200', SyntaxRule: 1 });
  assert.deepEqual(fields(failed).map((f) => f.SCF_RequestId), [seeded[2].requestId]);
  // Query alone is Lucene: OR between adjacent terms, and a range.
  const lucene = await client().SearchLog({ ...range, Query: `SCF_StatusCode:[400 TO 499] SCF_RequestId:"${seeded[4].requestId}"` });
  assert.deepEqual([...new Set(fields(lucene).map((f) => f.SCF_RequestId))], [seeded[2].requestId, seeded[4].requestId]);
  const quoted = await client().SearchLog({ ...range, QueryString: `SCF_RequestId:"${seeded[1].requestId}"` });
  assert.deepEqual(fields(quoted).map((f) => f.SCF_Message.split(' ')[0]), ['START', 'seeded', 'Response', 'END', 'Report']);
});

test('vendor SDK: paging with Context, every record once, in order', async () => {
  const params = { TopicId: topicId, From: T0, To: T0 + 60_000, QueryString: `SCF_FunctionName:"${FUNCTION}"`, Limit: 4, Sort: 'asc' };
  const all: any[] = [];
  let context: string | undefined;
  let pages = 0;
  for (;;) {
    const reply = await client().SearchLog(context ? { ...params, Context: context } : params);
    pages++;
    all.push(...fields(reply));
    if (reply.ListOver) break;
    context = reply.Context;
  }
  assert.equal(all.length, 5 * 5 + 1);
  assert.equal(pages, Math.ceil(all.length / 4));
  assert.equal(new Set(all.map((f) => f.SCF_LogTime + f.SCF_RequestId)).size, all.length);
  const times = all.map((f) => BigInt(f.SCF_LogTime));
  assert.ok(times.every((t, i) => i === 0 || t >= times[i - 1]));
  // Sort desc, newest first
  const newest = await client().SearchLog({ ...params, Sort: 'desc', Limit: 1 });
  assert.equal(fields(newest)[0].SCF_Message.split(' ')[0], 'Report');
  assert.equal(fields(newest)[0].SCF_RequestId, seeded[4].requestId);
});

test('vendor SDK: errors come back with the codes CLS sends', async () => {
  const range = { From: T0, To: T0 + 60_000 };
  const code = (promise: Promise<unknown>) =>
    promise.then(
      () => 'resolved',
      (e: any) => e.code,
    );
  assert.equal(await code(client().SearchLog({ ...range, TopicId: 'no-such-topic' })), 'ResourceNotFound.TopicNotExist');
  assert.equal(await code(client().SearchLog({ ...range, TopicId: topicId, QueryString: 'SCF_Message:(a' })), 'FailedOperation.SyntaxError');
  assert.equal(await code(client().SearchLog({ ...range, TopicId: topicId, Context: Buffer.from('made up').toString('base64') })), 'FailedOperation.InvalidContext');
  assert.equal(await code(client().SearchLog({ ...range, TopicId: topicId, Limit: 1001 })), 'InvalidParameter');
  assert.equal(await code(client().SearchLog({ From: T0, To: T0 + 60_000 })), 'MissingParameter');
  assert.equal(await code(client({ ...emulator.credentials, secretKey: 'wrong' }).SearchLog({ ...range, TopicId: topicId })), 'AuthFailure.SignatureFailure');
  const refused = emulator.requests.filter((r) => r.action === 'SearchLog').map((r) => r.outcome);
  assert.ok(refused.includes('ResourceNotFound.TopicNotExist') && refused.includes('AuthFailure.SignatureFailure'), 'the emulator saw them');
});

// The vendor's own SDK (tencentcloud-sdk-nodejs-scf), unchanged, drives the emulator: proof that the emulator
// speaks the real protocol and not only our client's dialect of it.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { scf } from 'tencentcloud-sdk-nodejs-scf';
import { emulatorFor, type TestCredentials } from '../helpers';
import type { RunningEmulator } from '../../lib/emulator/http/server';

const ScfSdkClient = (scf as any).v20180416.Client;
let emulator: RunningEmulator & { credentials: TestCredentials };

function sdk(credentials: { secretId: string; secretKey: string }, signMethod?: string) {
  return new ScfSdkClient({
    credential: credentials,
    region: 'ap-guangzhou',
    profile: { signMethod, httpProfile: { endpoint: `127.0.0.1:${emulator.port}`, protocol: 'http://', reqTimeout: 30 } },
  });
}

before(async () => {
  emulator = await emulatorFor();
});
after(() => emulator.close());

test('SDK: sync Invoke returns the handler value and the log', async () => {
  const reply = await sdk(emulator.credentials).Invoke({ FunctionName: 'hello-dev-hello', ClientContext: '{"who":"sdk"}', LogType: 'Tail' });
  assert.deepEqual(JSON.parse(reply.Result.RetMsg), { message: 'Hello from hello-dev-hello', input: { who: 'sdk' } });
  assert.equal(reply.Result.ErrMsg, '');
  assert.match(reply.Result.Log, /hello invoked with \{"who":"sdk"\}/);
  assert.ok(reply.Result.Duration > 0);
  assert.ok(reply.Result.MemUsage > 0);
  assert.match(reply.RequestId, /^[0-9a-f-]{36}$/);
});

test('SDK: async Invoke, then GetRequestStatus, ListAsyncEvents and GetFunctionLogs see it', async () => {
  const client = sdk(emulator.credentials);
  const invoked = await client.Invoke({ FunctionName: 'hello-dev-slow', InvocationType: 'Event', ClientContext: '{"ms":300}' });
  const id = invoked.Result.FunctionRequestId;
  assert.match(id, /^[0-9a-f-]{36}$/);
  const running = await client.GetRequestStatus({ FunctionName: 'hello-dev-slow', FunctionRequestId: id });
  assert.equal(running.Data[0].RetCode, 1);
  const listed = await client.ListAsyncEvents({ FunctionName: 'hello-dev-slow', Status: ['RUNNING'] });
  assert.ok(listed.EventList.some((e: any) => e.InvokeRequestId === id && e.EndTime === ''));
  let status;
  for (let i = 0; i < 50; i++) {
    status = (await client.GetRequestStatus({ FunctionName: 'hello-dev-slow', FunctionRequestId: id })).Data[0];
    if (status.RetCode !== 1) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(status.RetCode, 0);
  assert.deepEqual(JSON.parse(status.RetMsg), { sleptMs: 300 });
  const finished = await client.ListAsyncEvents({ FunctionName: 'hello-dev-slow', InvokeRequestId: id });
  assert.equal(finished.EventList[0].Status, 'FINISHED');
  assert.match(finished.EventList[0].EndTime, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
  const logs = await client.GetFunctionLogs({ FunctionName: 'hello-dev-slow', FunctionRequestId: id });
  assert.equal(logs.Data[0].RequestId, id);
  assert.equal(logs.Data[0].InvokeFinished, 1);
  assert.match(logs.Data[0].Log, /^START RequestId/);
});

test('SDK: TerminateAsyncEvent stops a running event', async () => {
  const client = sdk(emulator.credentials);
  const id = (await client.Invoke({ FunctionName: 'hello-dev-slow', InvocationType: 'Event', ClientContext: '{"ms":2500}' })).Result.FunctionRequestId;
  await client.TerminateAsyncEvent({ FunctionName: 'hello-dev-slow', InvokeRequestId: id });
  await emulator.core.idle();
  const event = (await client.ListAsyncEvents({ FunctionName: 'hello-dev-slow', InvokeRequestId: id })).EventList[0];
  assert.equal(event.Status, 'ABORTED');
  const status = (await client.GetRequestStatus({ FunctionName: 'hello-dev-slow', FunctionRequestId: id })).Data[0];
  assert.equal(status.RetCode, -1);
});

test('SDK: a wrong key is AuthFailure.SignatureFailure, an unknown id AuthFailure.SecretIdNotFound', async () => {
  await assert.rejects(sdk({ ...emulator.credentials, secretKey: 'wrong' }).Invoke({ FunctionName: 'hello-dev-hello' }), (e: any) => e.code === 'AuthFailure.SignatureFailure');
  await assert.rejects(sdk({ secretId: 'AKIDother', secretKey: 'x' }).Invoke({ FunctionName: 'hello-dev-hello' }), (e: any) => e.code === 'AuthFailure.SecretIdNotFound');
});

test('SDK: an unknown function is ResourceNotFound.Function; a bad Limit is refused', async () => {
  const client = sdk(emulator.credentials);
  await assert.rejects(client.Invoke({ FunctionName: 'nope' }), (e: any) => e.code === 'ResourceNotFound.Function' && /^[0-9a-f-]{36}$/.test(e.requestId));
  await assert.rejects(client.Invoke({ FunctionName: 'hello-dev-jobs' }), (e: any) => e.code === 'ResourceNotFound.Function');
  await assert.rejects(client.ListAsyncEvents({ FunctionName: 'hello-dev-hello', Limit: 101 }), (e: any) => e.code === 'InvalidParameterValue.Limit');
  await assert.rejects(client.GetFunctionLogs({ FunctionName: 'hello-dev-hello', Offset: 9990, Limit: 20 }), (e: any) => e.code === 'InvalidParameterValue.Limit');
});

test('SDK: namespaces are honoured', async () => {
  const reply = await sdk(emulator.credentials).Invoke({ FunctionName: 'hello-jobs-dev', Namespace: 'batch', ClientContext: '{"items":[1,2,3]}' });
  assert.deepEqual(JSON.parse(reply.Result.RetMsg), { job: 'done', count: 3 });
  await assert.rejects(sdk(emulator.credentials).Invoke({ FunctionName: 'hello-jobs-dev', Namespace: 'nope' }), (e: any) => e.code === 'ResourceNotFound.Namespace');
});

test('SDK with the HmacSHA256 (v1) signature method is verified too', async () => {
  const reply = await sdk(emulator.credentials, 'HmacSHA256').Invoke({ FunctionName: 'hello-dev-echo', ClientContext: '{"v1":true}' });
  assert.deepEqual(JSON.parse(reply.Result.RetMsg), { v1: true });
  await assert.rejects(sdk({ ...emulator.credentials, secretKey: 'wrong' }, 'HmacSHA1').Invoke({ FunctionName: 'hello-dev-echo' }), (e: any) => e.code === 'AuthFailure.SignatureFailure');
});

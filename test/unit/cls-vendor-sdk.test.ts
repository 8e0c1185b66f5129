// The vendor's own CLS client (tencentcloud-sdk-nodejs, cls v20201016) against searchLog, through a tiny HTTP
// server on 127.0.0.1: the parameter names and shapes it sends are the ones searchLog accepts, and it parses the
// reply envelope and the error envelope searchLog's answers make. (Signatures are the HTTP layer's business.)
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Agent, createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiFault } from '../../lib/emulator/api-fault';
import { ClsStore } from '../../lib/emulator/cls/topics';
import { searchLog } from '../../lib/emulator/cls/search';
import { InvocationLog } from '../../lib/emulator/cls/records';

const ClsSdkClient = require('tencentcloud-sdk-nodejs').cls.v20201016.Client;

const T0 = Date.UTC(2026, 10, 23, 8);
const store = new ClsStore({ now: () => T0 });
const topic = store.scfTopic();
const seen: Array<{ headers: IncomingHttpHeaders; body: Record<string, unknown> }> = [];
let server: Server;
let port = 0;

before(async () => {
  for (let i = 0; i < 3; i++) {
    const requestId = `req-${i}-0000`;
    const log = new InvocationLog({ functionName: 'shop-dev-api', namespace: 'default', qualifier: '$LATEST', alias: '', requestId, retryNum: 0, startMs: T0 + i * 100 });
    store.append(topic.info.topicId, [
      log.start(),
      log.line({ timeMs: T0 + i * 100 + 1, text: `line of ${requestId}` }),
      ...log.end({ statusCode: i === 2 ? 433 : 200, retMsg: '"ok"', durationMs: 5, memUsageBytes: 1024, memorySize: 128 }),
    ]);
  }
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      seen.push({ headers: req.headers, body });
      const RequestId = '6c0c9e1a-0000-4000-8000-000000000000';
      let response;
      try {
        response = { ...searchLog(body, store, T0 + 60_000), RequestId };
      } catch (err) {
        if (!(err instanceof ApiFault)) throw err;
        response = { Error: { Code: err.code, Message: err.message }, RequestId };
      }
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ Response: response }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => {
  loopback.destroy();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

// The SDK signs for the service named by the endpoint's first label, so it is given the real host name, and an
// agent whose every lookup answers 127.0.0.1: nothing leaves the machine.
const loopback = new Agent({
  lookup: (_host: string, options: { all?: boolean }, callback: (...args: any[]) => void) =>
    options.all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4),
} as any);
const client = () =>
  new ClsSdkClient({
    credential: { secretId: 'AKIDtest', secretKey: 'test-key' },
    region: 'ap-guangzhou',
    profile: { httpProfile: { endpoint: `cls.tencentcloudapi.com:${port}`, protocol: 'http://', reqTimeout: 30, agent: loopback } },
  });

test('SDK: SearchLog sends the fields searchLog reads, pages with Context, and parses the reply', async () => {
  const params = { TopicId: topic.info.topicId, From: T0, To: T0 + 60_000, QueryString: 'SCF_Type:Platform AND SCF_Message:Report*', QuerySyntax: 1, Limit: 2, Sort: 'asc' };
  const first = await client().SearchLog(params);
  const request = seen[seen.length - 1];
  assert.equal(request.headers['x-tc-action'], 'SearchLog');
  assert.equal(request.headers['x-tc-version'], '2020-10-16');
  assert.equal(request.headers['x-tc-region'], 'ap-guangzhou');
  assert.equal(request.headers.host, `cls.tencentcloudapi.com:${port}`);
  assert.match(String(request.headers.authorization), /\/cls\/tc3_request/);
  assert.deepEqual(request.body, params);
  assert.equal(first.Results.length, 2);
  assert.equal(first.ListOver, false);
  assert.equal(first.RequestId, '6c0c9e1a-0000-4000-8000-000000000000');
  assert.match(JSON.parse(first.Results[0].LogJson).SCF_Message, /^Report RequestId:req-0-0000 Duration:5ms/);
  const second = await client().SearchLog({ ...params, Context: first.Context });
  assert.equal(second.Results.length, 1);
  assert.equal(second.ListOver, true);
  assert.equal(JSON.parse(second.Results[0].LogJson).SCF_StatusCode, '433');
  // the deprecated pair, as the plugin sends it
  const legacy = await client().SearchLog({ TopicId: topic.info.topicId, From: T0, To: T0 + 60_000, Query: 'SCF_RequestId:"req-1-0000"', SyntaxRule: 1, Limit: 100, Sort: 'asc' });
  assert.deepEqual(
    legacy.Results.map((r: { LogJson: string }) => JSON.parse(r.LogJson).SCF_Message),
    ['START RequestId:req-1-0000', 'line of req-1-0000', 'Response RequestId:req-1-0000 RetMsg:"ok"', 'END RequestId:req-1-0000', 'Report RequestId:req-1-0000 Duration:5ms Memory:128MB MemUsage:0.000977MB'],
  );
});

test('SDK: the error envelope reaches the caller as the code CLS would send', async () => {
  await assert.rejects(client().SearchLog({ TopicId: topic.info.topicId, From: T0, To: T0 + 60_000, QueryString: '* | select count(*)' }), (e: any) => e.code === 'FailedOperation.SyntaxError');
  await assert.rejects(client().SearchLog({ TopicId: 'nope', From: T0, To: T0 + 60_000 }), (e: any) => e.code === 'ResourceNotFound.TopicNotExist');
  await assert.rejects(client().SearchLog({ TopicId: topic.info.topicId, From: T0, To: T0 + 60_000, Context: 'bm9wZQ==' }), (e: any) => e.code === 'FailedOperation.InvalidContext');
});

// How invoke results read (lib/render/invoke.ts): one time display (local time with its offset), one memory format
// (`x.y MB`), one failure sentence.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { functionErrorMessage, functionFailed, invokeSummary, megabytes, statusSummary } from '../../lib/render/invoke';
import { formatLocal } from '../../lib/time/parse';

const UUID = '6f1d9e3a-6f57-4d6a-9a3f-2b0f6f8d1c11';

test('the --wait summary: memory as x.y MB, the start in local time with its offset, not UTC+8 text', () => {
  const line = statusSummary({ functionName: 'f', requestId: UUID, startTime: '2026-03-02 20:00:00', retCode: 0, retMsg: '', duration: 1203, memUsage: 40.19140625, retryNum: 0 });
  const started = formatLocal(Date.UTC(2026, 2, 2, 12, 0, 0));
  assert.equal(line, `RequestId: ${UUID}  Duration: 1203 ms  Memory: 40.2 MB  Started: ${started}`);
  assert.match(started, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{2}:\d{2}$/);
  assert.doesNotMatch(line, /UTC\+8/);
  // A start the API wrote in another form is shown as it is, with the API's offset.
  assert.match(statusSummary({ functionName: 'f', requestId: UUID, startTime: 'soon', retCode: 1, retMsg: '', duration: 0, memUsage: 0, retryNum: 0 }), /Memory: 0\.0 MB {2}Started: soon \+08:00$/);
});

test('the sync summary shows the bytes SCF reports in the same MB format', () => {
  const line = invokeSummary({ functionRequestId: UUID, retMsg: '', errMsg: '', log: '', duration: 12, billDuration: 12, memUsage: 42_143_744, apiRequestId: 'x' });
  assert.equal(line, `RequestId: ${UUID}  Duration: 12 ms  Billed: 12 ms  Memory: 40.2 MB`);
  assert.equal(megabytes(128), '128.0 MB');
});

test('one failure sentence names the function, the message and the request', () => {
  assert.equal(functionFailed('hello-dev-fail', functionErrorMessage('{"errorMessage":"db down","errorType":"Error"}'), UUID), `Function hello-dev-fail failed: db down (RequestId ${UUID})`);
});

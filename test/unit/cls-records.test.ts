// The records the emulator writes to CLS for one invocation: their order, their 14 string fields, the status
// codes and the final figures on the Report, and the 8 KB cap per message.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { capMessage, InvocationLog, MESSAGE_MAX_BYTES, megabytes, TRUNCATION_MARKER, type InvocationLogInfo } from '../../lib/emulator/cls/records';
import { SCF_FIELD_TYPES } from '../../lib/emulator/cls/query';
import type { ClsRecord } from '../../lib/cloud/types';

const START = Date.UTC(2026, 10, 23, 8, 0, 0, 0);
const ID = '1fd17775-fdaa-4eb9-b33a-3fa5fabb3865';
const info: InvocationLogInfo = { functionName: 'shop-dev-hello', namespace: 'default', qualifier: '$LATEST', alias: '', requestId: ID, retryNum: 0, startMs: START };

const messages = (records: ClsRecord[]) => records.map((r) => r.fields.SCF_Message);
const field = (records: ClsRecord[], name: string) => records.map((r) => r.fields[name]);

function checkCommon(records: ClsRecord[]): void {
  const keys = [...SCF_FIELD_TYPES.keys()].sort();
  let previous = -1n;
  for (const record of records) {
    assert.deepEqual(Object.keys(record.fields).sort(), keys);
    for (const value of Object.values(record.fields)) assert.equal(typeof value, 'string');
    assert.equal(record.fields.SCF_RequestId, ID);
    assert.equal(record.fields.SCF_FunctionName, 'shop-dev-hello');
    assert.equal(record.fields.SCF_StartTime, String(START));
    assert.equal(record.fields.SCF_RetryNum, '0');
    const logTime = BigInt(record.fields.SCF_LogTime);
    assert.ok(logTime > previous, 'SCF_LogTime strictly increases');
    assert.equal(record.time, Number(logTime / 1_000_000n), 'time is the LogTime in ms');
    previous = logTime;
  }
  // one upload package per invocation, its records numbered in order
  assert.equal(new Set(records.map((r) => r.pkgId)).size, 1);
  assert.deepEqual(
    records.map((r) => Number(r.pkgLogId)),
    records.map((_, i) => 65536 + i),
  );
}

test('a successful invocation: START, its lines, Response, END, Report with the final figures', () => {
  const log = new InvocationLog(info);
  const records = [log.start(), log.line({ timeMs: START + 2, text: 'hello' }), log.line({ timeMs: START + 2, text: 'same ms' }), ...log.end({ statusCode: 200, retMsg: '{"ok":true}', durationMs: 12, memUsageBytes: 31178752, memorySize: 128 })];
  assert.deepEqual(messages(records), [
    `START RequestId:${ID}`,
    'hello',
    'same ms',
    `Response RequestId:${ID} RetMsg:{"ok":true}`,
    `END RequestId:${ID}`,
    `Report RequestId:${ID} Duration:12ms Memory:128MB MemUsage:29.734375MB`,
  ]);
  assert.deepEqual(field(records, 'SCF_Type'), ['Platform', 'Custom', 'Custom', 'Platform', 'Platform', 'Platform']);
  assert.deepEqual(field(records, 'SCF_StatusCode'), ['202', '202', '202', '202', '202', '200']);
  assert.deepEqual(field(records, 'SCF_Duration'), ['0', '0', '0', '0', '0', '12']);
  assert.deepEqual(field(records, 'SCF_MemUsage'), ['0.00', '0.00', '0.00', '0.00', '0.00', '31178752.00']);
  assert.equal(records[0].fields.SCF_LogTime, `${START}000000`);
  assert.equal(records[5].time, START + 12);
  checkCommon(records);
});

test('a failed invocation writes ERROR before Response, and the Report carries its status', () => {
  const log = new InvocationLog({ ...info, retryNum: 2, alias: 'prod', qualifier: '3' });
  const records = [
    log.start(),
    log.line({ timeMs: START + 5, text: 'about to fail' }),
    ...log.end({ statusCode: 430, retMsg: '{"errorCode":-1,"errorMessage":"boom"}', errorMessage: 'Error: boom', durationMs: 7, memUsageBytes: 1048576, memorySize: 256 }),
  ];
  assert.deepEqual(messages(records), [
    `START RequestId:${ID}`,
    'about to fail',
    `ERROR RequestId:${ID} Result:Error: boom`,
    `Response RequestId:${ID} RetMsg:{"errorCode":-1,"errorMessage":"boom"}`,
    `END RequestId:${ID}`,
    `Report RequestId:${ID} Duration:7ms Memory:256MB MemUsage:1MB`,
  ]);
  assert.deepEqual(field(records, 'SCF_StatusCode'), ['202', '202', '202', '202', '202', '430']);
  assert.deepEqual(new Set(field(records, 'SCF_RetryNum')), new Set(['2']));
  assert.deepEqual(new Set(field(records, 'SCF_Alias')), new Set(['prod']));
  assert.deepEqual(new Set(field(records, 'SCF_Qualifier')), new Set(['3']));
  assert.throws(() => log.end({ statusCode: 200, retMsg: '', durationMs: 1, memUsageBytes: 0, memorySize: 128 }), /already ended/);
});

test('a timed-out invocation: status 433, the duration it ran, records later than every line', () => {
  const log = new InvocationLog(info);
  const lines = Array.from({ length: 5 }, (_, i) => log.line({ timeMs: START + 100 * i, text: `tick ${i}` }));
  // a line stamped earlier than the one before still sorts after it
  lines.push(log.line({ timeMs: START + 50, text: 'late clock' }));
  const end = log.end({ statusCode: 433, retMsg: 'Invoking task timed out after 3 seconds', errorMessage: 'Invoking task timed out after 3 seconds', durationMs: 3000, memUsageBytes: 0, memorySize: 128 });
  const records = [...lines, ...end];
  assert.equal(end[0].fields.SCF_Message, `ERROR RequestId:${ID} Result:Invoking task timed out after 3 seconds`);
  assert.equal(end[3].fields.SCF_StatusCode, '433');
  assert.equal(end[3].fields.SCF_Duration, '3000');
  assert.equal(end[3].fields.SCF_Message, `Report RequestId:${ID} Duration:3000ms Memory:128MB MemUsage:0MB`);
  assert.ok(lines[5].time >= lines[4].time);
  assert.equal(end[3].time, START + 3000);
  checkCommon(records);
});

test('messages are cut at 8 KB with a marker, never inside a character', () => {
  assert.equal(capMessage('short'), 'short');
  const exact = 'x'.repeat(MESSAGE_MAX_BYTES);
  assert.equal(capMessage(exact), exact);
  const long = 'é'.repeat(MESSAGE_MAX_BYTES); // two bytes each
  const cut = capMessage(long);
  assert.ok(Buffer.byteLength(cut) <= MESSAGE_MAX_BYTES);
  assert.ok(cut.endsWith(TRUNCATION_MARKER));
  assert.ok(!cut.includes('\uFFFD'));
  const log = new InvocationLog(info);
  log.start();
  assert.ok(Buffer.byteLength(log.line({ timeMs: START, text: 'y'.repeat(20_000) }).fields.SCF_Message) <= MESSAGE_MAX_BYTES);
  const [response] = log.end({ statusCode: 200, retMsg: 'z'.repeat(20_000), durationMs: 1, memUsageBytes: 0, memorySize: 128 });
  assert.ok(response.fields.SCF_Message.startsWith(`Response RequestId:${ID} RetMsg:zzz`));
  assert.ok(Buffer.byteLength(response.fields.SCF_Message) <= MESSAGE_MAX_BYTES);
  assert.equal(megabytes(0), '0');
  assert.equal(megabytes(1572864), '1.5');
});

// The pure pieces behind issue 24: a request's log over the cap says what was left out, billed duration from the
// Report, the tail's header, log colour only when asked, plurals and durations, "did you mean", what a deploy
// step did in words, and the package content digest that ignores how a zip was made.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InvocationLog } from '../../lib/emulator/cls/records';
import { RequestAssembler } from '../../lib/logs/assemble';
import type { RequestLog } from '../../lib/logs/model';
import { formatRequest, omittedText, requestJson } from '../../lib/render/logs';
import { checkRequestId, noLogsText, tailingHeader } from '../../lib/commands/logs';
import { byteSize, counted, duration } from '../../lib/render/units';
import { closest } from '../../lib/config/suggest';
import { RUNTIMES } from '../../lib/deploy/desired';
import { closingCounts, describeSteps } from '../../lib/deploy/summary';
import { planFunction, type UpdateCodeStep } from '../../lib/deploy/plan';
import { handlerFiles, missingHandlerFile } from '../../lib/config/handlers';
import { zipContentDigest } from '../../lib/deploy/package-contents';
import { releasesText } from '../../lib/commands/info';
import type { FunctionInfo } from '../../lib/cloud/types';

function assembled(lines: string[], cap?: number): RequestLog {
  const assembler = new RequestAssembler({ maxLineBytes: cap });
  const log = new InvocationLog({ functionName: 'f', namespace: 'default', qualifier: '$LATEST', alias: '', requestId: 'r-1', retryNum: 0, startMs: 1000 });
  const records = [log.start(), ...lines.map((text, i) => log.line({ timeMs: 1001 + i, text }))];
  records.push(...log.end({ statusCode: 200, retMsg: '"ok"', durationMs: 12.4, memUsageBytes: 1048576, memorySize: 128 }));
  let request: RequestLog | undefined;
  for (const record of records) {
    const event = assembler.add(record);
    if (event?.kind === 'complete') request = event.request;
  }
  return request!;
}

test('a request whose log is over the cap says how many earlier lines and bytes were left out, in text and in --json', () => {
  const lines = Array.from({ length: 100 }, (_, i) => `line ${String(i).padStart(3, '0')} ${'x'.repeat(90)}`);
  const request = assembled(lines, 2000);
  assert.ok(request.omitted && request.omitted.lines > 0, 'something was left out');
  // What is kept and what is left out add up to every line.
  const keptBytes = request.lines.reduce((sum, l) => sum + l.length, 0);
  assert.ok(keptBytes <= 2000);
  assert.equal(request.omitted!.lines + request.lines.length, lines.length + 4, 'START, the lines, Response, END and Report');
  assert.match(request.lines[0], /^line \d{3} /, 'the START line was among those left out');
  const text = formatRequest(request);
  assert.equal(text.split('\n')[1], omittedText(request.omitted!));
  assert.match(text.split('\n')[1], /^\[\d+ earlier lines \(\d+ bytes\) left out: the request logged more than the 2 MB kept of one request\]$/);
  const json = JSON.parse(requestJson(request));
  assert.deepEqual([json.omittedLines, json.omittedBytes], [request.omitted!.lines, request.omitted!.bytes]);
  const small = assembled(['one']);
  assert.equal(small.omitted, undefined);
  assert.deepEqual([JSON.parse(requestJson(small)).omittedLines, JSON.parse(requestJson(small)).omittedBytes], [0, 0]);
});

test('billed duration comes from the Report: SCF bills whole milliseconds, at least one', () => {
  const request = assembled(['one']);
  assert.equal(request.durationMs, 12);
  assert.equal(request.billDurationMs, 12);
  assert.equal(JSON.parse(requestJson(request)).billDuration, 12);
  assert.match(formatRequest(request), / {2}Billed: 12 ms {2}/);
});

test('log text is coloured only when asked (a terminal), and then the outcome in green or red', () => {
  const request = assembled(['one']);
  assert.doesNotMatch(formatRequest(request), /\u001b/);
  const coloured = formatRequest(request, '', true);
  assert.match(coloured.split('\n')[0], /\u001b\[1m.*RequestId: r-1.*\u001b\[22m {2}\u001b\[32mStatus: succeeded\u001b\[39m$/);
});

test('the tail header fits on one line of the terminal', () => {
  const few = [{ functionName: 'shop-dev-api', namespace: 'default' }, { functionName: 'shop-dev-jobs', namespace: 'default' }];
  assert.equal(tailingHeader(few, 120), 'Tailing shop-dev-api, shop-dev-jobs (namespace default). Ctrl-C stops.');
  const many = Array.from({ length: 12 }, (_, i) => ({ functionName: `shop-dev-function-${i}`, namespace: i % 2 ? 'batch' : 'default' }));
  const header = tailingHeader(many, 80);
  assert.equal(header, 'Tailing 12 functions (namespaces default, batch). Ctrl-C stops.');
  assert.ok(header.length < 80);
});

test('request ids: a malformed one is refused; none found says so, not "in that time range"', () => {
  assert.equal(checkRequestId('5b33b5c8-4d4f-4c3b-9a0e-6f1d2c3b4a5e', '--requestId'), '5b33b5c8-4d4f-4c3b-9a0e-6f1d2c3b4a5e');
  for (const bad of ['abc', '5b33b5c8', 'x'.repeat(36), '5b33b5c8-4d4f-4c3b-9a0e-6f1d2c3b4a5e ']) assert.throws(() => checkRequestId(bad, '--requestId'), /is not an SCF request id/);
  const one = [{ functionName: 'shop-dev-api' }];
  assert.equal(noLogsText(one, {}), 'No logs for shop-dev-api in that time range.');
  assert.match(noLogsText(one, { requestId: 'id-1' }), /^No request id-1 was found in the log of shop-dev-api in the last 7 days: is it a request of this function/);
  assert.match(noLogsText(one, { requestId: 'id-1', startTime: '1h' }), /in that time range/);
});

test('amounts: plurals, sizes and durations', () => {
  assert.deepEqual([counted(1, 'function'), counted(2, 'function'), counted(0, 'check')], ['1 function', '2 functions', '0 checks']);
  assert.deepEqual([byteSize(851), byteSize(12_595), byteSize(7_700_000)], ['851 B', '12.3 kB', '7.3 MB']);
  assert.deepEqual([duration(850), duration(3240), duration(125_000)], ['850 ms', '3.2 s', '2 min 05 s']);
});

test('did you mean: the closest known name, the longer shared start breaking a tie, none when nothing is close or two are', () => {
  assert.equal(closest('gret', ['hello', 'greet', 'jobs']), 'greet');
  assert.equal(closest('nodejs18.x', RUNTIMES), 'Nodejs18.15');
  assert.equal(closest('nodejs20', RUNTIMES), 'Nodejs20.15');
  assert.equal(closest('python3.8', RUNTIMES), undefined, 'Python3.7 and Python3.9 are as close');
  assert.equal(closest('nope', ['hello', 'echo', 'jobs']), undefined);
});

const deployedFn = (over: Partial<FunctionInfo> = {}): FunctionInfo =>
  ({
    functionName: 'shop-dev-api',
    namespace: 'default',
    functionId: 'lam-1',
    status: 'Active',
    runtime: 'Nodejs18.15',
    handler: 'index.main',
    memorySize: 128,
    timeout: 3,
    description: '',
    environment: {},
    layers: [],
    tags: { 'sls-tencent-scf.service': 'shop', 'sls-tencent-scf.stage': 'dev' },
    triggers: [],
    statusReasons: [],
    statusDesc: '',
    type: 'Event',
    ...over,
  }) as unknown as FunctionInfo;

const desiredFn = (handler: string) => ({
  key: 'api',
  functionName: 'shop-dev-api',
  namespace: 'default',
  configuration: { runtime: 'Nodejs18.15', handler, memorySize: 128, timeout: 3, description: '', environment: {}, layers: [] },
  tags: { 'sls-tencent-scf.service': 'shop', 'sls-tencent-scf.stage': 'dev' },
  triggers: [],
});

const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);

test('a deploy step in words: a handler-only change is "handler changed"; a published version is named; the closing counts', () => {
  const handlerOnly = planFunction(desiredFn('index.other'), deployedFn(), { sha256: SHA_A, deployedSha256: SHA_A });
  assert.deepEqual(describeSteps(handlerOnly), ['handler changed']);
  const both = planFunction(desiredFn('index.other'), deployedFn(), { sha256: SHA_A, deployedSha256: SHA_B });
  assert.deepEqual(describeSteps(both), ['code updated, handler changed']);
  const codeOnly = planFunction(desiredFn('index.main'), deployedFn(), { sha256: SHA_A, deployedSha256: SHA_B });
  assert.deepEqual(describeSteps(codeOnly), ['code updated']);
  assert.deepEqual(describeSteps([{ action: 'publish', alias: 'live', publishedVersion: '3', reason: '' }]), ['version 3 published (alias live → 3)']);
  assert.deepEqual(describeSteps([{ action: 'publish', publishedVersion: '4', reason: '' }]), ['version 4 published']);
  const plan = (key: string, steps: any[]) => ({ key, functionName: key, namespace: 'default', steps });
  assert.equal(closingCounts([plan('a', [{ action: 'create' }]), plan('b', [{ action: 'updateCode' }]), plan('c', [])], [], ['batch']), '1 function created, 1 updated, 1 unchanged, 1 namespace created (batch)');
  assert.equal(closingCounts([plan('a', []), plan('b', [])], [{ action: 'deleteFunction', functionName: 'x', namespace: 'default', waitFirst: false, reason: '' }]), '2 functions unchanged, 1 removed');
  assert.equal(releasesText(['1', '2'], [{ name: 'live', version: '2' }]), 'versions 1, 2; alias live → 2');
});

test('the same files in a zip of other bytes: its recorded SHA-256 counts as the deployed code, for the code and for publishing', () => {
  const sameFiles = planFunction(desiredFn('index.main'), deployedFn(), { sha256: SHA_A, deployedSha256: SHA_B, sameFilesSha256: SHA_B });
  assert.deepEqual(sameFiles, []);
  const other = planFunction(desiredFn('index.main'), deployedFn(), { sha256: SHA_A, deployedSha256: SHA_B, sameFilesSha256: 'c'.repeat(64) });
  assert.equal((other[0] as UpdateCodeStep).action, 'updateCode');
  // The deployed tags hold the record: it is the deploy's own, not a tag serverless.yml removed.
  const recorded = planFunction(desiredFn('index.main'), deployedFn({ tags: { 'sls-tencent-scf.service': 'shop', 'sls-tencent-scf.stage': 'dev', 'sls-tencent-scf.code': `${SHA_B}:${SHA_A}` } }), { sha256: SHA_B, deployedSha256: SHA_B });
  assert.deepEqual(recorded, []);
});

/** A zip header of `size` bytes: its signature, then each [offset, bytes, value]. */
function header(size: number, signature: number, fields: Array<[number, 2 | 4, number]>): Buffer {
  const buffer = Buffer.alloc(size);
  buffer.writeUInt32LE(signature, 0);
  for (const [at, bytes, value] of fields) {
    if (bytes === 2) buffer.writeUInt16LE(value, at);
    else buffer.writeUInt32LE(value, at);
  }
  return buffer;
}

/** A stored (uncompressed) zip of `files` in the given order with the given DOS times: enough to vary the bytes. */
function storedZip(files: Array<[string, string]>, dosTime: number): Buffer {
  const { crc32 } = require('zlib') as { crc32?: (b: Buffer) => number };
  const crc = (data: Buffer): number => {
    if (crc32) return crc32(data) >>> 0;
    let c = ~0;
    for (const byte of data) {
      c ^= byte;
      for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
    }
    return ~c >>> 0;
  };
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of files) {
    const data = Buffer.from(text);
    const nameBytes = Buffer.from(name);
    const sum = crc(data);
    // The local header and the central directory entry carry the same fields at their own offsets.
    const local = header(30, 0x04034b50, [[4, 2, 10], [10, 2, dosTime], [12, 2, 0x5021], [14, 4, sum], [18, 4, data.length], [22, 4, data.length], [26, 2, nameBytes.length]]);
    const central = header(46, 0x02014b50, [[4, 2, 20], [6, 2, 10], [12, 2, dosTime], [14, 2, 0x5021], [16, 4, sum], [20, 4, data.length], [24, 4, data.length], [28, 2, nameBytes.length], [42, 4, offset]]);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const centralBytes = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(centralBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, centralBytes, end]);
}

test('the content digest: the same names and contents in another order and with other times are the same; a changed byte or name is not', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-digest-'));
  try {
    const write = (name: string, zip: Buffer) => {
      fs.writeFileSync(path.join(dir, name), zip);
      return path.join(dir, name);
    };
    const a = write('a.zip', storedZip([['index.js', 'exports.main = 1;\n'], ['lib/x.js', 'x']], 0x6000));
    const b = write('b.zip', storedZip([['lib/x.js', 'x'], ['index.js', 'exports.main = 1;\n']], 0x7000));
    const changed = write('c.zip', storedZip([['index.js', 'exports.main = 2;\n'], ['lib/x.js', 'x']], 0x6000));
    const renamed = write('d.zip', storedZip([['index.js', 'exports.main = 1;\n'], ['lib/y.js', 'x']], 0x6000));
    assert.notDeepEqual(fs.readFileSync(a), fs.readFileSync(b));
    assert.equal(await zipContentDigest(a), await zipContentDigest(b));
    assert.notEqual(await zipContentDigest(a), await zipContentDigest(changed));
    assert.notEqual(await zipContentDigest(a), await zipContentDigest(renamed));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a handler names its file by runtime; one not in the package is a sentence naming function, path and the likely one', () => {
  assert.deepEqual(handlerFiles('src/api.main', 'Nodejs18.15'), ['src/api.js', 'src/api.mjs', 'src/api.cjs']);
  assert.deepEqual(handlerFiles('app.handler', 'Python3.9'), ['app.py']);
  assert.deepEqual(handlerFiles('main', 'Go1'), []);
  assert.equal(missingHandlerFile('api', 'index.main', 'Nodejs18.15', new Set(['index.mjs']), 'shop.zip'), undefined);
  assert.equal(
    missingHandlerFile('api', 'app.handler', 'Python3.9', new Set(['py/app.py', 'node_modules/x/app.py']), 'shop.zip'),
    'functions.api.handler "app.handler" names app.py, which the package shop.zip does not hold (it holds py/app.py: did you mean "py/app.handler"?): fix the handler\'s path (relative to the service directory) or package.patterns.',
  );
  assert.equal(missingHandlerFile('go', 'main', 'Go1', new Set(), 'shop.zip'), undefined, 'Go and custom runtimes are not checked');
});

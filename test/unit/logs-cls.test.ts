// The plugin's reading of CLS, against the emulator's own record writer and SearchLog (in process, no HTTP):
// records gathered into requests, queries, windows, the cursor limit, start order, merging.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { ClsRecord, LogEntry, SearchLogRequest, SearchLogResult } from '../../lib/cloud/types';
import { ScfError } from '../../lib/cloud/errors';
import { containsPhrase, tokenize } from '../../lib/cloud/cls-tokens';
import { InvocationLog } from '../../lib/emulator/cls/records';
import { ClsStore } from '../../lib/emulator/cls/topics';
import { logHistogram, searchLog } from '../../lib/emulator/cls/search';
import { ApiFault } from '../../lib/emulator/api-fault';
import { recordKey, RequestAssembler, StartOrder } from '../../lib/logs/assemble';
import { phrase, recordQuery, reportQuery } from '../../lib/logs/cls-query';
import { clsHistory, ClsTail, readRecords } from '../../lib/logs/cls-source';
import { history, mergeByStart, queryParts, tails } from '../../lib/logs/sources';
import { functionsCondition, FUNCTIONS_QUERY_CHARS } from '../../lib/logs/cls-query';
import type { Clients } from '../../lib/cloud/clients';
import { formatCst } from '../../lib/time/cst';
import { outcomeOfStatusCode, requestFromEntry, type RequestLog } from '../../lib/logs/model';
import { logsRange, parseSearches } from '../../lib/commands/logs';
import { formatRequest, requestJson } from '../../lib/render/logs';
import { ClsClient } from '../../lib/cloud/cls';
import type { Transport } from '../../lib/cloud/transport';
import { parseEndpoint } from '../../lib/config/settings';

/** The plugin's CLS client, served in process by the emulator's SearchLog. */
function searchOver(store: ClsStore, now = () => Date.now(), delayMs = 0) {
  const calls: SearchLogRequest[] = [];
  const state = { calls, inFlight: 0, maxInFlight: 0 };
  return Object.assign(state, {
    async searchLog(req: SearchLogRequest): Promise<SearchLogResult> {
      calls.push(req);
      state.maxInFlight = Math.max(state.maxInFlight, ++state.inFlight);
      try {
        if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
        const reply = searchLog({ TopicId: req.topicId, From: req.from, To: req.to, Query: req.query, SyntaxRule: 1, Limit: req.limit, Sort: req.sort, Context: req.context }, store, now());
        return {
          records: reply.Results.map((r) => ({ time: r.Time, fields: JSON.parse(r.LogJson), pkgId: r.PkgId, pkgLogId: String(r.PkgLogId) })),
          context: reply.Context,
          listOver: reply.ListOver,
          apiRequestId: 'test',
        };
      } catch (error) {
        if (error instanceof ApiFault) throw new ScfError(error.code, error.message);
        throw error;
      } finally {
        state.inFlight--;
      }
    },
  });
}

interface Run {
  requestId: string;
  startMs: number;
  lines: string[];
  statusCode?: number;
  error?: string;
  functionName?: string;
}

function invocationRecords({ requestId, startMs, lines, statusCode = 200, error, functionName = 'shop-dev-api', simplified = false }: Run & { simplified?: boolean }): ClsRecord[] {
  const log = new InvocationLog({ functionName, namespace: 'default', qualifier: '$LATEST', alias: '', requestId, retryNum: 0, startMs, simplified });
  const records = [log.start(), ...lines.map((text, i) => log.line({ timeMs: startMs + i + 1, text }))];
  records.push(...log.end({ statusCode, retMsg: error ? '' : '{"ok":true}', errorMessage: error, durationMs: lines.length + 5, memUsageBytes: 31178752, memorySize: 128 }));
  return records;
}

test('queries quote every value: a request id is a phrase, never tokens that match look-alikes', () => {
  assert.equal(phrase('a"b\\c*d'), '"a\\"b\\\\c\\*d"');
  const query = recordQuery({ functions: [{ namespace: 'default', functionNames: ['api', 'jobs'] }], requestIds: ['5b3c-11'], grep: 'out of stock', startedFrom: 1000, startedBefore: 2000.5 });
  assert.equal(
    query,
    'SCF_Namespace:"default" AND (SCF_FunctionName:"api" OR SCF_FunctionName:"jobs") AND SCF_RequestId:"5b3c-11" AND ((SCF_StartTime:>=1000 AND SCF_StartTime:<2001) OR NOT SCF_StartTime:*) AND SCF_Message:"out of stock"',
  );
  assert.match(recordQuery({ functions: [{ namespace: 'n', functionNames: ['f'] }], grep: 'x', grepOrPlatform: true }), / AND \(SCF_Message:"x" OR SCF_Type:"Platform"\)$/);
  assert.match(reportQuery({ functions: [{ namespace: 'n', functionNames: ['f'] }] }, ['timeout', 'memory-limit']), /SCF_Message:Report\* AND \(\(SCF_StatusCode:433\) OR \(SCF_StatusCode:434\)\)$/);
});

test('the assembler turns SCF records into requests with outcome, error, duration, memory and lines in order', () => {
  const assembler = new RequestAssembler();
  const ok = invocationRecords({ requestId: 'r-ok', startMs: 1000, lines: ['one', 'two'] });
  const bad = invocationRecords({ requestId: 'r-bad', startMs: 1500, lines: ['about to fail'], statusCode: 430, error: '{"errorMessage":"db down","errorType":"Error"}' });
  const timedOut = invocationRecords({ requestId: 'r-slow', startMs: 2000, lines: [], statusCode: 433, error: 'Invoking task timed out after 3 seconds' });
  // Interleaved and out of order, as a topic serves concurrent requests.
  const shuffled = [ok[0], bad[0], ok[2], bad[1], ok[1], ...bad.slice(2), ...ok.slice(3), ...timedOut];
  const complete: RequestLog[] = [];
  for (const record of shuffled) {
    const event = assembler.add(record);
    if (event?.kind === 'complete') complete.push(event.request);
  }
  assert.deepEqual(
    complete.map((r) => [r.requestId, r.outcome, r.statusCode]),
    [
      ['r-bad', 'failed', 430],
      ['r-ok', 'succeeded', 200],
      ['r-slow', 'timeout', 433],
    ],
  );
  const good = complete.find((r) => r.requestId === 'r-ok')!;
  assert.deepEqual(good.lines.slice(0, 3), ['START RequestId:r-ok', 'one', 'two']);
  assert.equal(good.retMsg, '{"ok":true}');
  assert.equal(good.durationMs, 7);
  assert.equal(good.memUsageBytes, 31178752);
  assert.deepEqual(complete.find((r) => r.requestId === 'r-bad')!.error, { message: 'db down', type: 'Error' });
  assert.deepEqual(complete.find((r) => r.requestId === 'r-slow')!.error, { message: 'Invoking task timed out after 3 seconds' });
  // A record of a request already handed out is a late line, not a second request.
  const late = new InvocationLog({ functionName: 'shop-dev-api', namespace: 'default', qualifier: '$LATEST', alias: '', requestId: 'r-ok', retryNum: 0, startMs: 1000 });
  assert.deepEqual(assembler.add(late.line({ timeMs: 1003, text: 'indexed late' }))?.kind, 'late');
  assert.equal(assembler.openCount, 0);
  assert.equal(assembler.rememberedCount, 3);
  // Forgotten once no record of theirs can come (the tail's window has passed their Report).
  assembler.forgetCompletedBefore(2000);
  assert.equal(assembler.rememberedCount, 1, 'r-slow reported at 2000 is kept');
});

test('start order: a request waits only for open requests that started before it, and a cap bounds the wait', () => {
  const order = new StartOrder(2);
  const req = (id: string, startMs: number) => ({ requestId: id, startMs }) as RequestLog;
  assert.deepEqual(order.push(req('b', 20), 10, 30), [], 'a request started at 10 is still open');
  assert.deepEqual(order.push(req('c', 25), 10, 35), []);
  assert.deepEqual(order.push(req('d', 28), 10, 40).map((r) => r.requestId), ['b'], 'over the cap, the oldest goes out');
  assert.deepEqual(order.push(req('a', 10), undefined, 50).map((r) => r.requestId), ['a', 'c', 'd']);
});

test('a range read in segments searched side by side (dense ones split), within the concurrency: every record once, in order', async () => {
  const store = new ClsStore({ recordsPerTopic: 100_000 });
  const topic = store.createTopic({ logsetId: store.createLogset('s').logsetId, topicName: 't' });
  const base = Date.now() - 3600_000;
  const batch: ClsRecord[] = [];
  // 17,592 records, most of them in five minutes of the hour: more than a Context chain reaches.
  for (let i = 0; i < 2932; i++) batch.push(...invocationRecords({ requestId: `req-${i}`, startMs: base + i * 100, lines: ['a', 'b'] }));
  store.append(topic.info.topicId, batch);
  const search = searchOver(store, undefined, 5);
  const seen: ClsRecord[] = [];
  for await (const page of readRecords(search, topic.info.topicId, '*', base, base + 3600_000, { concurrency: 3, maxWindows: 2 })) seen.push(...page);
  assert.equal(seen.length, batch.length);
  assert.equal(new Set(seen.map((r) => `${r.fields.SCF_RequestId}/${r.fields.SCF_LogTime}`)).size, batch.length, 'none twice');
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i].time >= seen[i - 1].time, `in time order at ${i}`);
  assert.equal(search.maxInFlight, 3, 'three searches at once, no more');
  assert.ok(search.calls.every((c) => !c.context), 'no chain: each segment a page or split');
  assert.ok(search.calls.length <= Math.ceil(batch.length / 1000) * 2, `${search.calls.length} searches`);
});

test('a long even history keeps its searches busy: the pages it holds take little more than pages / searches rounds of search', async () => {
  // Rounds of search, not wall time: every search in flight answers together when the round ends, after the
  // reader has done all it can; the floor is ceil(pages / searches) rounds. Splitting a dense segment's rest by
  // the searches left free (instead of by the pages it holds) made chains of one search after another: 40
  // rounds for 25 at 4 searches, 22 for 7 at 15.
  const records = 10_000;
  const pageSize = 100;
  const store = new ClsStore({ recordsPerTopic: records });
  const topic = store.createTopic({ logsetId: store.createLogset('s').logsetId, topicName: 't', capacity: records, capacityBytes: records * 1024 });
  const to = Date.now() - 3600_000;
  const from = to - 20 * 3600_000;
  store.append(topic.info.topicId, Array.from({ length: records }, (_, i) => ({ time: from + Math.floor((i * (to - from)) / records), fields: { SCF_Message: `line ${i}` }, pkgId: 'p', pkgLogId: String(i) })));
  const direct = searchOver(store);
  for (const searches of [4, 15]) {
    const due: Array<() => void> = [];
    let inFlight = 0;
    let peak = 0;
    let sent = 0;
    const inRounds = {
      async searchLog(req: SearchLogRequest): Promise<SearchLogResult> {
        sent++;
        peak = Math.max(peak, ++inFlight);
        await new Promise<void>((resolve) => due.push(resolve));
        inFlight--;
        return direct.searchLog(req);
      },
    };
    let read = 0;
    let done = false;
    const reading = (async () => {
      for await (const page of readRecords(inRounds, topic.info.topicId, '*', from, to, { concurrency: searches, pageSize })) read += page.length;
      done = true;
    })();
    let rounds = 0;
    for (;;) {
      for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
      if (done) break;
      assert.ok(due.length, 'the reader waits for a search');
      rounds++;
      for (const answer of due.splice(0)) answer();
    }
    await reading;
    assert.equal(read, records);
    assert.ok(peak <= searches, `${peak} searches at once`);
    const floor = Math.ceil(records / pageSize / searches);
    assert.ok(rounds <= floor + 4, `${rounds} rounds at ${searches} searches, floor ${floor}`);
    assert.ok(sent <= records / pageSize + 16, `${sent} searches for ${records / pageSize} pages`);
  }
});

test('a long read is cut where a histogram says its pages fall: bursty records cost little more than a search a page; without a histogram, blind', async () => {
  const store = new ClsStore({ recordsPerTopic: 100_000 });
  const topic = store.createTopic({ logsetId: store.createLogset('s').logsetId, topicName: 't' });
  const to = Date.now() - 60_000;
  const from = to - 3600_000;
  // 20 bursts of 250 requests each started in the same millisecond (a fleet invoked together), 5 records each:
  // 25,000 records where a first page's density says nothing about where the rest lie.
  const batch: ClsRecord[] = [];
  for (let k = 0; k < 20; k++) for (let i = 0; i < 250; i++) batch.push(...invocationRecords({ requestId: `r${k}-${i}`, startMs: from + 60_000 + k * 175_000, lines: ['x'] }));
  store.append(topic.info.topicId, batch);
  const pages = Math.ceil(batch.length / 1000);
  assert.equal(batch.length, 20 * 1250);
  const read = async (search: Parameters<typeof readRecords>[0]) => {
    const seen: ClsRecord[] = [];
    for await (const page of readRecords(search, topic.info.topicId, '*', from, to, { concurrency: 4 })) seen.push(...page);
    assert.equal(seen.length, batch.length);
    assert.equal(new Set(seen.map(recordKey)).size, batch.length, 'none twice');
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i].time >= seen[i - 1].time, `in time order at ${i}`);
  };
  const histograms: unknown[] = [];
  const planned = Object.assign(searchOver(store), {
    async logHistogram(req: { topicId: string; from: number; to: number; query: string; interval: number }) {
      histograms.push(req);
      const reply = logHistogram({ TopicId: req.topicId, From: req.from, To: req.to, Query: req.query, SyntaxRule: 1, Interval: req.interval }, store, Date.now());
      return { interval: reply.Interval, totalCount: reply.TotalCount, buckets: reply.HistogramInfos.map((b) => ({ from: b.BTime, count: b.Count })) };
    },
  });
  await read(planned);
  assert.equal(histograms.length, 1, 'one histogram for the range');
  // Each burst is more than a page, and a histogram's intervals cannot cut inside one: two searches a burst at least;
  // the first window is read blind while the histogram is asked, a search or two more.
  const least = 20 * Math.ceil(1250 / 1000);
  assert.ok(planned.calls.length <= least + 4, `${planned.calls.length} searches where ${least} would do (${pages} pages)`);
  const blind = searchOver(store);
  await read(blind);
  assert.ok(blind.calls.length > planned.calls.length + 20, `blind: ${blind.calls.length} searches, planned: ${planned.calls.length}`);
  // A reader whose histogram is refused (a CAM policy allowing SearchLog alone) reads blind, all the same.
  const refused = Object.assign(searchOver(store), {
    logHistogram: async () => {
      throw new ScfError('AuthFailure.UnauthorizedOperation', 'not allowed');
    },
  });
  await read(refused);
  assert.ok(refused.calls.length > planned.calls.length + 20, `refused: ${refused.calls.length} searches`);
});

test('a millisecond holding more than a page is read with its Context chain; past 10,000 records the caller is told', async () => {
  const store = new ClsStore();
  const topic = store.createTopic({ logsetId: store.createLogset('s').logsetId, topicName: 't' });
  const t = Date.now() - 600_000;
  const burst = (requestId: string, at: number, lines: number) => {
    const log = new InvocationLog({ functionName: 'f', namespace: 'default', qualifier: '$LATEST', alias: '', requestId, retryNum: 0, startMs: at });
    return [log.start(), ...Array.from({ length: lines }, (_, i) => log.line({ timeMs: at, text: `line ${i}` }))];
  };
  const before = invocationRecords({ requestId: 'before', startMs: t - 5000, lines: ['x'] });
  const dense = burst('dense', t, 2499);
  const after = invocationRecords({ requestId: 'after', startMs: t + 5000, lines: ['y'] });
  store.append(topic.info.topicId, [...before, ...dense, ...after]);
  assert.ok(dense.every((r) => r.time === t));
  const search = searchOver(store);
  const seen: ClsRecord[] = [];
  for await (const page of readRecords(search, topic.info.topicId, '*', t - 10_000, t + 10_000)) seen.push(...page);
  assert.deepEqual(seen.map(recordKey), [...before, ...dense, ...after].map(recordKey));
  assert.ok(search.calls.some((c) => c.context && c.from === t && c.to === t + 1), 'the chain of that millisecond');

  const t2 = t + 60_000;
  store.append(topic.info.topicId, [...burst('huge', t2, 10_500), ...invocationRecords({ requestId: 'later', startMs: t2 + 1000, lines: ['z'] })]);
  const truncated: number[] = [];
  const read: ClsRecord[] = [];
  for await (const page of readRecords(searchOver(store), topic.info.topicId, '*', t2, t2 + 10_000, { onTruncated: (ms) => truncated.push(ms) })) read.push(...page);
  assert.deepEqual(truncated, [t2]);
  assert.equal(read.filter((r) => r.fields.SCF_RequestId === 'huge').length, 10_000);
  assert.equal(read.filter((r) => r.fields.SCF_RequestId === 'later').length, 5, 'what follows is read');
});

test('history: requests that started in the range, in start order, running ones last; a filter reads Reports first', async () => {
  const store = new ClsStore();
  const topic = store.createTopic({ logsetId: store.createLogset('s').logsetId, topicName: 't' });
  const now = Date.now();
  const t0 = now - 600_000;
  const long = invocationRecords({ requestId: 'long', startMs: t0 + 1000, lines: ['working'], statusCode: 200 });
  // `long` ends last; `before` started before the range; `fail` failed.
  store.append(topic.info.topicId, [
    ...invocationRecords({ requestId: 'before', startMs: t0 - 5000, lines: ['x'] }),
    long[0],
    long[1],
    ...invocationRecords({ requestId: 'quick', startMs: t0 + 2000, lines: ['q'] }),
    ...invocationRecords({ requestId: 'fail', startMs: t0 + 3000, lines: ['f'], statusCode: 430, error: 'boom' }),
    ...long.slice(2).map((r) => ({ ...r, time: t0 + 9000 })),
    invocationRecords({ requestId: 'still', startMs: t0 + 4000, lines: ['busy'] })[0],
  ]);
  const target = { topicId: topic.info.topicId, functions: [{ namespace: 'default', functionNames: ['shop-dev-api'] }] };
  const range = { fromMs: t0, toMs: now, finishWithinMs: 60_000, nowMs: now };
  const ids: string[] = [];
  for await (const page of clsHistory(searchOver(store), target, range)) ids.push(...page.map((r) => `${r.requestId}:${r.outcome}`));
  assert.deepEqual(ids, ['long:succeeded', 'quick:succeeded', 'fail:failed', 'still:running']);
  const search = searchOver(store);
  const failed: RequestLog[] = [];
  for await (const page of clsHistory(search, target, { ...range, outcomes: ['failed'] })) failed.push(...page);
  assert.deepEqual(failed.map((r) => r.requestId), ['fail']);
  assert.deepEqual(failed[0].error, { message: 'boom' });
  assert.match(search.calls[0].query, /SCF_Message:Report\*/);
  assert.match(search.calls[search.calls.length - 1].query, /SCF_RequestId:"fail"/);
});

test('searches in flight: --searches, else custom.scf.logs.searches, else 4; anything CLS would refuse is one line', () => {
  assert.equal(parseSearches(undefined, undefined), 4);
  assert.equal(parseSearches(undefined, { scf: { logs: { searches: 15 } } }), 15);
  assert.equal(parseSearches('2', { scf: { logs: { searches: 15 } } }), 2, 'the option beats the setting');
  for (const bad of [0, 16, 2.5, '3', null, true]) {
    assert.throws(() => parseSearches(undefined, { scf: { logs: { searches: bad } } }), /^ScfError: custom\.scf\.logs\.searches must be a whole number from 1 to 15 .*, not .+\.$/);
  }
  for (const bad of ['0', '16', 'x', '', '1e1']) assert.throws(() => parseSearches(bad, undefined), /--searches must be a whole number from 1 to 15/);
  assert.throws(() => parseSearches(undefined, { scf: { logs: 4 } }), /custom\.scf\.logs must be a mapping/);
});

test('every target on one topic shares its searches: history and tail keep the number set in flight, not that number each', async () => {
  const store = new ClsStore({ recordsPerTopic: 100_000 });
  const topic = store.createTopic({ logsetId: store.createLogset('s').logsetId, topicName: 't' });
  const base = Date.now() - 3600_000;
  const names = ['a', 'b', 'c'];
  store.append(topic.info.topicId, names.flatMap((fn) => Array.from({ length: 400 }, (_, i) => invocationRecords({ requestId: `${fn}-${i}`, startMs: base + i * 8000, lines: ['x'], functionName: fn })).flat()));
  // Three targets on the topic (as when the functions' names fill more than one query).
  const cls = names.map((fn) => ({ topicId: topic.info.topicId, functions: [{ namespace: 'default', functionNames: [fn] }] }));
  const search = searchOver(store, undefined, 5);
  const clients = { cls: search, scf: {} } as unknown as Clients;
  const read = await collect(history(clients, { cls, scf: [] }, { fromMs: base, toMs: Date.now(), finishWithinMs: 60_000, nowMs: Date.now(), searches: 2 }, () => undefined));
  assert.equal(read.length, 1200);
  assert.equal(search.maxInFlight, 2);
  const tailed = searchOver(store, undefined, 5);
  const printed: string[] = [];
  const poll = tails({ cls: tailed, scf: {} } as unknown as Clients, { cls, scf: [] }, { fromMs: base, searches: 3, clock: { now: () => Date.now(), sleep: async () => undefined }, onRequest: (r) => printed.push(r.requestId) }, () => undefined);
  await poll();
  await poll();
  assert.equal(printed.length, 1200);
  assert.equal(tailed.maxInFlight, 3);
});

test('the functions of a topic go in as few queries as CLS\'s query length allows, each within it', () => {
  const scopes = ['default', 'ns1', 'ns2', 'ns3', 'ns4'].map((namespace) => ({ namespace, functionNames: Array.from({ length: 50 }, (_, i) => `fleet-dev-${namespace}-function-${i}`) }));
  const parts = queryParts(scopes);
  assert.ok(parts.length > 1 && parts.length <= 2, `${parts.length} queries`);
  for (const part of parts) assert.ok(functionsCondition(part).length <= FUNCTIONS_QUERY_CHARS);
  assert.deepEqual(parts.flat().flatMap((s) => s.functionNames.map((n) => `${s.namespace}/${n}`)).sort(), scopes.flatMap((s) => s.functionNames.map((n) => `${s.namespace}/${n}`)).sort(), 'every function once');
  assert.equal(queryParts(scopes.map((s) => ({ ...s, functionNames: s.functionNames.slice(0, 3) }))).length, 1, 'a few functions of several namespaces: one query');
  assert.match(functionsCondition([{ namespace: 'a', functionNames: ['x'] }, { namespace: 'b', functionNames: ['y', 'z'] }]), /^\(\(SCF_Namespace:"a" AND SCF_FunctionName:"x"\) OR \(SCF_Namespace:"b" AND \(SCF_FunctionName:"y" OR SCF_FunctionName:"z"\)\)\)$/);
});

test('several sources merge into one start order', async () => {
  async function* stream(starts: number[][]): AsyncGenerator<RequestLog[]> {
    for (const page of starts) yield page.map((s) => ({ requestId: String(s), startMs: s }) as RequestLog);
  }
  const merged: number[] = [];
  for await (const page of mergeByStart([stream([[1, 4], [9]]), stream([[2], [3, 10]]), stream([])])) merged.push(...page.map((r) => r.startMs));
  assert.deepEqual(merged, [1, 2, 3, 4, 9, 10]);
});

test('--grep on the fallback path matches as CLS matches a phrase', () => {
  assert.ok(containsPhrase('2026-01-01T00:00:00Z\treq\tOrder 17: out of stock; retry later', 'out of stock'));
  assert.ok(!containsPhrase('stockout of', 'out of stock'));
  assert.ok(!containsPhrase('out of stock!', 'out of stock'), '"!" is not a delimiter: "stock!" is one token');
  assert.ok(containsPhrase('ERROR: Out-Of-Stock', 'out of stock'), 'case and delimiters as CLS tokenizes');
  assert.deepEqual(tokenize('a-b_c.d'), ['a', 'b_c.d']);
});

test('a range that cannot be: one line each, naming what is wrong', () => {
  const now = Date.UTC(2026, 10, 23, 12);
  assert.throws(() => logsRange({ startTime: '2099-01-01' }, now), /--startTime "2099-01-01" is in the future/);
  assert.throws(() => logsRange({ startTime: '1h', endTime: '2h' }, now), /--endTime is before --startTime/);
  assert.throws(() => logsRange({ tail: true, endTime: '1h' }, now), /--endTime does not go with --tail/);
  assert.equal(logsRange({ requestId: 'x' }, now).startMs, now - 7 * 86400_000, 'a request id is looked for as far back as the topic keeps');
  assert.equal(logsRange({}, now).startMs, now - 600_000);
});

/** A topic holding `runs`, and the target that reads it. */
function topicWith(runs: Run[], store = new ClsStore()) {
  const topic = store.createTopic({ logsetId: store.createLogset('s').logsetId, topicName: 't' });
  store.append(topic.info.topicId, runs.flatMap(invocationRecords));
  return { store, topicId: topic.info.topicId, target: { topicId: topic.info.topicId, functions: [{ namespace: 'default', functionNames: ['shop-dev-api'] }] } };
}

async function collect(stream: AsyncGenerator<RequestLog[]>): Promise<RequestLog[]> {
  const all: RequestLog[] = [];
  for await (const page of stream) all.push(...page);
  return all;
}

test('--grep over CLS: only requests with a matching line, only those lines, each with its outcome and error', async () => {
  const now = Date.now();
  const t0 = now - 600_000;
  const { store, target } = topicWith([
    { requestId: 'a', startMs: t0 + 1000, lines: ['order 1 placed', 'out of stock: sku 9', 'retrying'] },
    { requestId: 'b', startMs: t0 + 2000, lines: ['all good'] },
    { requestId: 'c', startMs: t0 + 3000, lines: ['Out-Of-Stock again'], statusCode: 430, error: '{"errorMessage":"no stock","errorType":"StockError"}' },
    { requestId: 'd', startMs: t0 + 4000, lines: ['stockout of'] },
  ]);
  const range = { fromMs: t0, toMs: now, finishWithinMs: 60_000, nowMs: now };
  const found = await collect(clsHistory(searchOver(store), target, { ...range, grep: 'out of stock' }));
  assert.deepEqual(
    found.map((r) => [r.requestId, r.outcome, r.statusCode, r.lines]),
    [
      ['a', 'succeeded', 200, ['out of stock: sku 9']],
      ['c', 'failed', 430, ['Out-Of-Stock again']],
    ],
  );
  assert.deepEqual(found[1].error, { message: 'no stock', type: 'StockError' });
  assert.equal(found[0].durationMs, 8);
  // with an outcome filter too: the failed one only; a platform line is searched like any other
  const failed = await collect(clsHistory(searchOver(store), target, { ...range, grep: 'out of stock', outcomes: ['failed'] }));
  assert.deepEqual(failed.map((r) => r.requestId), ['c']);
  const errors = await collect(clsHistory(searchOver(store), target, { ...range, grep: 'Result' }));
  assert.deepEqual(errors.map((r) => [r.requestId, r.lines]), [['c', ['ERROR RequestId:c Result:{"errorMessage":"no stock","errorType":"StockError"}']]]);
});

test('a filtered history reads in batches yet hands requests out in start order; running ones last', async () => {
  const now = Date.now();
  const t0 = now - 3600_000;
  // Long requests whose matching line comes late, short ones in between, one never finishing: found out of start order.
  const runs: Run[] = [];
  for (let i = 0; i < 120; i++) {
    const long = i % 10 === 0;
    runs.push({ requestId: `r${String(i).padStart(3, '0')}`, startMs: t0 + i * 1000, lines: long ? Array.from({ length: 40 }, (_, k) => (k === 39 ? 'needle late' : `hay ${k}`)) : ['needle'] });
  }
  const { store, topicId, target } = topicWith([]);
  const records = runs.flatMap((run) => {
    const written = invocationRecords(run);
    // the long ones log their last line (and end) 30 s after they start
    const late = written.findIndex((r) => r.fields.SCF_Message === 'needle late');
    if (late >= 0) {
      for (const r of written.slice(late)) {
        r.time += 30_000;
        r.fields.SCF_LogTime = String(BigInt(r.fields.SCF_LogTime) + 30_000_000_000n);
      }
    }
    return written;
  });
  const still = invocationRecords({ requestId: 'still', startMs: t0 + 500, lines: ['needle, still running'] }).slice(0, 2);
  store.append(topicId, [...records, ...still]);
  const search = searchOver(store);
  const found = await collect(clsHistory(search, target, { fromMs: t0, toMs: now, finishWithinMs: 60_000, nowMs: now, grep: 'needle' }));
  assert.deepEqual(found.map((r) => r.requestId), [...runs.map((r) => r.requestId), 'still']);
  assert.equal(found[found.length - 1].outcome, 'running');
  assert.ok(found.slice(0, -1).every((r) => r.outcome === 'succeeded' && r.lines.length === 1));
  assert.ok(search.calls.filter((c) => /SCF_RequestId/.test(c.query)).length >= 3, 'batches of requests');
});

test('the CLS tail: --grep prints finished requests with their matching lines; an outcome filter reads Reports first', async () => {
  const store = new ClsStore();
  const { topicId, target } = topicWith([], store);
  let now = Date.now();
  const clock = { now: () => now, sleep: async () => undefined };
  const printed: RequestLog[] = [];
  const grepTail = new ClsTail(searchOver(store, () => now), target, { fromMs: now - 1, clock, grep: 'boom', onRequest: (r) => printed.push(r) });
  const failedTail: RequestLog[] = [];
  const outcomeTail = new ClsTail(searchOver(store, () => now), target, { fromMs: now - 1, clock, outcomes: ['failed'], onRequest: (r) => failedTail.push(r) });
  const slow = invocationRecords({ requestId: 'slow', startMs: now, lines: ['boom soon'] });
  store.append(topicId, [slow[0], slow[1], ...invocationRecords({ requestId: 'quiet', startMs: now + 1, lines: ['nothing'] })]);
  now += 1000;
  await grepTail.poll();
  await outcomeTail.poll();
  assert.equal(printed.length, 0, 'nothing matched has finished yet');
  store.append(topicId, [...slow.slice(2), ...invocationRecords({ requestId: 'bad', startMs: now, lines: ['boom'], statusCode: 430, error: 'boom' })]);
  now += 1000;
  await grepTail.poll();
  await outcomeTail.poll();
  await grepTail.poll();
  await outcomeTail.poll();
  assert.deepEqual(printed.map((r) => [r.requestId, r.outcome, r.lines]), [['slow', 'succeeded', ['boom soon']], ['bad', 'failed', ['boom', 'ERROR RequestId:bad Result:boom']]]);
  assert.deepEqual(failedTail.map((r) => [r.requestId, r.error?.message, r.lines.length]), [['bad', 'boom', 6]]);
});

// SCF's simplified log format (log-format page 583/60336): user lines carry no SCF_StartTime.
test('simplified log format: history and tail show user lines; lines of a request started before the range are no request', async () => {
  const store = new ClsStore();
  const { topicId, target } = topicWith([], store);
  const t0 = Date.now() - 60_000;
  // Started before the range: its START and Report are outside it, two of its lines inside.
  const before = invocationRecords({ requestId: 'before', startMs: t0 - 5000, lines: ['early 1', 'early 2'], simplified: true });
  for (const [i, record] of before.entries()) if (record.fields.SCF_Type === 'Custom') Object.assign(record, { time: t0 + 10 + i });
  const inside = invocationRecords({ requestId: 'inside', startMs: t0 + 100, lines: ['one', 'two'], simplified: true });
  assert.equal(inside[1].fields.SCF_StartTime, undefined, 'a user line has no start time');
  assert.ok(inside[inside.length - 1].fields.SCF_StartTime, 'the Report has it');
  store.append(topicId, [...before, ...inside]);

  const history: RequestLog[] = [];
  for await (const page of clsHistory(searchOver(store), target, { fromMs: t0, toMs: t0 + 1000, finishWithinMs: 10_000, nowMs: Date.now() })) history.push(...page);
  assert.deepEqual(history.map((r) => [r.requestId, r.outcome, r.lines.filter((l) => !/RequestId:/.test(l))]), [['inside', 'succeeded', ['one', 'two']]]);

  let now = Date.now() + 1000;
  const clock = { now: () => now, sleep: async () => undefined };
  const printed: RequestLog[] = [];
  const tail = new ClsTail(searchOver(store, () => now), target, { fromMs: t0, clock, overlapMs: 5000, onRequest: (r) => printed.push(r) });
  await tail.poll();
  assert.deepEqual(printed.map((r) => [r.requestId, r.lines.filter((l) => !/RequestId:/.test(l))]), [['inside', ['one', 'two']]]);
  assert.equal(tail.stats.open, 1, 'the lines of "before" are held a while (its START might be indexed late)');
  // The tail reads on past the overlap: what never started in it is forgotten.
  store.append(topicId, invocationRecords({ requestId: 'later', startMs: t0 + 30_000, lines: ['three'], simplified: true }));
  now += 1000;
  await tail.poll();
  assert.equal(tail.stats.open, 0);
  assert.deepEqual(printed.map((r) => r.requestId), ['inside', 'later']);
});

test('records of look-alike function names on a shared topic are not the target\'s, in history, filters and tail', async () => {
  const store = new ClsStore();
  const { topicId, target } = topicWith([], store);
  const t0 = Date.now() - 60_000;
  store.append(topicId, [
    ...invocationRecords({ requestId: 'mine', startMs: t0, lines: ['boom'], statusCode: 430, error: 'boom' }),
    ...invocationRecords({ requestId: 'theirs', startMs: t0 + 10, lines: ['boom'], statusCode: 430, error: 'boom', functionName: 'shop-dev-api-v2' }),
    ...invocationRecords({ requestId: 'older', startMs: t0 + 20, lines: ['boom'], statusCode: 430, error: 'boom', functionName: 'x-shop-dev-api' }),
  ]);
  for (const filters of [{}, { grep: 'boom' }, { outcomes: ['failed' as const] }]) {
    const seen: string[] = [];
    for await (const page of clsHistory(searchOver(store), target, { fromMs: t0, toMs: t0 + 1000, finishWithinMs: 10_000, nowMs: Date.now(), ...filters })) seen.push(...page.map((r) => r.requestId));
    assert.deepEqual(seen, ['mine'], JSON.stringify(filters));
  }
  const printed: string[] = [];
  const now = Date.now() + 1000;
  await new ClsTail(searchOver(store, () => now), target, { fromMs: t0, clock: { now: () => now, sleep: async () => undefined }, onRequest: (r) => printed.push(r.requestId) }).poll();
  assert.deepEqual(printed, ['mine']);
});

test('GetFunctionLogs entries: the status code of the error reply, 499 for interrupted, 439 is a failure', () => {
  const entry = (retCode: number, retMsg: string, invokeFinished = 1) =>
    requestFromEntry({ functionName: 'f', requestId: 'r', startTime: '2026-11-23 10:00:00', retCode, retMsg, invokeFinished, duration: 1, billDuration: 1, memUsage: 1, log: 'x\n', retryNum: 0 }, 'default');
  assert.deepEqual([entry(0, '"ok"').statusCode, entry(0, '"ok"').outcome], [200, 'succeeded']);
  assert.deepEqual([entry(1, '{"errorCode":-1,"errorMessage":"m","statusCode":430}').statusCode, entry(1, '{"errorMessage":"m","statusCode":430}').outcome], [430, 'failed']);
  assert.deepEqual([entry(1, '{"errorMessage":"gone","statusCode":439}').outcome, entry(1, 'plain text').statusCode], ['failed', undefined]);
  assert.deepEqual([entry(3, '').statusCode, entry(3, '').outcome], [499, 'interrupted']);
  assert.deepEqual([entry(433, '').statusCode, entry(433, '').outcome], [433, 'timeout']);
  assert.deepEqual([entry(2, '', 0).statusCode, entry(2, '', 0).outcome], [202, 'running']);
  assert.equal(outcomeOfStatusCode(439), 'failed');
  assert.equal(outcomeOfStatusCode(499), 'interrupted');
});

test('a --startTime in the future says so, whatever --endTime says', () => {
  const now = Date.UTC(2026, 10, 23, 12);
  assert.throws(() => logsRange({ startTime: '2099-01-01', endTime: '1h' }, now), /--startTime "2099-01-01" is in the future/);
  assert.throws(() => logsRange({ startTime: '2099-01-01', endTime: '2099-02-01' }, now), /is in the future/);
});

test('a search refused for the topic searches in flight (other readers) is asked again after a pause, a few times', async () => {
  let refusals = 3;
  const calls: string[] = [];
  const transport = {
    async call(call: { action: string }) {
      calls.push(call.action);
      if (refusals-- > 0) throw new ScfError('LimitExceeded.LogSearch', 'More than 15 searches at once.');
      return { Results: [], Context: '', ListOver: true, RequestId: 'r' };
    },
  };
  const pauses: number[] = [];
  const clock = { now: () => 0, sleep: async (ms: number) => void pauses.push(ms) };
  const cls = new ClsClient(transport as unknown as Transport, parseEndpoint('http://127.0.0.1:1'), clock, () => 1);
  const result = await cls.searchLog({ topicId: 't', from: 0, to: 1, query: '*', limit: 1, sort: 'asc' });
  assert.deepEqual([result.listOver, calls.length, pauses], [true, 4, [100, 200, 400]]);
  refusals = 100;
  await assert.rejects(cls.searchLog({ topicId: 't', from: 0, to: 1, query: '*', limit: 1, sort: 'asc' }), (e: ScfError) => e.code === 'LimitExceeded.LogSearch');
  assert.equal(calls.length, 4 + 6, 'six attempts, then the refusal is told');
});

test('the CLS tail over several searches: a Report waits a poll for records that became searchable in between', async () => {
  let appendAt = 0;
  const store = new ClsStore({ now: () => appendAt, indexDelayMs: 1000 });
  const { topicId, target } = topicWith([], store);
  const t = Date.now() - 60_000;
  // 1,200 records over 9 s, long searchable: a poll reads them in several searches.
  appendAt = t;
  store.append(topicId, Array.from({ length: 300 }, (_, i) => invocationRecords({ requestId: `q${i}`, startMs: t + 100 + i * 30, lines: [] })).flat());
  // One request whose first records lie before all of them, written (with its Report) just before the poll.
  const x = invocationRecords({ requestId: 'x', startMs: t + 50, lines: ['x working'] });
  for (const r of x.slice(2)) r.time += 9000;
  appendAt = t + 20_000;
  store.append(topicId, x);
  // The first search runs before x is searchable, the next ones after.
  let searchAt = appendAt + 1000 - 150;
  const search = searchOver(store, () => (searchAt += 300) - 300);
  const printed: RequestLog[] = [];
  const late: string[] = [];
  const clock = { now: () => t + 30_000, sleep: async () => undefined };
  const tail = new ClsTail(search, target, { fromMs: t, clock, onRequest: (r) => printed.push(r), onLateLine: (_r, line) => late.push(line) });
  await tail.poll();
  assert.ok(search.calls.length > 1);
  assert.equal(printed.length, 0, 'held: records of theirs may not have been searchable when their part was searched');
  await tail.poll();
  assert.equal(printed.length, 301);
  const xs = printed.filter((r) => r.requestId === 'x');
  assert.equal(xs.length, 1);
  assert.deepEqual(xs[0].lines.slice(0, 2), ['START RequestId:x', 'x working']);
  assert.deepEqual(late, []);
});

test('a tail poll that fails half way loses nothing: the next poll hands on every request, once (plain and filtered)', async () => {
  for (const outcomes of [undefined, ['failed' as const]]) {
    const store = new ClsStore({ recordsPerTopic: 100_000 });
    const topic = store.createTopic({ logsetId: store.createLogset('s').logsetId, topicName: 't' });
    const now = Date.now();
    const base = now - 60_000;
    const records: ClsRecord[] = [];
    for (let i = 0; i < 300; i++) records.push(...invocationRecords({ requestId: `req-${i}`, startMs: base + i * 100, lines: ['a'], statusCode: 430, error: 'boom' }));
    store.append(topic.info.topicId, records);
    const search = searchOver(store);
    let calls = 0;
    const flaky = {
      async searchLog(req: SearchLogRequest) {
        if (++calls === 2) throw new ScfError('InternalError', 'a passing failure');
        return search.searchLog(req);
      },
    };
    const printed: string[] = [];
    const tail = new ClsTail(flaky, { topicId: topic.info.topicId, functions: [{ namespace: 'default', functionNames: ['shop-dev-api'] }] }, { fromMs: base, outcomes, clock: { now: () => now, sleep: async () => undefined }, onRequest: (r) => printed.push(r.requestId) });
    await assert.rejects(tail.poll(), /a passing failure/);
    for (let i = 0; i < 3; i++) await tail.poll();
    assert.equal(printed.length, 300, `${outcomes ? 'filtered' : 'plain'}: ${printed.length} of 300 printed`);
    assert.equal(new Set(printed).size, 300, 'none twice');
  }
});

test('tails of several sources: a failing source does not leave another poll running; a fallback in mid-tail prints nothing twice', async () => {
  const base = Date.now() - 60_000;
  const records: ClsRecord[] = [];
  const entries: LogEntry[] = [];
  for (let i = 0; i < 3; i++) {
    const start = base + i * 1000;
    records.push(...invocationRecords({ requestId: `req-${i}`, startMs: start, lines: [], functionName: 'f' }));
    entries.push({ functionName: 'f', requestId: `req-${i}`, startTime: formatCst(start), retCode: 0, retMsg: '"ok"', invokeFinished: 1, duration: 3, billDuration: 3, memUsage: 1e6, log: 'x', retryNum: 0 });
  }
  // CLS answers once, then refuses (the topic isolated); GetFunctionLogs has the same three requests, and is slow.
  let clsCalls = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let otherCalls = 0;
  const clients = {
    cls: {
      async searchLog(req: SearchLogRequest): Promise<SearchLogResult> {
        if (++clsCalls > 1) throw new ScfError('OperationDenied.AccountIsolate', 'topic isolated');
        return { records: records.filter((r) => r.time >= req.from && r.time < req.to), context: '', listOver: true, apiRequestId: 'x' };
      },
    },
    scf: {
      legacy: false,
      async getFunctionLogs(req: { namespace: string }) {
        // Another function's source fails once, while the fallback of this one is slow.
        if (req.namespace === 'other') {
          if (++otherCalls === 3) throw new ScfError('InternalError', 'a passing failure');
          return { totalCount: 0, entries: [], apiRequestId: 'z' };
        }
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 50));
        inFlight--;
        return { totalCount: entries.length, entries, apiRequestId: 'y' };
      },
    },
  } as unknown as Clients;
  const printed: string[] = [];
  const poll = tails(
    clients,
    { cls: [{ topicId: 't', functions: [{ namespace: 'default', functionNames: ['f'] }] }], scf: [{ functionName: 'f', namespace: 'other' }] },
    { fromMs: base, clock: { now: () => Date.now(), sleep: async () => undefined }, onRequest: (r) => printed.push(`${r.namespace}/${r.requestId}`) },
    () => undefined,
  );
  let failures = 0;
  for (let i = 0; i < 5; i++) await poll().catch(() => failures++);
  assert.equal(failures, 1);
  assert.deepEqual(printed.filter((p) => p.startsWith('default/')).sort(), ['default/req-0', 'default/req-1', 'default/req-2'], 'the CLS requests once, not again from the fallback');
  assert.equal(maxInFlight, 1, 'a poll ends only when every source has: none runs into the next');
});

test('log lines shown to people are stripped of terminal control sequences; --json keeps them, escaped', () => {
  const request = { ...requestFromEntry({ functionName: 'f', requestId: 'r', startTime: '2026-11-23 10:00:00', retCode: 0, retMsg: '"ok"', invokeFinished: 1, duration: 1, billDuration: 1, memUsage: 1, log: 'a\u001b]0;pwned\u0007\u001b[2Jb', retryNum: 0 }, 'default') };
  const shown = formatRequest(request);
  assert.ok(!shown.includes('\u001b'), shown);
  assert.match(shown, /\nab\n$/);
  assert.ok(JSON.parse(requestJson(request)).log.includes('\u001b]0;pwned'));
});

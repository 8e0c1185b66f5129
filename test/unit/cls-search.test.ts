// SearchLog over the emulator's topics: the reply envelope, paging with Context (and its cap, expiry and ties to
// the search), Offset, Sort, Limit, the [From, To) range, the index delay, the size cap, the errors, the gate.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ApiFault } from '../../lib/emulator/api-fault';
import { ClsStore, type TopicLog } from '../../lib/emulator/cls/topics';
import { searchLog, TopicSearchGate, type Params, type SearchLogReply } from '../../lib/emulator/cls/search';
import { InvocationLog } from '../../lib/emulator/cls/records';
import type { ClsRecord } from '../../lib/cloud/types';

const T0 = Date.UTC(2026, 10, 23, 8);

/** A store on a clock the test moves, with one topic. */
function setup(options: { indexDelayMs?: number; capacity?: number } = {}) {
  const clock = { t: T0 };
  const store = new ClsStore({ now: () => clock.t, indexDelayMs: options.indexDelayMs });
  const logset = store.createLogset('test-logset');
  const topic = store.createTopic({ logsetId: logset.logsetId, topicName: 'test-topic', capacity: options.capacity });
  return { clock, store, topic };
}

/** A plain record at `time` whose message is `msg`. */
const rec = (time: number, msg: string): ClsRecord => ({ time, fields: Object.assign(Object.create(null), { SCF_Message: msg, SCF_StatusCode: '200' }), pkgId: 'P', pkgLogId: String(time) });

/** `count` records one ms apart from T0, message `m<i>`. */
function fill(store: ClsStore, topic: TopicLog, count: number): void {
  store.append(topic.info.topicId, Array.from({ length: count }, (_, i) => rec(T0 + i, `m${i}`)));
}

const messages = (reply: SearchLogReply) => reply.Results.map((r) => JSON.parse(r.LogJson).SCF_Message as string);

function faultCode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiFault) return err.code;
    throw err;
  }
  assert.fail('expected an ApiFault');
}

test('the reply envelope is the real one, every record a LogInfo with its fields as JSON strings', () => {
  const { store, topic } = setup();
  const log = new InvocationLog({ functionName: 'f', namespace: 'default', qualifier: '$LATEST', alias: '', requestId: 'r-1', retryNum: 0, startMs: T0 });
  store.append(topic.info.topicId, [log.start(), ...log.end({ statusCode: 200, retMsg: '1', durationMs: 3, memUsageBytes: 0, memorySize: 128 })]);
  const reply = searchLog({ TopicId: topic.info.topicId, From: T0, To: T0 + 10, QueryString: 'SCF_Message:START' }, store, T0 + 10);
  assert.deepEqual(Object.keys(reply).sort(), ['Analysis', 'AnalysisRecords', 'AnalysisResults', 'ColNames', 'Columns', 'Context', 'ListOver', 'Results', 'SamplingRate', 'Topics']);
  assert.equal(reply.Analysis, false);
  assert.deepEqual(reply.ColNames, []);
  assert.deepEqual(reply.AnalysisResults, []);
  assert.equal(reply.AnalysisRecords, null);
  assert.equal(reply.Columns, null);
  assert.equal(reply.Topics, null);
  assert.equal(reply.ListOver, true);
  assert.equal(typeof reply.Context, 'string');
  assert.equal(reply.Results.length, 1);
  const [info] = reply.Results;
  assert.equal(info.Time, T0);
  assert.equal(info.TopicId, topic.info.topicId);
  assert.equal(info.TopicName, 'test-topic');
  assert.deepEqual(info.HighLights, []);
  assert.match(info.PkgId, /^[0-9A-F]{16}-[0-9A-F]+$/);
  assert.equal(info.PkgLogId, '65536');
  const fields = JSON.parse(info.LogJson);
  assert.equal(fields.SCF_Message, 'START RequestId:r-1');
  assert.equal(Object.keys(fields).length, 14);
  assert.ok(Object.values(fields).every((v) => typeof v === 'string'));
  assert.match(topic.info.topicId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.match(store.scfTopic().info.topicName, /^SCF_logtopic_/);
  assert.equal(store.scfTopic(), store.scfTopic());
});

test('Context pages through many pages, in order, without repeats, up to ListOver; Sort both ways', () => {
  const { store, topic } = setup();
  fill(store, topic, 2450);
  for (const sort of ['asc', 'desc'] as const) {
    const params: Params = { TopicId: topic.info.topicId, From: T0, To: T0 + 100_000, Query: '*', SyntaxRule: 1, Limit: 100, Sort: sort };
    const seen: string[] = [];
    let reply = searchLog(params, store, T0 + 100_000);
    let pages = 1;
    seen.push(...messages(reply));
    while (!reply.ListOver) {
      reply = searchLog({ ...params, Context: reply.Context }, store, T0 + 100_000);
      seen.push(...messages(reply));
      pages++;
    }
    assert.equal(pages, 25);
    const expected = Array.from({ length: 2450 }, (_, i) => `m${i}`);
    assert.deepEqual(seen, sort === 'asc' ? expected : expected.reverse(), sort);
  }
  // default: desc
  const first = searchLog({ TopicId: topic.info.topicId, From: T0, To: T0 + 100_000, Limit: 2 }, store, T0 + 100_000);
  assert.deepEqual(messages(first), ['m2449', 'm2448']);
  // the same Context twice gives the same page
  const again = { TopicId: topic.info.topicId, From: T0, To: T0 + 100_000, Limit: 2, Context: first.Context };
  assert.deepEqual(messages(searchLog(again, store, T0 + 100_000)), ['m2447', 'm2446']);
  assert.deepEqual(messages(searchLog(again, store, T0 + 100_000)), ['m2447', 'm2446']);
});

test('one Context chain reaches 10,000 records, then its Context is refused; Offset reaches past it', () => {
  const { store, topic } = setup({ capacity: 20_000 });
  fill(store, topic, 10_500);
  const params: Params = { TopicId: topic.info.topicId, From: T0, To: T0 + 100_000, Limit: 1000, Sort: 'asc' };
  let reply = searchLog(params, store, T0 + 100_000);
  let total = reply.Results.length;
  for (let page = 2; page <= 10; page++) {
    reply = searchLog({ ...params, Context: reply.Context }, store, T0 + 100_000);
    total += reply.Results.length;
  }
  assert.equal(total, 10_000);
  assert.equal(reply.ListOver, false, 'more records match: the plugin must not think it has them all');
  assert.equal(faultCode(() => searchLog({ ...params, Context: reply.Context }, store, T0 + 100_000)), 'FailedOperation.InvalidContext');
  // a chain whose pages do not divide 10,000 stops at exactly 10,000 too
  let odd = searchLog({ ...params, Limit: 300 }, store, T0 + 100_000);
  let oddTotal = odd.Results.length;
  while (oddTotal < 10_000) {
    odd = searchLog({ ...params, Limit: 300, Context: odd.Context }, store, T0 + 100_000);
    oddTotal += odd.Results.length;
  }
  assert.equal(oddTotal, 10_000);
  assert.equal(odd.Results.length, 100);
  // Offset has no total cap
  const tail = searchLog({ ...params, Offset: 10_000 }, store, T0 + 100_000);
  assert.equal(tail.Results.length, 500);
  assert.equal(messages(tail)[0], 'm10000');
  assert.equal(tail.ListOver, true);
  assert.deepEqual(messages(searchLog({ ...params, Offset: 3, Limit: 2 }, store, T0 + 100_000)), ['m3', 'm4']);
});

test('a Context expires an hour after it was issued', () => {
  const { store, topic } = setup();
  fill(store, topic, 10);
  const params: Params = { TopicId: topic.info.topicId, From: T0, To: T0 + 1000, Limit: 3 };
  const issuedAt = T0 + 1000;
  const { Context } = searchLog(params, store, issuedAt);
  assert.equal(searchLog({ ...params, Context }, store, issuedAt + 3600_000 - 1).Results.length, 3);
  assert.equal(faultCode(() => searchLog({ ...params, Context }, store, issuedAt + 3600_000)), 'FailedOperation.InvalidContext');
  // and a made-up one never existed
  assert.equal(faultCode(() => searchLog({ ...params, Context: 'Y29udGV4dC1ub3BlMQ==' }, store, issuedAt)), 'FailedOperation.InvalidContext');
});

test('a Context passed with any other parameter changed is refused', () => {
  const { store, topic } = setup();
  fill(store, topic, 10);
  const params: Params = { TopicId: topic.info.topicId, From: T0, To: T0 + 1000, QueryString: 'm1 OR m2 OR m3', Limit: 1, Sort: 'asc' };
  const { Context } = searchLog(params, store, T0 + 1000);
  assert.deepEqual(messages(searchLog({ ...params, Context }, store, T0 + 1000)), ['m2']);
  const changes: Params[] = [
    { QueryString: 'm1 OR m2' },
    { QuerySyntax: 0 },
    { Limit: 2 },
    { Sort: 'desc' },
    { From: T0 + 1 },
    { To: T0 + 999 },
    { HighLight: true },
  ];
  for (const change of changes) {
    assert.equal(faultCode(() => searchLog({ ...params, ...change, Context }, store, T0 + 1000)), 'FailedOperation.InvalidContext', JSON.stringify(change));
  }
  // another topic does not know it either
  const second = store.createTopic({ logsetId: topic.info.logsetId, topicName: 'second' });
  assert.equal(faultCode(() => searchLog({ ...params, TopicId: second.info.topicId, Context }, store, T0 + 1000)), 'FailedOperation.InvalidContext');
  assert.equal(faultCode(() => searchLog({ ...params, Offset: 0, Context }, store, T0 + 1000)), 'InvalidParameter');
});

test('Limit: 100 by default, 1 to 1000', () => {
  const { store, topic } = setup();
  fill(store, topic, 1500);
  const base: Params = { TopicId: topic.info.topicId, From: T0, To: T0 + 10_000 };
  assert.equal(searchLog(base, store, T0 + 10_000).Results.length, 100);
  assert.equal(searchLog({ ...base, Limit: 1000 }, store, T0 + 10_000).Results.length, 1000);
  assert.equal(searchLog({ ...base, Limit: '7' }, store, T0 + 10_000).Results.length, 7, 'a form or query string gives digits');
  for (const Limit of [0, 1001, -1, 2.5, 'ten', true]) assert.equal(faultCode(() => searchLog({ ...base, Limit }, store, T0 + 10_000)), 'InvalidParameter', String(Limit));
});

test('the range is [From, To) in ms; From and To are required and ordered', () => {
  const { store, topic } = setup();
  fill(store, topic, 10);
  const base: Params = { TopicId: topic.info.topicId, Sort: 'asc' };
  assert.deepEqual(messages(searchLog({ ...base, From: T0 + 2, To: T0 + 5 }, store, T0 + 10)), ['m2', 'm3', 'm4']);
  assert.equal(faultCode(() => searchLog({ ...base, To: T0 }, store, T0)), 'MissingParameter');
  assert.equal(faultCode(() => searchLog({ ...base, From: T0 }, store, T0)), 'MissingParameter');
  assert.equal(faultCode(() => searchLog({ ...base, From: T0 + 5, To: T0 + 5 }, store, T0)), 'InvalidParameter');
  assert.equal(faultCode(() => searchLog({ ...base, From: T0 + 6, To: T0 + 5 }, store, T0)), 'InvalidParameter');
  assert.equal(faultCode(() => searchLog({ ...base, From: 'yesterday', To: T0 + 5 }, store, T0)), 'InvalidParameter');
});

test('which syntax: Query alone is Lucene, QueryString alone CQL, SyntaxRule/QuerySyntax say otherwise; never both pairs', () => {
  const { store, topic } = setup();
  store.append(topic.info.topicId, [rec(T0, 'alpha beta'), rec(T0 + 1, 'alpha'), rec(T0 + 2, 'beta')]);
  const base: Params = { TopicId: topic.info.topicId, From: T0, To: T0 + 10 };
  const count = (p: Params) => searchLog({ ...base, ...p }, store, T0 + 10).Results.length;
  assert.equal(count({ Query: 'alpha beta' }), 3, 'Lucene: OR');
  assert.equal(count({ Query: 'alpha beta', SyntaxRule: 1 }), 1, 'CQL: AND');
  assert.equal(count({ QueryString: 'alpha beta' }), 1, 'CQL: AND');
  assert.equal(count({ QueryString: 'alpha beta', QuerySyntax: 0 }), 3, 'Lucene: OR');
  assert.equal(count({ QueryString: 'alpha and beta', QuerySyntax: 1 }), 1);
  assert.equal(count({ Query: '' }), 3);
  assert.equal(count({}), 3);
  assert.equal(faultCode(() => count({ Query: 'a', QueryString: 'a' })), 'InvalidParameter');
  assert.equal(faultCode(() => count({ Query: 'a', QuerySyntax: 1 })), 'InvalidParameter');
  assert.equal(faultCode(() => count({ SyntaxRule: 2 })), 'InvalidParameter');
  assert.equal(faultCode(() => count({ QueryString: '* | select count(*)' })), 'FailedOperation.SyntaxError');
  assert.equal(faultCode(() => count({ QueryString: '(alpha' })), 'FailedOperation.SyntaxError');
  assert.equal(faultCode(() => count({ QueryString: 'SCF_Message:>=3' })), 'FailedOperation.SyntaxError');
  assert.equal(faultCode(() => count({ QueryString: 'x'.repeat(12_001) })), 'InvalidParameter');
});

test('the request itself: topic, multi-topic, unknown parameters, Sort, Offset with Context', () => {
  const { store, topic } = setup();
  const base: Params = { TopicId: topic.info.topicId, From: T0, To: T0 + 10 };
  assert.equal(faultCode(() => searchLog({ ...base, TopicId: 'no-such-topic' }, store, T0)), 'ResourceNotFound.TopicNotExist');
  assert.equal(faultCode(() => searchLog({ From: T0, To: T0 + 10 }, store, T0)), 'MissingParameter');
  assert.equal(faultCode(() => searchLog({ From: T0, To: T0 + 10, Topics: [{ TopicId: topic.info.topicId }] }, store, T0)), 'InvalidParameter');
  assert.throws(() => searchLog({ ...base, Topics: [{ TopicId: topic.info.topicId }] }, store, T0), /cannot be used together/);
  assert.throws(() => searchLog({ From: T0, To: T0 + 10, Topics: [] }, store, T0), /not supported by the emulator/);
  assert.equal(faultCode(() => searchLog({ ...base, Querry: 'typo' }, store, T0)), 'UnknownParameter');
  assert.equal(searchLog({ ...base, Region: 'ap-guangzhou', Action: 'SearchLog' }, store, T0).Results.length, 0);
  assert.equal(faultCode(() => searchLog({ ...base, Sort: 'DESC' }, store, T0)), 'InvalidParameter');
  assert.equal(faultCode(() => searchLog({ ...base, TopicId: 42 }, store, T0)), 'InvalidParameter');
  assert.equal(faultCode(() => searchLog({ ...base, HighLight: 'yes' }, store, T0)), 'InvalidParameter');
  assert.equal(faultCode(() => searchLog({ ...base, SamplingRate: 2 }, store, T0)), 'InvalidParameter');
  const { Context } = searchLog(base, store, T0);
  assert.equal(faultCode(() => searchLog({ ...base, Context, Offset: 5 }, store, T0)), 'InvalidParameter');
});

test('records become searchable only indexDelayMs after they were written; a chain does not go back for late ones', () => {
  const { clock, store, topic } = setup({ indexDelayMs: 2000 });
  const base: Params = { TopicId: topic.info.topicId, From: T0, To: T0 + 60_000, Sort: 'asc', Limit: 2 };
  clock.t = T0 + 100;
  store.append(topic.info.topicId, [rec(T0 + 1, 'm1'), rec(T0 + 2, 'm2'), rec(T0 + 3, 'm3')]);
  assert.equal(searchLog(base, store, T0 + 2099).Results.length, 0);
  const page1 = searchLog(base, store, T0 + 2100);
  assert.deepEqual(messages(page1), ['m1', 'm2']);
  // a record stamped before the chain's position arrives late: the chain goes on past it, a new search finds it
  clock.t = T0 + 3000;
  store.append(topic.info.topicId, rec(T0 + 1, 'late'));
  store.append(topic.info.topicId, rec(T0 + 4, 'm4'));
  assert.deepEqual(messages(searchLog({ ...base, Context: page1.Context }, store, T0 + 4999)), ['m3']);
  assert.deepEqual(messages(searchLog({ ...base, Context: page1.Context }, store, T0 + 5000)), ['m3', 'm4']);
  assert.deepEqual(messages(searchLog({ ...base, Limit: 10 }, store, T0 + 5000)), ['m1', 'late', 'm2', 'm3', 'm4']);
});

test('a topic keeps its newest records up to its capacity, sorted even when they arrive out of order', () => {
  const { store, topic } = setup({ capacity: 100 });
  const times = Array.from({ length: 150 }, (_, i) => T0 + ((i * 37) % 150));
  for (const t of times) store.append(topic.info.topicId, rec(t, `at${t - T0}`));
  assert.equal(topic.size, 100);
  const reply = searchLog({ TopicId: topic.info.topicId, From: T0, To: T0 + 1000, Sort: 'asc', Limit: 1000 }, store, T0 + 1000);
  const kept = reply.Results.map((r) => r.Time);
  assert.deepEqual(kept, [...kept].sort((a, b) => a - b));
  assert.equal(kept.length, 100);
  // many more than the capacity, in order: the newest stay
  fill(store, topic, 5000);
  const newest = searchLog({ TopicId: topic.info.topicId, From: T0, To: T0 + 10_000, Limit: 1 }, store, T0 + 10_000);
  assert.deepEqual(messages(newest), ['m4999']);
  assert.equal(topic.size, 100);
});

test('a page over the size cap is LimitExceeded.SearchResultTooLarge; a smaller page of the same search is fine', () => {
  const { store, topic } = setup();
  store.append(topic.info.topicId, Array.from({ length: 50 }, (_, i) => rec(T0 + i, 'x'.repeat(1000))));
  const params: Params = { TopicId: topic.info.topicId, From: T0, To: T0 + 100 };
  assert.equal(faultCode(() => searchLog(params, store, T0 + 100, { maxResultBytes: 20_000 })), 'LimitExceeded.SearchResultTooLarge');
  assert.equal(searchLog({ ...params, Limit: 5 }, store, T0 + 100, { maxResultBytes: 20_000 }).Results.length, 5);
  assert.equal(searchLog(params, store, T0 + 100).Results.length, 50);
});

test('the gate lets 15 searches run at once on a topic; the 16th is LimitExceeded.LogSearch', () => {
  const gate = new TopicSearchGate();
  const releases = Array.from({ length: 15 }, () => gate.acquire('topic-a'));
  assert.equal(faultCode(() => gate.acquire('topic-a')), 'LimitExceeded.LogSearch');
  const other = gate.acquire('topic-b');
  releases[0]();
  releases[0](); // releasing twice frees one slot only
  const again = gate.acquire('topic-a');
  assert.equal(faultCode(() => gate.acquire('topic-a')), 'LimitExceeded.LogSearch');
  for (const release of [...releases, again, other]) release();
  assert.equal(gate.inFlightOn('topic-a'), 0);
});

// The status board: waits of many functions read from namespace listings, in virtual time (test/virtual-clock.ts).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { FunctionSummary } from '../../lib/cloud/types';
import { waitUntilCreated, waitUntilGone } from '../../lib/deploy/wait';
import { type NamespaceListing, StatusBoard } from '../../lib/poll/status-board';
import { VirtualClock } from '../virtual-clock';

const RTT = 20;

/** A namespace whose functions change status at set times; listings as SCF pages them (20 a page). */
class FakeNamespace {
  readonly listings: number[] = [];
  readonly gets: string[] = [];
  /** name → [status, from ms][] (the last entry whose time has come counts; 'gone' removes it). */
  readonly timelines = new Map<string, Array<[string, number]>>();

  constructor(private readonly clock: VirtualClock) {}

  statusAt(name: string, at: number): string | undefined {
    const line = this.timelines.get(name) ?? [];
    const current = line.filter(([, from]) => from <= at).pop();
    return current && current[0] !== 'gone' ? current[0] : undefined;
  }

  private summary(name: string, status: string): FunctionSummary {
    return { functionName: name, namespace: 'ns', status, runtime: 'Nodejs18.15', description: '', tags: {}, addTime: '', modTime: '' };
  }

  /** `shiftAfterFirstPage`: a function deleted between the first page and the others (positions move up). */
  async listFunctionsListing(namespace: string, shiftAfterFirstPage = this.shift): Promise<NamespaceListing> {
    assert.equal(namespace, 'ns');
    const at = this.clock.now();
    this.listings.push(at);
    await this.clock.sleep(RTT);
    const names = [...this.timelines.keys()].filter((n) => this.statusAt(n, at) !== undefined);
    const functions = new Map<string, FunctionSummary>();
    // Page 1 as it was; page 2 after one of page 1 went: its first entry slides onto page 1 and is missed.
    const later = shiftAfterFirstPage ? names.slice(1) : names;
    for (const n of names.slice(0, 20)) functions.set(n, this.summary(n, this.statusAt(n, at)!));
    for (const n of later.slice(20)) functions.set(n, this.summary(n, this.statusAt(n, at)!));
    const whole = !shiftAfterFirstPage && functions.size === names.length;
    return { functions, whole };
  }

  shift = false;

  async getFunction(target: { functionName: string }) {
    this.gets.push(target.functionName);
    const status = this.statusAt(target.functionName, this.clock.now());
    return status ? ({ functionName: target.functionName, namespace: 'ns', status, statusDesc: 'broken', statusReasons: [{ errorCode: 'E', errorMessage: 'the image is bad' }] } as any) : undefined;
  }
}

test('50 creations in one namespace are seen Active from listings, none by GetFunction, each soon after its transition ends', async () => {
  const clock = new VirtualClock();
  const ns = new FakeNamespace(clock);
  const start = clock.now();
  for (let i = 0; i < 50; i++) ns.timelines.set(`f${i}`, [['Creating', start + i * 10], ['Active', start + i * 10 + 300]]);
  const board = new StatusBoard(ns, clock);
  const seen = new Map<string, number>();
  const waits = [...ns.timelines.keys()].map(async (name, i) => {
    await clock.sleep(i * 10 + 5);
    await waitUntilCreated(ns, { functionName: name, namespace: 'ns' }, { timeoutMs: 60_000, clock, board });
    seen.set(name, clock.now());
  });
  await clock.run(Promise.all(waits));
  assert.equal(ns.gets.length, 0);
  for (const [name, at] of seen) {
    const activeAt = ns.timelines.get(name)![1][1];
    assert.ok(at >= activeAt, `${name} seen Active before it was`);
    assert.ok(at - activeAt <= 100 + 2 * RTT, `${name} seen ${at - activeAt} ms after it was Active`);
  }
  // One listing at a time, a gap between them: far fewer than the GetFunction polls 50 waits would take.
  assert.ok(ns.listings.length < 20, `${ns.listings.length} listings`);
  for (let i = 1; i < ns.listings.length; i++) assert.ok(ns.listings[i] - ns.listings[i - 1] >= RTT, 'listings overlap');
});

test('a listing begun before the change was acknowledged says nothing of it', async () => {
  const clock = new VirtualClock();
  const ns = new FakeNamespace(clock);
  const start = clock.now();
  // Active (an older incarnation) until 130 ms, Creating from then; the wait begins at 135, while the listing
  // begun at 120 (which saw it Active) is still in flight.
  ns.timelines.set('old', [['Active', start - 1000], ['Creating', start + 130], ['Active', start + 500]]);
  ns.timelines.set('other', [['Creating', start], ['Active', start + 2000]]);
  const board = new StatusBoard(ns, clock);
  let seenAt = 0;
  const other = waitUntilCreated(ns, { functionName: 'other', namespace: 'ns' }, { timeoutMs: 60_000, clock, board });
  const late = (async () => {
    await clock.sleep(135);
    assert.ok(ns.listings.includes(start + 120), `listings at ${ns.listings.map((t) => t - start)}`);
    await waitUntilCreated(ns, { functionName: 'old', namespace: 'ns' }, { timeoutMs: 60_000, clock, board });
    seenAt = clock.now();
  })();
  await clock.run(Promise.all([other, late]));
  assert.ok(seenAt >= start + 500, `seen Active at +${seenAt - start} ms, from a listing older than the change`);
});

test('a failed creation ends the wait with SCF reasons, read once with GetFunction', async () => {
  const clock = new VirtualClock();
  const ns = new FakeNamespace(clock);
  ns.timelines.set('bad', [['Creating', clock.now()], ['CreateFailed', clock.now() + 300]]);
  const board = new StatusBoard(ns, clock);
  await assert.rejects(clock.run(waitUntilCreated(ns, { functionName: 'bad', namespace: 'ns' }, { timeoutMs: 60_000, clock, board })), /bad is CreateFailed after CreateFunction: E: the image is bad/);
  assert.deepEqual(ns.gets, ['bad']);
});

test('gone only from a whole listing: a deletion between two pages does not make a function that is there look gone', async () => {
  const clock = new VirtualClock();
  const ns = new FakeNamespace(clock);
  const start = clock.now();
  for (let i = 0; i < 30; i++) ns.timelines.set(`f${String(i).padStart(2, '0')}`, [['Active', start - 10_000]]);
  // f20 (first of page 2) stays for a long time; while pages shift, it is missing from the pages.
  ns.timelines.set('f20', [['Active', start - 10_000], ['Deleting', start], ['gone', start + 5000]]);
  ns.shift = true;
  const board = new StatusBoard(ns, clock);
  let goneAt = 0;
  const wait = waitUntilGone(ns, { functionName: 'f20', namespace: 'ns' }, { timeoutMs: 60_000, clock, board }).then(() => (goneAt = clock.now()));
  const unshift = clock.sleep(2000).then(() => (ns.shift = false));
  await clock.run(Promise.all([wait, unshift]));
  assert.ok(goneAt >= start + 5000, `taken for gone at +${goneAt - start} ms, while it was still there`);
});

test('a wait past its deadline ends with the timeout; the others go on', async () => {
  const clock = new VirtualClock();
  const ns = new FakeNamespace(clock);
  ns.timelines.set('slow', [['Creating', clock.now()]]);
  ns.timelines.set('quick', [['Creating', clock.now()], ['Active', clock.now() + 3000]]);
  const board = new StatusBoard(ns, clock);
  const slow = waitUntilCreated(ns, { functionName: 'slow', namespace: 'ns' }, { timeoutMs: 1000, clock, board });
  const quick = waitUntilCreated(ns, { functionName: 'quick', namespace: 'ns' }, { timeoutMs: 60_000, clock, board });
  const results = await clock.run(Promise.allSettled([slow, quick]));
  assert.equal(results[0].status, 'rejected');
  assert.match(String((results[0] as PromiseRejectedResult).reason.message), /slow was still Creating after 1 s waiting for it to be Active/);
  assert.equal(results[1].status, 'fulfilled');
});

test('a listing that fails ends every wait on the namespace with its error', async () => {
  const clock = new VirtualClock();
  const board = new StatusBoard({ listFunctionsListing: async () => Promise.reject(new Error('InternalError: try later')) }, clock);
  const target = (functionName: string) => ({ functionName, namespace: 'ns' });
  const client = { getFunction: async () => undefined };
  const results = await clock.run(Promise.allSettled([waitUntilCreated(client, target('a'), { timeoutMs: 60_000, clock, board }), waitUntilGone(client, target('b'), { timeoutMs: 60_000, clock, board })]));
  assert.deepEqual(
    results.map((r) => r.status === 'rejected' && r.reason.message),
    ['InternalError: try later', 'InternalError: try later'],
  );
});

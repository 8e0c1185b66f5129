// SearchLog's `Context`: an opaque value naming a cursor held here, as CLS holds its own (a real one reads
// `context-<uuid><issue ms>` once base64-decoded; ours has the same shape). A cursor remembers the search it
// belongs to (a fingerprint of every other parameter), where its page ended, how many records the chain has
// served, and when it was issued: it expires an hour later. Cursors are never changed, so passing the same
// Context twice gives the same page. Bounded: expired ones are pruned, and past `capacity` the oldest go.
import { randomUUID } from 'node:crypto';
import type { RecordKey } from './topics';

export interface SearchCursor {
  fingerprint: string;
  /** The last record served, or none yet. */
  after?: RecordKey;
  /** Records served through the chain so far. */
  served: number;
  /** Epoch ms. */
  issuedAt: number;
}

export type CursorLookup = { cursor: SearchCursor } | { problem: 'unknown' | 'expired' };

export class CursorBook {
  private readonly cursors = new Map<string, SearchCursor>();

  constructor(private readonly capacity = 100_000) {}

  issue(cursor: SearchCursor, ttlMs: number): string {
    this.prune(cursor.issuedAt, ttlMs);
    const id = `context-${randomUUID()}${cursor.issuedAt}`;
    this.cursors.set(id, cursor);
    while (this.cursors.size > this.capacity) this.cursors.delete(this.cursors.keys().next().value!);
    return Buffer.from(id).toString('base64');
  }

  lookup(context: string, now: number, ttlMs: number): CursorLookup {
    const id = Buffer.from(context, 'base64').toString('latin1');
    const cursor = this.cursors.get(id);
    // The issue time is in the value itself: an expired cursor is told apart from a made-up one even once pruned.
    const issuedAt = /^context-[0-9a-f-]{36}(\d+)$/.exec(id)?.[1];
    if (issuedAt !== undefined && now - Number(issuedAt) >= ttlMs) return { problem: 'expired' };
    return cursor ? { cursor } : { problem: 'unknown' };
  }

  get size(): number {
    return this.cursors.size;
  }

  /** Drops expired cursors from the oldest on (they are kept in issue order). */
  private prune(now: number, ttlMs: number): void {
    for (const [id, cursor] of this.cursors) {
      if (now - cursor.issuedAt < ttlMs) return;
      this.cursors.delete(id);
    }
  }
}

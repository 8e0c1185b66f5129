// The emulator's CLS account: logsets, topics and each topic's records. A topic keeps its records sorted by
// time (arrival order among equal times), so a time range is two binary searches away; records arrive roughly
// in time order, a late one is inserted where it belongs. Bounded: past `capacity` records, or past
// `capacityBytes` of their text, the oldest go.
// Eventually consistent, like CLS: a record becomes searchable only `indexDelayMs` after it was written.
import { randomBytes, randomUUID } from 'node:crypto';
import type { ClsRecord } from '../../cloud/types';
import { CursorBook } from './cursors';
import { LogDocument, SCF_FIELD_TYPES, type FieldType } from './query';

export interface Logset {
  logsetId: string;
  logsetName: string;
  /** Epoch ms. */
  createTime: number;
}

export interface TopicInfo {
  topicId: string;
  topicName: string;
  logsetId: string;
  /** Epoch ms. */
  createTime: number;
  /** Retention in days, as CLS reports it (SCF's default topics keep 7). */
  period: number;
  /** A record is searchable this long after it was written. */
  indexDelayMs: number;
  /** Records kept; the oldest go first. */
  capacity: number;
  /** Characters of record text kept (field names and values); the oldest go first. */
  capacityBytes: number;
  /** The key-value index: which fields are long or double (the rest are text). */
  fieldTypes: ReadonlyMap<string, FieldType>;
}

/** A record's place in its topic's order: time, then arrival. */
export interface RecordKey {
  time: number;
  seq: number;
}

/** The text a record holds, in characters (about its bytes), with a little for the record itself. */
export function recordSize(record: ClsRecord): number {
  let size = 64;
  for (const key of Object.keys(record.fields)) size += key.length + String(record.fields[key]).length + 16;
  return size;
}

export class StoredRecord implements RecordKey {
  private document?: LogDocument;
  readonly size: number;

  constructor(
    readonly record: ClsRecord,
    readonly seq: number,
    /** Epoch ms from which searches see it. */
    readonly searchableAt: number,
  ) {
    this.size = recordSize(record);
  }

  get time(): number {
    return this.record.time;
  }

  /** Its fields with their tokens, cut on first use and kept. */
  doc(): LogDocument {
    return (this.document ??= new LogDocument(this.record.fields));
  }
}

const before = (a: RecordKey, b: RecordKey) => a.time < b.time || (a.time === b.time && a.seq < b.seq);

export class TopicLog {
  /** Sorted by key; entries before `head` are dropped ones awaiting compaction. */
  private entries: StoredRecord[] = [];
  private head = 0;
  private nextSeq = 0;
  private held = 0;

  constructor(readonly info: TopicInfo) {}

  get size(): number {
    return this.entries.length - this.head;
  }

  /** Characters of record text kept. */
  get bytes(): number {
    return this.held;
  }

  append(record: ClsRecord, now: number): StoredRecord {
    const stored = new StoredRecord(record, this.nextSeq++, now + this.info.indexDelayMs);
    const last = this.entries[this.entries.length - 1];
    if (this.size === 0 || !before(stored, last)) {
      this.entries.push(stored);
    } else {
      this.entries.splice(this.firstAtOrAfter(stored), 0, stored);
    }
    this.held += stored.size;
    // Dropped entries are cleared at once (their memory goes now) and cut off at the next compaction.
    while (this.size > this.info.capacity || (this.held > this.info.capacityBytes && this.size > 1)) {
      this.held -= this.entries[this.head].size;
      this.entries[this.head++] = undefined as unknown as StoredRecord;
    }
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    return stored;
  }

  /**
   * The records with `from <= time < to`, ascending or descending, starting strictly after `after` (in the
   * direction of the scan) when given. Written but not yet searchable records are included: the caller decides.
   */
  *scan(from: number, to: number, order: 'asc' | 'desc', after?: RecordKey): Generator<StoredRecord> {
    if (order === 'asc') {
      let i = this.firstAtOrAfter({ time: from, seq: -Infinity });
      if (after) i = Math.max(i, this.firstAtOrAfter({ time: after.time, seq: after.seq + 1 }));
      for (; i < this.entries.length && this.entries[i].time < to; i++) yield this.entries[i];
    } else {
      let i = this.firstAtOrAfter({ time: to, seq: -Infinity }) - 1;
      if (after) i = Math.min(i, this.firstAtOrAfter(after) - 1);
      for (; i >= this.head && this.entries[i].time >= from; i--) yield this.entries[i];
    }
  }

  /** Index of the first kept entry whose key is not before `key`. */
  private firstAtOrAfter(key: RecordKey): number {
    let lo = this.head;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.entries[mid], key)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export interface ClsStoreOptions {
  /** The clock appends are stamped with (searches take theirs as an argument). */
  now?: () => number;
  /** Default for new topics. */
  indexDelayMs?: number;
  /** Default records kept per topic. */
  recordsPerTopic?: number;
  /** Default characters of record text kept per topic (default 32 MB). */
  bytesPerTopic?: number;
  /** Told of every record appended (a state directory keeps them). */
  onAppend?: (topicId: string, records: ClsRecord[]) => void;
}

/** Characters of record text a topic keeps, by default. */
export const TOPIC_BYTES = 32 * 1024 * 1024;

export interface NewTopic {
  logsetId: string;
  topicName: string;
  indexDelayMs?: number;
  capacity?: number;
  capacityBytes?: number;
  period?: number;
  fieldTypes?: ReadonlyMap<string, FieldType>;
}

export class ClsStore {
  readonly logsets = new Map<string, Logset>();
  readonly topics = new Map<string, TopicLog>();
  /** SearchLog's paging cursors (Context). */
  readonly cursors = new CursorBook();
  private readonly now: () => number;
  private readonly indexDelayMs: number;
  private readonly recordsPerTopic: number;
  private readonly bytesPerTopic: number;
  private readonly onAppend?: (topicId: string, records: ClsRecord[]) => void;
  private scfDefault?: TopicLog;

  constructor(options: ClsStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.indexDelayMs = options.indexDelayMs ?? 0;
    this.recordsPerTopic = options.recordsPerTopic ?? 50_000;
    this.bytesPerTopic = options.bytesPerTopic ?? TOPIC_BYTES;
    this.onAppend = options.onAppend;
  }

  createLogset(logsetName: string): Logset {
    const logset: Logset = { logsetId: randomUUID(), logsetName, createTime: this.now() };
    this.logsets.set(logset.logsetId, logset);
    return logset;
  }

  createTopic(spec: NewTopic): TopicLog {
    if (!this.logsets.has(spec.logsetId)) throw new Error(`No logset ${spec.logsetId}.`);
    const topic = new TopicLog({
      topicId: randomUUID(),
      topicName: spec.topicName,
      logsetId: spec.logsetId,
      createTime: this.now(),
      period: spec.period ?? 7,
      indexDelayMs: spec.indexDelayMs ?? this.indexDelayMs,
      capacity: spec.capacity ?? this.recordsPerTopic,
      capacityBytes: spec.capacityBytes ?? this.bytesPerTopic,
      fieldTypes: spec.fieldTypes ?? SCF_FIELD_TYPES,
    });
    this.topics.set(topic.info.topicId, topic);
    return topic;
  }

  topic(topicId: string): TopicLog | undefined {
    return this.topics.get(topicId);
  }

  /** Where SCF's default delivery writes: logset `SCF_logset_…` and topic `SCF_logtopic_…`, made on first use. */
  scfTopic(): TopicLog {
    if (!this.scfDefault) {
      const suffix = randomBytes(4).toString('hex');
      const logset = this.createLogset(`SCF_logset_${suffix}`);
      this.scfDefault = this.createTopic({ logsetId: logset.logsetId, topicName: `SCF_logtopic_${suffix}` });
    }
    return this.scfDefault;
  }

  append(topicId: string, records: ClsRecord | ClsRecord[]): void {
    const topic = this.topics.get(topicId);
    if (!topic) throw new Error(`No topic ${topicId}.`);
    const now = this.now();
    const list = Array.isArray(records) ? records : [records];
    for (const record of list) topic.append(record, now);
    this.onAppend?.(topicId, list);
  }

  /** The default delivery topic, when it was made. */
  get scfTopicId(): string | undefined {
    return this.scfDefault?.info.topicId;
  }

  /** A logset as a state directory kept it. */
  restoreLogset(logset: Logset): void {
    this.logsets.set(logset.logsetId, { ...logset });
  }

  /**
   * A topic as a state directory kept it (its records follow through `restoreRecords`); `scfDefault` marks SCF's
   * default delivery topic. This store's bounds apply, not the ones it was kept with.
   */
  restoreTopic(info: Omit<TopicInfo, 'capacity' | 'capacityBytes' | 'fieldTypes'> & { fieldTypes?: Array<[string, FieldType]> }, scfDefault: boolean): TopicLog {
    const topic = new TopicLog({
      ...info,
      capacity: this.recordsPerTopic,
      capacityBytes: this.bytesPerTopic,
      fieldTypes: info.fieldTypes ? new Map(info.fieldTypes) : SCF_FIELD_TYPES,
    });
    this.topics.set(topic.info.topicId, topic);
    if (scfDefault) this.scfDefault = topic;
    return topic;
  }

  /** Records a state directory kept, searchable at once (they were before the restart). */
  restoreRecords(topicId: string, records: ClsRecord[]): void {
    const topic = this.topics.get(topicId);
    if (!topic) return;
    for (const record of records) topic.append(record, -topic.info.indexDelayMs);
  }
}

// CLS in a state directory: the logsets and topics (`cls/topics.json`, written with the account) and each topic's
// records (`cls/<topicId>.jsonl`, one JSON record a line, appended a moment after they are written), so that logs
// outlive a restart as functions do. At start the records are read back within the store's bounds and each file
// is rewritten with what was kept; a file that grows past twice its topic's bound is rewritten the same way.
import * as fs from 'fs';
import * as path from 'path';
import type { ClsRecord } from '../../cloud/types';
import type { ClsStore, Logset, TopicLog } from '../cls/topics';
import { writeFileAtomic } from './state-dir';

const TOPICS_FILE = 'topics.json';
/** Appended records wait this long to be written together. */
const FLUSH_MS = 100;
const TOPIC_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface TopicsJson {
  logsets: Logset[];
  topics: Array<{ topicId: string; topicName: string; logsetId: string; createTime: number; period: number; indexDelayMs: number; fieldTypes: Array<[string, string]> }>;
  scfDefault?: string;
}

function isRecord(value: any): value is ClsRecord {
  return value && typeof value.time === 'number' && value.fields && typeof value.fields === 'object' && !Array.isArray(value.fields);
}

export class ClsFiles {
  private readonly pending = new Map<string, string[]>();
  /** Bytes in each topic's file, to know when to rewrite it. */
  private readonly written = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private lastTopics = '';

  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
  }

  private recordsFile(topicId: string): string {
    return path.join(this.dir, `${topicId}.jsonl`);
  }

  /** Restores logsets, topics and their records into `store` (before anything is appended to it). */
  load(store: ClsStore): void {
    let json: TopicsJson;
    try {
      json = JSON.parse(fs.readFileSync(path.join(this.dir, TOPICS_FILE), 'utf8'));
    } catch {
      return;
    }
    for (const logset of Array.isArray(json.logsets) ? json.logsets : []) {
      if (typeof logset?.logsetId === 'string') store.restoreLogset(logset);
    }
    for (const info of Array.isArray(json.topics) ? json.topics : []) {
      if (typeof info?.topicId !== 'string' || !TOPIC_ID.test(info.topicId)) continue;
      const topic = store.restoreTopic(info as Parameters<ClsStore['restoreTopic']>[0], info.topicId === json.scfDefault);
      store.restoreRecords(info.topicId, this.readRecords(info.topicId));
      this.rewrite(topic);
    }
    this.lastTopics = JSON.stringify(this.topicsJson(store));
  }

  /** The records kept in a topic's file; a line cut short by a crash is skipped. */
  private readRecords(topicId: string): ClsRecord[] {
    let text: string;
    try {
      text = fs.readFileSync(this.recordsFile(topicId), 'utf8');
    } catch {
      return [];
    }
    const records: ClsRecord[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const record = JSON.parse(line);
        if (!isRecord(record)) continue;
        // Fields as the store keeps them: strings, in an object without a prototype.
        const fields: Record<string, string> = Object.create(null);
        for (const key of Object.keys(record.fields)) fields[key] = String(record.fields[key]);
        records.push({ time: record.time, fields, pkgId: String(record.pkgId ?? ''), pkgLogId: String(record.pkgLogId ?? '') });
      } catch {
        // cut short
      }
    }
    return records;
  }

  private topicsJson(store: ClsStore): TopicsJson {
    return {
      logsets: [...store.logsets.values()],
      topics: [...store.topics.values()].map(({ info }) => ({
        topicId: info.topicId,
        topicName: info.topicName,
        logsetId: info.logsetId,
        createTime: info.createTime,
        period: info.period,
        indexDelayMs: info.indexDelayMs,
        fieldTypes: [...info.fieldTypes],
      })),
      scfDefault: store.scfTopicId,
    };
  }

  /** Writes the topics when they changed (called with every save of the account). */
  saveTopics(store: ClsStore): void {
    const text = JSON.stringify(this.topicsJson(store));
    if (text === this.lastTopics) return;
    writeFileAtomic(path.join(this.dir, TOPICS_FILE), text);
    this.lastTopics = text;
  }

  /** Records just appended to a topic: written a moment later, together with those that follow. */
  appended(topicId: string, records: ClsRecord[]): void {
    let lines = this.pending.get(topicId);
    if (!lines) this.pending.set(topicId, (lines = []));
    for (const record of records) lines.push(JSON.stringify(record));
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flushPending();
    }, FLUSH_MS);
    this.timer.unref();
  }

  private flushPending(): void {
    for (const [topicId, lines] of this.pending) {
      const text = lines.join('\n') + '\n';
      fs.appendFileSync(this.recordsFile(topicId), text, { mode: 0o600 });
      this.written.set(topicId, (this.written.get(topicId) ?? 0) + text.length);
    }
    this.pending.clear();
    // A file past twice its topic's bound holds mostly records the topic dropped: rewritten with those it keeps.
    for (const topic of this.store?.topics.values() ?? []) {
      if ((this.written.get(topic.info.topicId) ?? 0) > 2 * topic.info.capacityBytes + 1024 * 1024) this.rewrite(topic);
    }
  }

  private store?: ClsStore;

  /** The store whose topics are rewritten when their files grow past their bounds. */
  watch(store: ClsStore): void {
    this.store = store;
  }

  /** A topic's file rewritten with the records the topic keeps now. */
  private rewrite(topic: TopicLog): void {
    const lines: string[] = [];
    for (const stored of topic.scan(-Infinity, Infinity, 'asc')) lines.push(JSON.stringify(stored.record));
    const text = lines.length ? lines.join('\n') + '\n' : '';
    writeFileAtomic(this.recordsFile(topic.info.topicId), text);
    this.written.set(topic.info.topicId, text.length);
  }

  /** Writes what waits (the emulator is closing). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flushPending();
  }
}

// A handler's output as SCF keeps it: split into lines (a line over 8 KB is cut, with a marker), the log
// bounded to its last N bytes (a marker first says how much was dropped), and the platform's START, END and
// Report lines around it.
import type { LogLine } from './types';

export const MAX_LINE_BYTES = 8 * 1024;
export const DEFAULT_LOG_CAP_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

/** Bytes in, complete lines out (UTF-8, without their newline); a line over `maxLineBytes` is cut. */
export class LineSplitter {
  private parts: Buffer[] = [];
  private kept = 0;
  private cutBytes = 0;

  constructor(
    private readonly emit: (text: string) => void,
    private readonly maxLineBytes = MAX_LINE_BYTES,
  ) {}

  write(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline < 0 ? chunk.length : newline;
      this.take(chunk.subarray(start, end));
      if (newline < 0) break;
      this.flushLine();
      start = newline + 1;
    }
  }

  /** The last line, when the output did not end with a newline. */
  end(): void {
    if (this.kept > 0 || this.cutBytes > 0) this.flushLine();
  }

  private take(piece: Buffer): void {
    const room = this.maxLineBytes - this.kept;
    if (piece.length <= room) {
      if (piece.length) this.parts.push(piece);
      this.kept += piece.length;
      return;
    }
    // Cut on a character boundary: back off over UTF-8 continuation bytes.
    let cut = Math.max(room, 0);
    while (cut > 0 && (piece[cut] & 0xc0) === 0x80) cut--;
    if (cut) this.parts.push(piece.subarray(0, cut));
    this.kept = this.maxLineBytes;
    this.cutBytes += piece.length - cut;
  }

  private flushLine(): void {
    let text = Buffer.concat(this.parts).toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (this.cutBytes) text += ` [line cut: ${this.cutBytes} more bytes]`;
    this.parts = [];
    this.kept = 0;
    this.cutBytes = 0;
    this.emit(text);
  }
}

/** Keeps the last `capBytes` of lines; `onLine` sees every line as it comes. */
export class LogCollector {
  private lines: LogLine[] = [];
  private head = 0;
  private bytes = 0;
  private droppedBytes = 0;
  private droppedLines = 0;

  constructor(
    private readonly capBytes = DEFAULT_LOG_CAP_BYTES,
    private readonly onLine?: (line: LogLine) => void,
  ) {}

  add(text: string, timeMs: number): void {
    const line = { timeMs, text };
    if (this.onLine) {
      try {
        this.onLine(line);
      } catch {
        // a listener's failure must not lose the log
      }
    }
    this.lines.push(line);
    this.bytes += Buffer.byteLength(text) + 1;
    while (this.bytes > this.capBytes && this.head < this.lines.length) {
      const dropped = this.lines[this.head++];
      const size = Buffer.byteLength(dropped.text) + 1;
      this.bytes -= size;
      this.droppedBytes += size;
      this.droppedLines++;
    }
    if (this.head > 1024 && this.head * 2 > this.lines.length) {
      this.lines = this.lines.slice(this.head);
      this.head = 0;
    }
  }

  result(): { lines: LogLine[]; truncatedBytes: number } {
    const kept = this.lines.slice(this.head);
    if (this.droppedBytes === 0) return { lines: kept, truncatedBytes: 0 };
    const marker = {
      timeMs: kept[0]?.timeMs ?? Date.now(),
      text: `[log truncated: the first ${this.droppedBytes} bytes (${this.droppedLines} lines) were dropped; the last ${this.capBytes} bytes are kept]`,
    };
    return { lines: [marker, ...kept], truncatedBytes: this.droppedBytes };
  }
}

/** A log line as SCF's Node.js runtime writes console output: `<ISO time>\t<request id>\t<message>`. */
export function stampedLine(timeMs: number, requestId: string, message: string): string {
  return `${new Date(timeMs).toISOString()}\t${requestId}\t${message}`;
}

export interface PlatformLog {
  requestId: string;
  lines: LogLine[];
  /** The error as the log shows it, on failure. */
  errorText?: string;
  durationMs: number;
  memorySizeMb: number;
  memUsageBytes: number;
}

export function reportLine(requestId: string, durationMs: number, memorySizeMb: number, memUsageBytes: number): string {
  return `Report RequestId: ${requestId} Duration:${durationMs}ms Memory:${memorySizeMb}MB MemUsage:${(memUsageBytes / 1048576).toFixed(6)}MB`;
}

/** The whole log of one invocation, as SCF shows it in Invoke's Log and GetFunctionLogs. */
export function platformLog(log: PlatformLog): string {
  const parts = [`START RequestId: ${log.requestId}`];
  for (const line of log.lines) parts.push(line.text);
  if (log.errorText) parts.push(log.errorText);
  parts.push(`END RequestId: ${log.requestId}`);
  parts.push(reportLine(log.requestId, log.durationMs, log.memorySizeMb, log.memUsageBytes));
  return parts.join('\n') + '\n';
}

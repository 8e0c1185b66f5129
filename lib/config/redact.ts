// Values that must never be shown: the secrets `${tencent-ssm:...}` resolved, and with --conceal every function
// environment value. Everything the plugin writes (log lines, command output, progress lines, errors, reports)
// passes through `apply`, which puts a mark in place of each occurrence.
import { format } from 'util';
import { plainText } from '../cloud/errors';
import type { PluginIo } from '../provider';

/** Shorter values are not searched for: "1" or "yes" would be hidden all over unrelated text. */
export const MIN_REDACTED_LENGTH = 4;

export class Redactor {
  /** value → what is shown instead; the longest values are replaced first (one may hold another). */
  private readonly values = new Map<string, string>();
  private ordered: string[] = [];

  /** Hides `value` from now on behind `mark`; false when it is too short to hide reliably. */
  add(value: string, mark: string): boolean {
    if (typeof value !== 'string' || value.length < MIN_REDACTED_LENGTH) return false;
    // A value also appears JSON-escaped (in JSON output, in error messages quoting a request), and without its
    // control characters where text was neutralised before it got here (API errors, smoke reasons).
    const neutralised = plainText(value);
    const forms = [value, JSON.stringify(value).slice(1, -1), neutralised, JSON.stringify(neutralised).slice(1, -1)];
    const added = forms.filter((form) => form.length >= MIN_REDACTED_LENGTH && !this.values.has(form));
    for (const form of added) this.values.set(form, mark);
    if (added.length) this.ordered = [...this.values.keys()].sort((a, b) => b.length - a.length);
    return true;
  }

  get size(): number {
    return this.values.size;
  }

  apply(text: string): string {
    if (!this.ordered.length || typeof text !== 'string') return text;
    let out = text;
    for (const value of this.ordered) if (out.includes(value)) out = out.split(value).join(this.values.get(value)!);
    return out;
  }

  /** `value` with every secret replaced, walking objects and lists (for `sls print`). */
  applyDeep<T>(value: T): T {
    if (typeof value === 'string') return this.apply(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.applyDeep(v)) as T;
    if (value && typeof value === 'object') {
      for (const key of Object.keys(value)) (value as Record<string, unknown>)[key] = this.applyDeep((value as Record<string, unknown>)[key]);
    }
    return value;
  }
}

/** serverless's io, with every line passing through the redactor. */
export function redactingIo(io: PluginIo, redactor: Redactor): PluginIo {
  const line = (args: unknown[]) => redactor.apply(args.length === 1 && typeof args[0] === 'string' ? args[0] : format(...args));
  const log = Object.fromEntries(
    (['notice', 'info', 'warning', 'error', 'verbose', 'debug'] as const).map((level) => [level, (...args: unknown[]) => io.log[level](line(args))]),
  ) as unknown as PluginIo['log'];
  return {
    log,
    writeText: (text) => io.writeText(Array.isArray(text) ? text.map((t) => redactor.apply(t)) : redactor.apply(text)),
    progress: {
      create: (options) => {
        const progress = io.progress.create({ ...options, message: redactor.apply(options.message) });
        return { update: (message: string) => progress.update(redactor.apply(message)), remove: () => progress.remove() };
      },
    },
  };
}

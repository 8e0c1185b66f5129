// A progress line per item while they are few; past that, one line that counts them by state: 250 functions
// deployed at once would otherwise fill the terminal with lines that scroll away.
import type { Progress } from '../provider';

/** Items shown each on its own line; more share one. */
export const OWN_LINES = 8;

export class ProgressLines {
  private readonly lines = new Map<string, Progress>();
  private readonly states = new Map<string, string>();
  private summary?: Progress;
  private finished = 0;

  /** `total`: the items there will be; `heading`: what the shared line starts with ("Deploying 250 functions"). */
  constructor(
    private readonly progress: { create(options: { message: string }): Progress },
    private readonly total: number,
    private readonly heading: string,
  ) {}

  private get shared(): boolean {
    return this.total > OWN_LINES;
  }

  /** An item is in `state` now: its own line says `key: state`, or the shared line counts it. */
  update(key: string, state: string): void {
    if (!this.shared) {
      const text = `${key}: ${state}`;
      const line = this.lines.get(key);
      if (line) line.update(text);
      else this.lines.set(key, this.progress.create({ message: text }));
      return;
    }
    this.states.set(key, state);
    this.render();
  }

  /** The item is done: its line goes. */
  done(key: string): void {
    this.lines.get(key)?.remove();
    this.lines.delete(key);
    this.states.delete(key);
    this.finished++;
    if (this.shared) this.render();
  }

  /** Every line goes (the end, Ctrl-C). */
  removeAll(): void {
    for (const line of this.lines.values()) line.remove();
    this.lines.clear();
    this.summary?.remove();
    this.summary = undefined;
  }

  /** The shared line's text: "Deploying 250 functions: 120 done; 30 Creating, 5 waiting". */
  text(): string {
    const counts = new Map<string, number>();
    for (const state of this.states.values()) counts.set(state, (counts.get(state) ?? 0) + 1);
    const parts = [...counts].sort((a, b) => b[1] - a[1]).map(([state, n]) => `${n} ${state}`);
    return `${this.heading}: ${this.finished} done${parts.length ? `; ${parts.join(', ')}` : ''}`;
  }

  private render(): void {
    const text = this.text();
    if (this.summary) this.summary.update(text);
    else this.summary = this.progress.create({ message: text });
  }
}

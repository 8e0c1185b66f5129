// Child of the benchmark: reads one function's history the way `sls logs` does (GetFunction picks the source:
// its CLS topic, or GetFunctionLogs when it has none), reports time, what it read, and memory.
//   node history-child.js URL SECRET_ID SECRET_KEY FUNCTION FROM_MS TO_MS [--heap] [--searches=N]
import { Credentials } from '../lib/config/credentials';
import { parseEndpoint } from '../lib/config/settings';
import { createClients } from '../lib/cloud/clients';
import { DEFAULT_SEARCHES } from '../lib/logs/cls-source';
import { history, resolveSources } from '../lib/logs/sources';

async function main(): Promise<void> {
  const [url, secretId, secretKey, functionName, fromMs, toMs] = process.argv.slice(2);
  const endpoint = parseEndpoint(url);
  const clients = createClients({ endpoints: { scf: endpoint, cls: endpoint }, region: 'ap-guangzhou', credentials: new Credentials(secretId, secretKey, undefined, 'bench') });
  const measureHeap = process.argv.includes('--heap');
  const gc = (globalThis as any).gc as (() => void) | undefined;
  const started = process.hrtime.bigint();
  const sources = await resolveSources(clients, [{ key: 'bench', functionName, namespace: 'default' }], () => undefined);
  const source = sources.cls.length ? 'cls' : 'scf';
  let requests = 0;
  let lines = 0;
  let bytes = 0;
  let peakLiveMiB = 0;
  let lastStart = -Infinity;
  let outOfOrder = 0;
  const searches = Number(/^--searches=(\d+)$/.exec(process.argv.find((a) => a.startsWith('--searches=')) ?? '')?.[1] ?? DEFAULT_SEARCHES);
  const range = { fromMs: Number(fromMs), toMs: Number(toMs) + 1, finishWithinMs: 70_000, nowMs: Date.now(), searches };
  for await (const page of history(clients, sources, range, () => undefined)) {
    for (const request of page) {
      requests++;
      lines += request.lines.length;
      for (const line of request.lines) bytes += line.length; // stands for printing: the request is used, then dropped
      if (request.startMs < lastStart) outOfOrder++;
      lastStart = request.startMs;
    }
    if (measureHeap && gc) {
      // What the reader holds while streaming: the live heap after a full collection, page by page.
      gc();
      peakLiveMiB = Math.max(peakLiveMiB, process.memoryUsage().heapUsed / 1048576);
    }
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  process.stdout.write(JSON.stringify({ ms, source, requests, lines, bytes, outOfOrder, peakLiveMiB, maxRssMiB: process.resourceUsage().maxRSS / 1024 }) + '\n');
}

main().catch((error) => {
  process.stderr.write(String(error?.stack ?? error) + '\n');
  process.exit(1);
});

// Child of the benchmark: runs the plugin's CLS tail (the source GetFunction names) and prints each request id as
// it is handed out, with the time; a record that came after its request was handed out is printed as `late`.
// Memory and the tail's counters go to stderr as JSON lines.
//   node tail-child.js URL SECRET_ID SECRET_KEY FUNCTION INTERVAL_MS
import { Credentials } from '../lib/config/credentials';
import { parseEndpoint } from '../lib/config/settings';
import { createClients } from '../lib/cloud/clients';
import { systemClock } from '../lib/cloud/limiter';
import { ClsTail } from '../lib/logs/cls-source';
import { pollUntilAborted } from '../lib/logs/poll-loop';
import { resolveSources } from '../lib/logs/sources';

async function main(): Promise<void> {
  const [url, secretId, secretKey, functionName, intervalMs] = process.argv.slice(2);
  const endpoint = parseEndpoint(url);
  const clients = createClients({ endpoints: { scf: endpoint, cls: endpoint }, region: 'ap-guangzhou', credentials: new Credentials(secretId, secretKey, undefined, 'bench') });
  const sources = await resolveSources(clients, [{ key: 'bench', functionName, namespace: 'default' }], () => undefined);
  if (!sources.cls.length) throw new Error(`${functionName} has no CLS topic: this benchmark measures the CLS tail.`);
  const controller = new AbortController();
  process.once('SIGTERM', () => controller.abort());
  const fromMs = Date.now();
  const tail = new ClsTail(clients.cls, sources.cls[0], {
    fromMs,
    clock: systemClock,
    onRequest: (request) => process.stdout.write(`${Date.now()} ${request.requestId}\n`),
    onLateLine: (request) => process.stdout.write(`${Date.now()} late ${request.requestId}\n`),
  });
  const gc = (globalThis as any).gc as (() => void) | undefined;
  process.stderr.write(`${JSON.stringify({ fromMs })}\n`);
  const sampler = setInterval(() => {
    gc?.();
    const usage = process.memoryUsage();
    process.stderr.write(`${JSON.stringify({ at: Date.now(), liveMiB: usage.heapUsed / 1048576, rssMiB: usage.rss / 1048576, remembered: tail.stats.remembered, polls: tail.stats.polls })}\n`);
  }, 5000);
  await pollUntilAborted(() => tail.poll(), { clock: systemClock, signal: controller.signal, intervalMs: Number(intervalMs) });
  clearInterval(sampler);
  process.stderr.write(`${JSON.stringify({ done: true, maxRssMiB: process.resourceUsage().maxRSS / 1024, polls: tail.stats.polls })}\n`);
}

main().catch((error) => {
  process.stderr.write(String(error?.stack ?? error) + '\n');
  process.exit(1);
});

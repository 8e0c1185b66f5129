// Child of the benchmark: runs the plugin's tail and prints each request id as it is printed, with the time.
import { Credentials } from '../lib/config/credentials';
import { parseEndpoint } from '../lib/config/settings';
import { createClients } from '../lib/cloud/clients';
import { systemClock } from '../lib/cloud/limiter';
import { pollUntilAborted } from '../lib/logs/poll-loop';
import { LogTail } from '../lib/logs/tail';

const [url, secretId, secretKey, functionName, intervalMs] = process.argv.slice(2);
const client = createClients({ endpoints: { scf: parseEndpoint(url) }, region: 'ap-guangzhou', credentials: new Credentials(secretId, secretKey, undefined, 'bench') }).scf;
const controller = new AbortController();
process.once('SIGTERM', () => controller.abort());
const startedAt = Date.now();
const tail = new LogTail(client, {
  query: { functionName, namespace: 'default' },
  fromMs: startedAt,
  clock: systemClock,
  onEntry: (entry) => process.stdout.write(`${Date.now()} ${entry.requestId}\n`),
});
const gc = (globalThis as any).gc as (() => void) | undefined;
process.stderr.write(`${JSON.stringify({ fromMs: startedAt })}\n`);
const sampler = setInterval(() => {
  gc?.();
  const usage = process.memoryUsage();
  process.stderr.write(`${JSON.stringify({ at: Date.now(), liveMiB: usage.heapUsed / 1048576, rssMiB: usage.rss / 1048576, remembered: tail.stats.remembered })}\n`);
}, 5000);
pollUntilAborted(() => tail.poll(), { clock: systemClock, signal: controller.signal, intervalMs: Number(intervalMs) }).then(() => {
  clearInterval(sampler);
  process.stderr.write(`${JSON.stringify({ done: true, maxRssMiB: process.resourceUsage().maxRSS / 1024, polls: tail.stats.polls })}\n`);
});

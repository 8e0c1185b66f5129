// Child of the benchmark: reads every log entry of a range through the plugin's fetcher, reports time and memory.
import { Credentials } from '../lib/config/credentials';
import { parseEndpoint } from '../lib/config/settings';
import { createClients } from '../lib/cloud/clients';
import { fetchLogs } from '../lib/logs/fetch';

async function main(): Promise<void> {
  const [url, secretId, secretKey, functionName, fromMs, toMs] = process.argv.slice(2);
  const client = createClients({ endpoints: { scf: parseEndpoint(url) }, region: 'ap-guangzhou', credentials: new Credentials(secretId, secretKey, undefined, 'bench') }).scf;
  const started = process.hrtime.bigint();
  const measureHeap = process.argv.includes('--heap');
  const gc = (globalThis as any).gc as (() => void) | undefined;
  let entries = 0;
  let bytes = 0;
  let peakLiveMiB = 0;
  for await (const page of fetchLogs(client, { functionName, namespace: 'default' }, Number(fromMs), Number(toMs))) {
    for (const entry of page) {
      entries++;
      bytes += entry.log.length; // stands for printing: the entry is used, then dropped
    }
    if (measureHeap && gc) {
      // What the fetcher holds while streaming: the live heap after a full collection, page by page.
      gc();
      peakLiveMiB = Math.max(peakLiveMiB, process.memoryUsage().heapUsed / 1048576);
    }
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  process.stdout.write(JSON.stringify({ ms, entries, bytes, peakLiveMiB, maxRssMiB: process.resourceUsage().maxRSS / 1024 }) + '\n');
}

main().catch((error) => {
  process.stderr.write(String(error?.stack ?? error) + '\n');
  process.exit(1);
});

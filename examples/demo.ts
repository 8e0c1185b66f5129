// `npm run demo`: the main job on the embedded default. Starts the SCF emulator on 127.0.0.1 serving
// examples/hello, then runs the real `sls` against it, as a user would against Tencent Cloud.
import { spawn } from 'child_process';
import { randomBytes } from 'crypto';
import * as path from 'path';
import { loadService } from '../lib/emulator/service-file';
import { startEmulator } from '../lib/emulator/http/server';

const repo = path.resolve(__dirname, '..', '..');
const serviceDir = path.join(repo, 'examples', 'hello');
const slsBin = path.join(repo, 'node_modules', '.bin', 'sls');

const steps: Array<[string, string[]]> = [
  ['A sync invoke: the return value alone on stdout', ['invoke', '-f', 'hello', '--data', '{"name":"demo"}']],
  ['With --log: the log tail on stderr', ['invoke', '-f', 'chatty', '--data', '{"lines":3}', '--log']],
  ['An async invoke that waits for its result', ['invoke', '-f', 'slow', '--type', 'Event', '--wait', '--data', '{"ms":1500}']],
  ['A function in its own namespace', ['invoke', '-f', 'jobs', '--data', '{"items":[1,2,3]}']],
  ['A failing function: a sentence and a non-zero exit', ['invoke', '-f', 'fail', '--data', '{"reason":"demo failure"}']],
  ['The logs of the last 10 minutes, one JSON line per request', ['logs', '-f', 'chatty', '--json']],
  ['The async events of a function', ['events', '-f', 'slow']],
  ['The post-deploy smoke checks, without deploying', ['smoke']],
];

async function main(): Promise<void> {
  const credentials = { secretId: 'AKIDdemo' + randomBytes(8).toString('hex'), secretKey: randomBytes(24).toString('base64url') };
  const emulator = await startEmulator({ service: loadService(serviceDir), credentials });
  process.stdout.write(`SCF emulator serving examples/hello on ${emulator.url}\n`);
  const env = {
    ...process.env,
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    TENCENTCLOUD_SCF_ENDPOINT: emulator.url,
    TENCENTCLOUD_SECRET_ID: credentials.secretId,
    TENCENTCLOUD_SECRET_KEY: credentials.secretKey,
  };
  let failures = 0;
  for (const [title, args] of steps) {
    process.stdout.write(`\n# ${title}\n$ sls ${args.join(' ')}\n`);
    // spawnSync would block the in-process emulator: run sls asynchronously.
    const code = await new Promise<number>((resolve) => {
      const child = spawn(slsBin, args, { cwd: serviceDir, env, stdio: 'inherit' });
      child.on('close', (c) => resolve(c ?? 1));
    });
    process.stdout.write(`(exit code ${code})\n`);
    const expectFailure = args.includes('fail');
    if ((code !== 0) !== expectFailure) failures++;
  }
  await emulator.close();
  if (failures) {
    process.stdout.write(`\n${failures} step(s) did not behave as expected\n`);
    process.exitCode = 1;
  } else process.stdout.write('\nAll demo steps behaved as expected.\n');
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});

// `npm run demo`: the whole job, on the embedded default. Starts the SCF emulator as an empty Tencent Cloud
// account on 127.0.0.1, then runs the real `sls` against it as a user would against the cloud: deploy (the smoke
// checks follow), invoke, logs, info, a change to one handler and a deploy that sends only that function's code,
// a deploy with no change (nothing sent), a Python service run locally and deployed, and remove. The services are
// copies of examples/hello and examples/python in a temporary directory, so the repository is left as it was.
import { spawn } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startEmulator } from '../lib/emulator/http/server';

const repo = path.resolve(__dirname, '..', '..');
const slsBin = path.join(repo, 'node_modules', 'serverless', 'bin', 'serverless.js');

interface Step {
  title: string;
  service: 'hello' | 'python';
  args: string[];
  /** The step is meant to fail (a failing function must exit non-zero). */
  fails?: boolean;
  /** Checked against the step's output. */
  expect?: RegExp;
  /** Done before the step runs. */
  before?(dir: string): void;
}

const steps: Step[] = [
  { title: 'Deploy the service; the smoke checks follow', service: 'hello', args: ['deploy'], expect: /All 3 smoke checks passed/ },
  { title: 'A sync invoke: the return value alone on stdout', service: 'hello', args: ['invoke', '-f', 'hello', '--data', '{"name":"demo"}'], expect: /Hello from hello-dev-hello/ },
  { title: 'With --log: the end of the log on stderr', service: 'hello', args: ['invoke', '-f', 'chatty', '--data', '{"lines":3}', '--log'], expect: /line 3 of 3/ },
  { title: 'An async invoke that waits for its result', service: 'hello', args: ['invoke', '-f', 'slow', '--type', 'Event', '--wait', '--data', '{"ms":1500}'], expect: /sleptMs/ },
  { title: 'A failing function: a sentence and a non-zero exit', service: 'hello', args: ['invoke', '-f', 'fail', '--data', '{"reason":"demo failure"}'], fails: true, expect: /demo failure/ },
  { title: 'The logs of every function of the service, from CLS', service: 'hello', args: ['logs', '--startTime', '5m'], expect: /chatty \| .*line 2 of 3/ },
  { title: 'What is deployed', service: 'hello', args: ['info'], expect: /hello-dev-hello .*Active/ },
  {
    title: 'Change one handler and deploy: only that function gets new code (package.individually)',
    service: 'hello',
    args: ['deploy', '--no-smoke'],
    before: (dir) => fs.appendFileSync(path.join(dir, 'jobs.js'), `\n// changed by the demo at ${new Date().toISOString()}\n`),
    expect: /jobs \(hello-jobs-dev, namespace batch\): code updated\n(?![\s\S]*code updated)/,
  },
  { title: 'Deploy again with nothing changed: nothing is sent', service: 'hello', args: ['deploy', '--no-smoke'], expect: /No changes to .*nothing was sent/ },
  { title: 'A Python handler, run here the way SCF runs it', service: 'python', args: ['invoke', 'local', '-f', 'hello', '--data', '{"name":"local"}'], expect: /Hello, local, from pyhello-dev-hello/ },
  { title: 'The Python service, deployed and invoked', service: 'python', args: ['deploy', '--no-smoke'], expect: /hello \(pyhello-dev-hello\): created/ },
  { title: '', service: 'python', args: ['invoke', '-f', 'hello', '--data', '{"name":"emulator"}'], expect: /Hello, emulator, from pyhello-dev-hello/ },
  { title: 'Remove both services', service: 'hello', args: ['remove'], expect: /Removed hello/ },
  { title: '', service: 'python', args: ['remove'], expect: /Removed pyhello/ },
];

/** A command as it can be pasted into a shell. */
function shellLine(args: string[]): string {
  const quote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);
  return ['npx', 'sls', ...args].map(quote).join(' ');
}

/** A copy of an example service, naming the plugin by its path in this repository. */
function copyService(name: string, into: string): string {
  const dir = path.join(into, name);
  fs.cpSync(path.join(repo, 'examples', name), dir, { recursive: true, filter: (source) => !/[\\/](\.serverless|node_modules)$/.test(source) });
  const file = path.join(dir, 'serverless.yml');
  let yml = fs.readFileSync(file, 'utf8').replace(/^plugins:\n(  - .*\n)+/m, `plugins:\n  - ${repo}\n`);
  if (name === 'hello') {
    // Each function packaged on its own, the jobs function with its file only: a change to jobs.js changes
    // only its package.
    yml = yml.replace(/^  jobs:\n    handler: jobs\.main\n/m, `  jobs:\n    handler: jobs.main\n    package:\n      patterns: ['!**', 'jobs.js']\n`);
    yml += `\npackage:\n  individually: true\n  patterns: ['!jobs.js']\n`;
  }
  fs.writeFileSync(file, yml);
  return dir;
}

function run(cwd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    // Not spawnSync: the emulator runs in this process and must keep answering.
    const child = spawn(process.execPath, [slsBin, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const pass = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
      output += chunk.toString('utf8');
      stream.write(chunk);
    };
    child.stdout.on('data', pass(process.stdout));
    child.stderr.on('data', pass(process.stderr));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-demo-'));
  const dirs = { hello: copyService('hello', work), python: copyService('python', work) };
  const credentials = { secretId: 'AKIDdemo' + randomBytes(8).toString('hex'), secretKey: randomBytes(24).toString('base64url') };
  const emulator = await startEmulator({ credentials, region: 'ap-guangzhou', behaviour: { transitionMs: 200 } });
  process.stdout.write(`An empty SCF account (the emulator) on ${emulator.url}. In your own shell you would point sls at it with:\n`);
  process.stdout.write(`  export TENCENTCLOUD_SCF_ENDPOINT=${emulator.url} TENCENTCLOUD_SECRET_ID=${credentials.secretId} TENCENTCLOUD_SECRET_KEY=${credentials.secretKey}\n`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    TENCENTCLOUD_SCF_ENDPOINT: emulator.url,
    TENCENTCLOUD_SECRET_ID: credentials.secretId,
    TENCENTCLOUD_SECRET_KEY: credentials.secretKey,
    TENCENTCLOUD_SESSION_TOKEN: '',
  };
  const failures: string[] = [];
  try {
    for (const step of steps) {
      const dir = dirs[step.service];
      step.before?.(dir);
      if (step.title) process.stdout.write(`\n# ${step.title}\n`);
      process.stdout.write(`$ cd ${step.service === 'hello' ? 'examples/hello' : 'examples/python'} && ${shellLine(step.args)}\n`);
      const { code, output } = await run(dir, step.args, env);
      const ok = (code !== 0) === Boolean(step.fails) && (!step.expect || step.expect.test(output));
      process.stdout.write(`(exit code ${code}${ok ? '' : ': NOT AS EXPECTED'})\n`);
      if (!ok) failures.push(shellLine(step.args));
    }
  } finally {
    await emulator.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
  if (failures.length) {
    process.stdout.write(`\n${failures.length === 1 ? '1 step' : `${failures.length} steps`} did not behave as expected:\n${failures.map((f) => `  ${f}`).join('\n')}\n`);
    process.exitCode = 1;
  } else process.stdout.write('\nAll demo steps behaved as expected.\n');
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});

#!/usr/bin/env node
// `scf-emulator [--service DIR] [--state-dir DIR] [--port N]`: serves the SCF API on 127.0.0.1 for an account
// that accepts deployments, starting empty, with a service's functions, or with what a state directory kept.
import { randomBytes } from 'crypto';
import { parseArgs } from 'util';
import { parseBucketName } from './cos/store';
import { loadService } from './service-file';
import { type Faults, startEmulator } from './http/server';

const USAGE = `Usage: scf-emulator [--service DIR] [--state-dir DIR] [--stage S] [--region R] [--port N]
  --service DIR          start with this service's functions (its serverless.yml)  default: an empty account
  --state-dir DIR        keep the account (functions, versions, aliases, triggers, namespaces, code, COS
                         objects) in DIR across restarts                          default: a temporary directory
  --stage S              the stage to serve                                     default: provider.stage or dev
  --region R             serve only this region (others find no functions)      default: any
  --port N               port on 127.0.0.1 (0: any free port)                    default: 9000
  --status-delay MS      GetRequestStatus knows a request only after MS          default: 0
  --log-delay MS         GetFunctionLogs shows a request only after MS           default: 0
  --transition-ms MS     how long Creating/Updating/Publishing/Deleting last      default: 300
  --fail-deploy GLOB     creates and updates of functions named GLOB (* and ?) land in CreateFailed or
                         UpdateFailed (repeatable)
  --cos-bucket NAME      start with this COS bucket, <name>-<appid> (repeatable)
Fault injection (rates are shares, 0 to 1):
  --throttle-rate R      answer RequestLimitExceeded
  --error-rate R         answer InternalError
  --gateway-rate R       answer HTTP 502 after running the action
  --reset-rate R         reset the connection after running the action
  --invalid-rate R       answer a body that is not JSON
  --slow-rate R --slow-ms MS   hold the reply MS
  --latency MS           add MS to every reply
  --rate-limit N         refuse more than N requests a second per action (the API's is 20)
  --fault-actions A,B    apply the faults only to these actions
  --seed N               seed of the fault dice
Credentials: TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY (and TENCENTCLOUD_SESSION_TOKEN) of this
process; without them it makes up a pair and prints it.`;

function rate(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new Error(`--${name} must be a number from 0 to 1`);
  return n;
}

function count(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      service: { type: 'string' },
      'state-dir': { type: 'string' },
      'transition-ms': { type: 'string' },
      'fail-deploy': { type: 'string', multiple: true },
      'cos-bucket': { type: 'string', multiple: true },
      stage: { type: 'string' },
      region: { type: 'string' },
      port: { type: 'string', default: '9000' },
      'status-delay': { type: 'string' },
      'log-delay': { type: 'string' },
      'throttle-rate': { type: 'string' },
      'error-rate': { type: 'string' },
      'gateway-rate': { type: 'string' },
      'reset-rate': { type: 'string' },
      'invalid-rate': { type: 'string' },
      'slow-rate': { type: 'string' },
      'slow-ms': { type: 'string' },
      latency: { type: 'string' },
      'rate-limit': { type: 'string' },
      'fault-actions': { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  const service = values.service === undefined ? undefined : loadService(values.service, { stage: values.stage, region: values.region });
  const faults: Faults = {
    throttleRate: rate(values['throttle-rate'], 'throttle-rate'),
    internalErrorRate: rate(values['error-rate'], 'error-rate'),
    gatewayRate: rate(values['gateway-rate'], 'gateway-rate'),
    resetRate: rate(values['reset-rate'], 'reset-rate'),
    invalidJsonRate: rate(values['invalid-rate'], 'invalid-rate'),
    slowRate: rate(values['slow-rate'], 'slow-rate'),
    slowMs: count(values['slow-ms'], 'slow-ms'),
    latencyMs: count(values.latency, 'latency'),
    rateLimit: count(values['rate-limit'], 'rate-limit'),
    actions: values['fault-actions'] ? values['fault-actions'].split(',').map((a) => a.trim()) : undefined,
    seed: count(values.seed, 'seed'),
  };
  let secretId = process.env.TENCENTCLOUD_SECRET_ID;
  let secretKey = process.env.TENCENTCLOUD_SECRET_KEY;
  const madeUp = !secretId || !secretKey;
  if (madeUp) {
    secretId = 'AKIDemulator' + randomBytes(12).toString('hex');
    secretKey = randomBytes(24).toString('base64url');
  }
  const emulator = await startEmulator({
    service,
    credentials: { secretId: secretId!, secretKey: secretKey!, token: process.env.TENCENTCLOUD_SESSION_TOKEN || undefined },
    port: count(values.port, 'port'),
    region: values.region,
    behaviour: {
      statusDelayMs: count(values['status-delay'], 'status-delay'),
      logDelayMs: count(values['log-delay'], 'log-delay'),
      transitionMs: count(values['transition-ms'], 'transition-ms'),
      stateDir: values['state-dir'],
      deployFaults: (values['fail-deploy'] ?? []).map((pattern) => ({ pattern })),
    },
    faults,
  });
  const { core } = emulator;
  core.publicUrl = emulator.url;
  for (const bucket of values['cos-bucket'] ?? []) {
    const parsed = parseBucketName(bucket);
    if (!parsed || parsed.appId !== core.account.identity.appId) {
      await emulator.close();
      await core.close();
      throw new Error(`--cos-bucket ${bucket}: name a bucket <name>-${core.account.identity.appId} (lower-case letters, digits and -)`);
    }
    core.cos.createBucket(bucket, values.region ?? '');
  }
  const names = [...core.account.functions.values()].map((f) => `${f.namespace}/${f.functionName}`).join(', ');
  const what = service ? `service ${service.service}, stage ${service.stage}` : 'account';
  const { appId, uin } = core.account.identity;
  process.stdout.write(`SCF emulator listening on ${emulator.url} (${what}, appid ${appId}, uin ${uin}: ${names || 'no functions'})\n`);
  if (madeUp) {
    // The emulator's own made-up pair, printed so a client can use it: not a Tencent Cloud secret.
    process.stdout.write(`TENCENTCLOUD_SECRET_ID=${secretId}\nTENCENTCLOUD_SECRET_KEY=${secretKey}\n`);
  }
  const stop = () => {
    emulator
      .close()
      .then(() => core.close())
      .finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error) => {
  process.stderr.write(`scf-emulator: ${error?.message ?? error}\n`);
  process.exit(2);
});

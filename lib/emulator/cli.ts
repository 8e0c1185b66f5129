#!/usr/bin/env node
// `scf-emulator [--service DIR] [--state-dir DIR] [--port N] ...`: serves the SCF API on 127.0.0.1 for an account
// that accepts deployments, starting empty, with a service's functions, or with what a state directory kept.
// `scf-emulator --reset DIR` deletes a state directory (its deployed code is read-only, as SCF's is).
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { resolveRegion } from '../config/settings';
import { parseBucketName } from './cos/store';
import { loadService } from './service-file';
import { SERVER_ERROR_CODE, THROTTLE_CODE } from './http/faults';
import { type Faults, startEmulator } from './http/server';
import { resetStateDir } from './store/state-dir';
import { readSecretsFile } from './ssm/room';
import type { StsOptions } from './sts/room';
import { type IdentityProvider, readJwks } from './sts/jwt';

const USAGE = `Usage: scf-emulator [options]       serve a local Tencent Cloud account on 127.0.0.1
       scf-emulator --reset DIR     delete an emulator's state directory (its code is read-only)
       scf-emulator --help | --version
  A local Tencent Cloud account: SCF (functions, invocations, logs, async events, deployments, timer
  triggers, weighted aliases), CLS (SearchLog), Cloud Monitor metrics, COS objects, STS (temporary keys for
  roles) and Secrets Manager, as strict as the cloud.
Options:
  --service DIR          start with this service's functions and their timer triggers (its serverless.yml,
                         or .yaml, .json, .js, .ts as serverless finds them)    default: an empty account
  --state-dir DIR        keep the account (functions, versions, aliases, triggers, namespaces, code, CLS
                         logs, COS objects, the emulator's own credentials) in DIR across restarts; keep DIR
                         outside the service directory                            default: a temporary directory
  --stage S              the stage to serve                                     default: provider.stage or dev
  --region R             the account's region (requests for others are refused) default: the service's, or ap-guangzhou
  --port N               port on 127.0.0.1 (0: any free port)                    default: 9000
  --url-port N           function URLs are served each on a port of 127.0.0.1 from N on (0: any free ports;
                         a kept account's URLs keep their ports when they are free)          default: 0
  --verbose              print a line for every request and every timer firing
  --secret-id ID --secret-key-file FILE   the emulator's own credentials: the key read from FILE, which only
                         its owner may read (--secret-key KEY works too, but every local user sees it in ps)
  --no-log-topic GLOB    functions named GLOB (* and ?) get no CLS topic: their logs only through GetFunctionLogs
  --simple-log-format GLOB   functions named GLOB log in SCF's simplified format (fewer fields per record)
  --get-function-logs-offline   GetFunctionLogs answers InvalidAction, as an account where it is gone
  --cls-legacy-query     SearchLog takes only the deprecated Query + SyntaxRule pair (older CLS)
  --monitor-lag MS       Cloud Monitor reports an invocation MS after it finished (the cloud: a minute or two)  default: 0
  --log-index-delay MS   a CLS record becomes searchable MS after it is written    default: 0
  --status-delay MS      GetRequestStatus knows a request only after MS          default: 0
  --log-delay MS         GetFunctionLogs shows a request only after MS           default: 0
  --transition-ms MS     how long Creating/Updating/Publishing/Deleting last      default: 300
  --fail-deploy GLOB     creates and updates of functions named GLOB (* and ?) land in CreateFailed or
                         UpdateFailed (repeatable)
  --cos-bucket NAME      start with this COS bucket, <name>-<appid> (repeatable): the bucket a service's
                         provider.deploymentBucket names, for packages too large to send inline (and the deploy lock)
  --secrets-file FILE    Secrets Manager serves these secrets (GetSecretValue): a JSON object of
                         "name": "value" or "name": {"versions": {"v1": "...", "v2": "..."}}; only its owner may read it
STS (temporary keys for roles; they sign requests to every service here until they expire):
  --oidc-provider NAME=ISSUER   AssumeRoleWithWebIdentity accepts tokens issued by ISSUER under ProviderId NAME
                         (repeatable), e.g. OIDC=https://token.actions.githubusercontent.com
  --oidc-audience AUD    tokens must be for this audience (repeatable)              default: any
  --oidc-jwks FILE       the issuer's public keys ({"keys": [JWK...]}): signatures are checked against them
                         (without it they are not: the emulator cannot fetch an issuer's keys)
  --role NAME            only these role names exist (repeatable)                 default: every role of the account
Fault injection (rates are shares, 0 to 1):
  --throttle-rate R      answer RequestLimitExceeded (--throttle-code: or one of its kinds, e.g.
                         RequestLimitExceeded.UinLimitExceeded)
  --error-rate R         answer InternalError (--error-code: or InternalError.X, ServiceUnavailable)
  --gateway-rate R       answer HTTP 502 after running the action
  --reset-rate R         reset the connection after running the action
  --invalid-rate R       answer a body that is not JSON
  --slow-rate R --slow-ms MS   hold the reply MS
  --latency MS           add MS to every reply
  --rate-limit N         refuse more than N requests a second per action (default: each action's own figure
                         from the API's table; 0: no limit)
  --fault-actions A,B    apply the faults only to these actions
  --fault-functions F,G  and only to requests naming these functions (FunctionName)
  --seed N               seed of the fault dice and of weighted alias routing
Credentials: --secret-id with --secret-key-file, else TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY (and
TENCENTCLOUD_SESSION_TOKEN) of this process, else the pair a --state-dir kept, else a new made-up pair; the lines to
paste are printed at start. The control API (/__emulator/*) wants the token printed at start in an X-Emulator-Token
header.`;

class UsageError extends Error {}

/** The emulator's own credentials file in a state directory: a made-up pair kept for the next start. */
const CREDENTIALS_FILE = 'credentials.json';

function version(): string {
  try {
    return require(path.join(__dirname, '..', '..', '..', 'package.json')).version;
  } catch {
    return 'unknown';
  }
}

function rate(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`--${name} must be a number from 0 to 1, not "${value}"`);
  return n;
}

function code(value: string | undefined, name: string, pattern: RegExp, what: string): string | undefined {
  if (value === undefined) return undefined;
  if (!pattern.test(value)) throw new UsageError(`--${name} must be ${what}, not "${value}"`);
  return value;
}

function count(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a whole number, not "${value}"`);
  return n;
}

/** A comma-separated list of names; unset or empty: no restriction. */
function nameList(value: string | undefined): string[] | undefined {
  const list = (value ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  return list.length ? list : undefined;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--port must be a whole number from 0 to 65535 (0: any free port), not "${value}"`);
  return n;
}

function parse() {
  try {
    return parseArgs({ options: OPTIONS, strict: true }).values;
  } catch (error) {
    throw new UsageError(`${(error as Error).message.replace(/\.?\s*$/, '')} (scf-emulator --help lists the options)`);
  }
}

const OPTIONS = {
  version: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  reset: { type: 'string' },
  verbose: { type: 'boolean' },
  'secret-id': { type: 'string' },
  'secret-key': { type: 'string' },
  'secret-key-file': { type: 'string' },
  'no-log-topic': { type: 'string', multiple: true },
  'simple-log-format': { type: 'string', multiple: true },
  'get-function-logs-offline': { type: 'boolean' },
  'cls-legacy-query': { type: 'boolean' },
  'monitor-lag': { type: 'string' },
  'log-index-delay': { type: 'string' },
  service: { type: 'string' },
  'state-dir': { type: 'string' },
  'transition-ms': { type: 'string' },
  'fail-deploy': { type: 'string', multiple: true },
  'cos-bucket': { type: 'string', multiple: true },
  'secrets-file': { type: 'string' },
  'oidc-provider': { type: 'string', multiple: true },
  'oidc-audience': { type: 'string', multiple: true },
  'oidc-jwks': { type: 'string' },
  role: { type: 'string', multiple: true },
  stage: { type: 'string' },
  region: { type: 'string' },
  port: { type: 'string', default: '9000' },
  'url-port': { type: 'string' },
  'status-delay': { type: 'string' },
  'log-delay': { type: 'string' },
  'throttle-rate': { type: 'string' },
  'error-rate': { type: 'string' },
  'throttle-code': { type: 'string' },
  'error-code': { type: 'string' },
  'gateway-rate': { type: 'string' },
  'reset-rate': { type: 'string' },
  'invalid-rate': { type: 'string' },
  'slow-rate': { type: 'string' },
  'slow-ms': { type: 'string' },
  latency: { type: 'string' },
  'rate-limit': { type: 'string' },
  'fault-actions': { type: 'string' },
  'fault-functions': { type: 'string' },
  seed: { type: 'string' },
} as const;

/** The key in `file`, refused when others than its owner may read it (a key is a password). */
function readKeyFile(file: string): string {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new UsageError(`--secret-key-file ${file} does not exist`);
  }
  if (!stat.isFile()) throw new UsageError(`--secret-key-file ${file} is not a file`);
  if (process.platform !== 'win32' && stat.mode & 0o077) {
    throw new UsageError(`--secret-key-file ${file} can be read by others (mode ${(stat.mode & 0o777).toString(8)}): chmod 600 ${file}`);
  }
  const key = fs.readFileSync(file, 'utf8').trim();
  if (!key || /\s/.test(key)) throw new UsageError(`--secret-key-file ${file} must hold the key alone, on one line`);
  return key;
}

interface ChosenCredentials {
  secretId: string;
  secretKey: string;
  token?: string;
  /** Where they came from: a pair from the environment may be a real one and is never printed. */
  source: 'options' | 'environment' | 'state' | 'new';
}

function credentials(values: ReturnType<typeof parse>): ChosenCredentials {
  const id = values['secret-id'];
  const keyFile = values['secret-key-file'];
  const keyOption = values['secret-key'];
  if (keyFile !== undefined && keyOption !== undefined) throw new UsageError('give the key once: --secret-key-file or --secret-key');
  if ((id === undefined) !== (keyFile === undefined && keyOption === undefined)) throw new UsageError('--secret-id goes with --secret-key-file (or --secret-key)');
  if (id !== undefined) {
    if (keyOption !== undefined) {
      process.stderr.write('scf-emulator: warning: --secret-key is visible to every local user (ps, /proc): put the key in a file only you can read and give --secret-key-file FILE.\n');
    }
    return { secretId: id, secretKey: keyFile !== undefined ? readKeyFile(keyFile) : keyOption!, source: 'options' };
  }
  if (process.env.TENCENTCLOUD_SECRET_ID && process.env.TENCENTCLOUD_SECRET_KEY) {
    return { secretId: process.env.TENCENTCLOUD_SECRET_ID, secretKey: process.env.TENCENTCLOUD_SECRET_KEY, token: process.env.TENCENTCLOUD_SESSION_TOKEN || undefined, source: 'environment' };
  }
  const stateDir = values['state-dir'];
  if (stateDir !== undefined) {
    try {
      const kept = JSON.parse(fs.readFileSync(path.join(stateDir, CREDENTIALS_FILE), 'utf8'));
      if (typeof kept?.secretId === 'string' && typeof kept?.secretKey === 'string') return { secretId: kept.secretId, secretKey: kept.secretKey, source: 'state' };
    } catch {
      // none kept yet
    }
  }
  return { secretId: 'AKIDemulator' + randomBytes(12).toString('hex'), secretKey: randomBytes(24).toString('base64url'), source: 'new' };
}

/** STS's identity providers and roles, from --oidc-provider, --oidc-audience, --oidc-jwks and --role. */
function stsOptions(values: ReturnType<typeof parse>): StsOptions {
  const providers = (values['oidc-provider'] ?? []).map((spec) => {
    const eq = spec.indexOf('=');
    const name = spec.slice(0, eq).trim();
    const issuer = spec.slice(eq + 1).trim();
    if (eq <= 0 || !/^[\w.-]{1,128}$/.test(name) || !/^https:\/\/\S+$/.test(issuer)) throw new UsageError(`--oidc-provider must be NAME=ISSUER (an https URL), like OIDC=https://token.actions.githubusercontent.com, not "${spec}"`);
    return { name, issuer, audiences: values['oidc-audience'] ?? [], keys: new Map() } as IdentityProvider;
  });
  if (values['oidc-jwks'] !== undefined) {
    if (!providers.length) throw new UsageError('--oidc-jwks goes with --oidc-provider');
    let keys;
    try {
      keys = readJwks(values['oidc-jwks']);
    } catch (error) {
      throw new UsageError(`--oidc-jwks: ${(error as Error).message}`);
    }
    for (const provider of providers) provider.keys = keys;
  }
  if (values['oidc-audience'] && !providers.length) throw new UsageError('--oidc-audience goes with --oidc-provider');
  return { providers, roles: values.role };
}

/** A path as one shell word. */
function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

async function main(): Promise<void> {
  // `scf-emulator | head -3` (to read the endpoint lines) closes stdout early: the server goes on serving.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  const values = parse();
  if (values.version) {
    process.stdout.write(version() + '\n');
    return;
  }
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  if (values.reset !== undefined) {
    resetStateDir(values.reset);
    process.stdout.write(`Deleted the emulator state in ${values.reset}.\n`);
    return;
  }
  // The region is checked as the plugin checks it, before anything is read or started.
  if (values.region !== undefined) resolveRegion({ region: values.region }, {}, {});
  const service = values.service === undefined ? undefined : loadService(values.service, { stage: values.stage, region: values.region });
  // A function (or a timer) it cannot run does not keep the others from being served: one line each.
  for (const line of service?.notServed ?? []) process.stderr.write(`scf-emulator: ${line}\n`);
  const faults: Faults = {
    throttleRate: rate(values['throttle-rate'], 'throttle-rate'),
    throttleCode: code(values['throttle-code'], 'throttle-code', THROTTLE_CODE, 'RequestLimitExceeded or RequestLimitExceeded.<Kind>'),
    internalErrorRate: rate(values['error-rate'], 'error-rate'),
    errorCode: code(values['error-code'], 'error-code', SERVER_ERROR_CODE, 'InternalError, InternalError.<Kind> or ServiceUnavailable'),
    gatewayRate: rate(values['gateway-rate'], 'gateway-rate'),
    resetRate: rate(values['reset-rate'], 'reset-rate'),
    invalidJsonRate: rate(values['invalid-rate'], 'invalid-rate'),
    slowRate: rate(values['slow-rate'], 'slow-rate'),
    slowMs: count(values['slow-ms'], 'slow-ms'),
    latencyMs: count(values.latency, 'latency'),
    rateLimit: count(values['rate-limit'], 'rate-limit'),
    actions: nameList(values['fault-actions']),
    functions: nameList(values['fault-functions']),
    seed: count(values.seed, 'seed'),
  };
  const chosen = credentials(values);
  const sts = stsOptions(values);
  let secrets;
  try {
    secrets = values['secrets-file'] === undefined ? undefined : readSecretsFile(values['secrets-file']);
  } catch (error) {
    throw new UsageError(`--secrets-file: ${(error as Error).message}`);
  }
  const region = resolveRegion({ region: values.region }, { region: service?.region }, {});
  const listenPort = port(values.port ?? '9000');
  const trace = values.verbose ? (line: string) => process.stdout.write(`${line}\n`) : undefined;
  let emulator;
  try {
    emulator = await startEmulator({
      service,
      credentials: { secretId: chosen.secretId, secretKey: chosen.secretKey, token: chosen.token },
      sts,
      secrets,
      port: listenPort,
      urlPort: values['url-port'] === undefined ? 0 : port(values['url-port']),
      region,
      trace,
      behaviour: {
        statusDelayMs: count(values['status-delay'], 'status-delay'),
        logDelayMs: count(values['log-delay'], 'log-delay'),
        transitionMs: count(values['transition-ms'], 'transition-ms'),
        stateDir: values['state-dir'],
        deployFaults: (values['fail-deploy'] ?? []).map((pattern) => ({ pattern })),
        withoutLogTopic: values['no-log-topic'],
        simplifiedLogFormat: values['simple-log-format'],
        getFunctionLogsOffline: values['get-function-logs-offline'],
        clsLegacyQuery: values['cls-legacy-query'],
        routingSeed: count(values.seed, 'seed'),
        monitorLagMs: count(values['monitor-lag'], 'monitor-lag'),
        logIndexDelayMs: count(values['log-index-delay'], 'log-index-delay'),
        notice: (line) => process.stderr.write(`scf-emulator: ${line}\n`),
        trace,
      },
      faults,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new UsageError(`port ${listenPort} on 127.0.0.1 is in use: pick another with --port (0 picks a free one)`);
    throw error;
  }
  const { core } = emulator;
  // A made-up pair is kept with the account (the directory is its owner's alone), so a restart keeps it.
  if (chosen.source === 'new' && values['state-dir'] !== undefined) {
    fs.writeFileSync(path.join(core.stateDirectory, CREDENTIALS_FILE), JSON.stringify({ secretId: chosen.secretId, secretKey: chosen.secretKey }), { mode: 0o600 });
  }
  for (const bucket of values['cos-bucket'] ?? []) {
    const parsed = parseBucketName(bucket);
    if (!parsed || parsed.appId !== core.account.identity.appId) {
      await emulator.close();
      throw new UsageError(`--cos-bucket ${bucket}: name a bucket <name>-${core.account.identity.appId} (lower-case letters, digits and -)`);
    }
    core.cos.createBucket(bucket, region);
  }
  const names = [...core.account.functions.values()].map((f) => `${f.namespace}/${f.functionName}`).join(', ');
  const what = service ? `service ${service.service}, stage ${service.stage}` : 'account';
  const { appId, uin } = core.account.identity;
  process.stdout.write(`SCF emulator listening on ${emulator.url} (${what}, region ${region}, appid ${appId}, uin ${uin}: ${names || 'no functions'})\n`);
  if (core.armedTimers) process.stdout.write(`Timer triggers armed: ${core.armedTimers}\n`);
  for (const provider of sts.providers ?? []) {
    process.stdout.write(`STS: identity provider ${provider.name} (issuer ${provider.issuer}${provider.audiences.length ? `, audience ${provider.audiences.join(' or ')}` : ''}; ${provider.keys.size ? 'signatures checked' : 'signatures NOT checked: give --oidc-jwks'})\n`);
  }
  if (secrets) process.stdout.write(`Secrets Manager: ${secrets.length} secret(s)\n`);
  // A kept account's URLs are served again a moment after start (each says so on stderr as it opens).
  process.stdout.write(`Point the plugin (or any Tencent Cloud SDK) at it, in the shell you run sls in:\n`);
  process.stdout.write(`  export TENCENTCLOUD_SCF_ENDPOINT=${emulator.url}\n`);
  if (chosen.source === 'environment') {
    // A pair from the environment may be a real one: never echoed.
    process.stdout.write(`  (credentials: TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY as in this environment)\n`);
  } else if (values['secret-key-file'] !== undefined) {
    // A key kept in a file is not echoed: the line reads it.
    process.stdout.write(`  export TENCENTCLOUD_SECRET_ID=${chosen.secretId}\n  export TENCENTCLOUD_SECRET_KEY="$(cat ${shellQuote(path.resolve(values['secret-key-file']))})"\n`);
  } else {
    // The emulator's own pair (made up, kept, or given): not a Tencent Cloud secret.
    process.stdout.write(`  export TENCENTCLOUD_SECRET_ID=${chosen.secretId}\n  export TENCENTCLOUD_SECRET_KEY=${chosen.secretKey}\n`);
  }
  if (region !== 'ap-guangzhou') process.stdout.write(`  export TENCENTCLOUD_REGION=${region}\n`);
  process.stdout.write(`Control API token (X-Emulator-Token): ${emulator.controlToken}\n`);
  const stop = () => {
    // Every handler process is stopped at once; then the state is kept.
    emulator.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error) => {
  const oneLine = error instanceof UsageError || error?.name === 'ScfError' || error?.name === 'StateDirError';
  process.stderr.write(`scf-emulator: ${oneLine ? error.message : (error?.stack ?? error)}\n`);
  process.exit(2);
});

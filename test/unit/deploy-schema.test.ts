// The configuration schema as serverless itself applies it: its ConfigSchemaHandler, given the schema through the
// plugin's own constructor, validating in "error" mode so each warning it would print becomes a thrown message.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// serverless caches compiled validators under this directory (else under the home directory).
process.env.SLS_SCHEMA_CACHE_BASE_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-schema-'));

interface SchemaHandler {
  validateConfig(config: unknown): Promise<void>;
}
const ConfigSchemaHandler = require('serverless/lib/classes/config-schema-handler') as new (serverless: unknown) => SchemaHandler;
const TencentScfPlugin = require('../../lib/index') as new (serverless: unknown, options: unknown, io: unknown) => unknown;

const io = {
  log: { notice() {}, info() {}, warning() {}, error() {}, verbose() {}, debug() {} },
  writeText() {},
  progress: { create: () => ({ update() {}, remove() {} }) },
};

/** The messages serverless would warn with for `config` ([] when it has nothing to say). */
async function warnings(config: Record<string, any>): Promise<string[]> {
  const serverless: Record<string, any> = {
    service: { provider: { name: 'tencent' }, functions: {}, configValidationMode: 'error' },
    configurationInput: config,
    setProvider() {},
    classes: { Error },
    _logDeprecation() {},
  };
  serverless.configSchemaHandler = new ConfigSchemaHandler(serverless);
  new TencentScfPlugin(serverless, {}, io);
  try {
    await serverless.configSchemaHandler.validateConfig(config);
    return [];
  } catch (error) {
    return String((error as Error).message)
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.startsWith('at ') || line.startsWith('Configuration error at'));
  }
}

function service(functions: Record<string, unknown>, provider: Record<string, unknown> = {}, custom?: unknown): Record<string, unknown> {
  return { service: 'shop', provider: { name: 'tencent', ...provider }, functions, ...(custom ? { custom } : {}) };
}

test('schema: the older plugin\'s serverless.yml draws no warning', async () => {
  const domain = 'photos-1250000000.cos.ap-guangzhou.myqcloud.com';
  const config = service(
    {
      hello: {
        handler: 'index.main_handler',
        description: 'x',
        runtime: 'Nodejs8.9',
        memorySize: 256,
        timeout: 10,
        role: 'SCF_QcsRole',
        environment: { variables: { ENV: 'prod', COUNT: 3 } },
        vpcConfig: { vpcId: 'vpc-1', subnetId: 'subnet-1' },
        events: [
          { timer: { name: 't1', parameters: { cronExpression: '*/5 * * * *', enable: true } } },
          { cos: { name: domain, parameters: { bucket: domain, filter: { prefix: 'dir/', suffix: '.jpg' }, events: 'cos:ObjectCreated:*', enable: true } } },
          { ckafka: { name: 'ckafka-xxxx', parameters: { name: 'ckafka-xxxx', topic: 't', maxMsgNum: 999, offset: 'latest', enable: true } } },
        ],
      },
    },
    { runtime: 'Nodejs8.9', region: 'ap-guangzhou', stage: 'dev', credentials: '~/credentials', memorySize: 128, timeout: 3, environment: { variables: { A: 'b' } } },
  );
  assert.deepEqual(await warnings(config), []);
});

test('schema: the plugin\'s own forms draw no warning', async () => {
  const config = service(
    {
      api: {
        handler: 'src/app.handler',
        name: 'shop-api',
        namespace: 'team',
        runtime: 'Python3.12',
        initTimeout: 30,
        layers: [{ name: 'deps', version: 2 }],
        installDependency: false,
        cls: { logsetId: 'l', topicId: 't' },
        tags: { team: 'a', cost: 1 },
        environment: { PORT: 8080, DEBUG: true },
        package: { patterns: ['!tests/**'], individually: true },
        smoke: true,
        events: [
          { timer: '0 */5 * * * * *' },
          { timer: { cron: '*/5 * * * *', name: 'b', enable: false, argument: { x: 1 }, qualifier: '$LATEST' } },
          { cos: { bucket: 'photos-1250000000', events: ['cos:ObjectCreated:Put', 'cos:ObjectRemove:*'], prefix: 'in/', suffix: '.jpg' } },
          { ckafka: { instance: 'ckafka-a', topic: 'orders', maxMsgNum: 100, offset: 1700000000000, retry: 3, timeout: 30, consumerGroupName: 'g' } },
          { http: true },
          { http: { name: 'cam', authType: 'CAM', intranet: true, extranet: false, cors: { origins: ['*'], methods: 'GET,POST', maxAge: 60 }, qualifier: 'live' } },
        ],
      },
    },
    { namespace: 'team', memorySize: 64, tags: { owner: 'me' }, layers: [], vpcConfig: {} },
    { scf: { deploy: { timeout: 120, publish: true, alias: 'live' }, smoke: { concurrency: 2 } } },
  );
  assert.deepEqual(await warnings(config), []);
});

const typos: Array<[string, Record<string, unknown>, RegExp]> = [
  ['a provider key', service({}, { memorySiz: 128 }), /at 'provider': unrecognized property 'memorySiz'/],
  ['a function key', service({ api: { handler: 'index.main', timout: 3 } }), /at 'functions\.api': unrecognized property 'timout'/],
  ['memory off the steps', service({ api: { memorySize: 100 } }), /at 'functions\.api\.memorySize'/],
  ['a timer key', service({ api: { events: [{ timer: { crons: '* * * * *' } }] } }), /at 'functions\.api\.events\.0\.timer': unrecognized property 'crons'/],
  ['an older timer parameter', service({ api: { events: [{ timer: { name: 't', parameters: { cronExpresion: '* * * * *' } } }] } }), /at 'functions\.api\.events\.0\.timer\.parameters': unrecognized property 'cronExpresion'/],
  ['a cos filter key', service({ api: { events: [{ cos: { parameters: { filter: { prefx: 'a' } } } }] } }), /at 'functions\.api\.events\.0\.cos\.parameters\.filter': unrecognized property 'prefx'/],
  ['a ckafka range', service({ api: { events: [{ ckafka: { instance: 'ckafka-a', topic: 't', maxMsgNum: 20000 } }] } }), /at 'functions\.api\.events\.0\.ckafka\.maxMsgNum'/],
  ['an http key', service({ api: { events: [{ http: { auth: 'NONE' } }] } }), /at 'functions\.api\.events\.0\.http'/],
  ['a deploy setting', service({}, {}, { scf: { deploy: { publsh: true } } }), /at 'custom\.scf\.deploy': unrecognized property 'publsh'/],
  ['an unknown event type', service({ api: { events: [{ sqs: {} }] } }), /at 'functions\.api\.events\.0': unsupported function event/],
];

for (const [name, config, message] of typos) {
  test(`schema: a typo draws serverless's warning: ${name}`, async () => {
    const lines = await warnings(config);
    assert.ok(lines.some((line) => message.test(line)), lines.join('\n') || '(no warning)');
  });
}

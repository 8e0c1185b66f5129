import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { isScfError } from '../../lib/cloud/errors';
import { type DeployInput, desiredState, normaliseRuntime, PLUGIN_TAG_PREFIX, RUNTIMES, SERVICE_TAG, STAGE_TAG } from '../../lib/deploy/desired';

const base: DeployInput = { service: 'shop', stage: 'dev', region: 'ap-guangzhou', provider: {}, functions: {} };

/** The problem lines of an input (none when it is valid). */
function problems(input: Partial<DeployInput>): string[] {
  try {
    desiredState({ ...base, ...input });
    return [];
  } catch (error) {
    assert.ok(isScfError(error), String(error));
    assert.equal(error.code, 'Plugin.InvalidInput');
    const lines = error.message.split('\n');
    return lines.length > 1 ? lines.slice(1) : lines;
  }
}

function fn(settings: Record<string, unknown>, provider: Record<string, unknown> = {}): Partial<DeployInput> {
  return { provider, functions: { api: { handler: 'index.main', ...settings } } };
}

function only(input: Partial<DeployInput>) {
  const state = desiredState({ ...base, ...input });
  assert.equal(state.functions.length, 1);
  return state.functions[0];
}

// Each rule: the input, and the one line it must draw (exact text, or a pattern where the line lists much).
const rules: Array<[string, Partial<DeployInput>, string | RegExp]> = [
  ['memory not a step of 128', fn({ memorySize: 100 }), 'functions.api.memorySize must be 64 or a multiple of 128 from 128 to 3072, not 100'],
  ['memory above 3072', fn({ memorySize: 3200 }), 'functions.api.memorySize must be 64 or a multiple of 128 from 128 to 3072, not 3200'],
  ['memory not a number', fn({ memorySize: 'lots' }), 'functions.api.memorySize must be 64 or a multiple of 128 from 128 to 3072, not "lots"'],
  ['provider memory', fn({}, { memorySize: 96 }), 'provider.memorySize must be 64 or a multiple of 128 from 128 to 3072, not 96'],
  ['timeout 0', fn({ timeout: 0 }), 'functions.api.timeout must be a whole number of seconds from 1 to 900, not 0'],
  ['timeout 901', fn({ timeout: 901 }), 'functions.api.timeout must be a whole number of seconds from 1 to 900, not 901'],
  ['timeout fraction', fn({ timeout: 1.5 }), 'functions.api.timeout must be a whole number of seconds from 1 to 900, not 1.5'],
  ['initTimeout 301', fn({ initTimeout: 301 }), 'functions.api.initTimeout must be a whole number of seconds from 1 to 300, not 301'],
  ['description too long', fn({ description: 'x'.repeat(1001) }), 'functions.api.description must be at most 1000 characters, not 1001'],
  ['description not a string', fn({ description: 5 }), 'functions.api.description must be a string, not 5'],
  ['unknown runtime', fn({ runtime: 'nodejs99' }), /^functions\.api\.runtime must be one of SCF's runtimes \(.*Nodejs20\.15.*Python3\.12.*\), not "nodejs99" \(did you mean Nodejs8\.9\?\)$/],
  ['node handler without a function', fn({ handler: 'index' }), /^functions\.api\.handler must be file\.function, .*not "index"$/],
  ['node handler with a space', fn({ handler: 'my file.main' }), /^functions\.api\.handler must be file\.function/],
  ['go handler with a dot', fn({ runtime: 'Go1', handler: 'main.go' }), /^functions\.api\.handler must be the name of the Go executable \(e\.g\. main\).*not "main\.go"$/],
  ['java handler without ::', fn({ runtime: 'Java8', handler: 'index.main' }), /^functions\.api\.handler must be package\.Class::method for Java.*not "index\.main"$/],
  ['java without a handler', { functions: { api: { runtime: 'Java8' } } }, 'functions.api needs a handler: Java8 takes package.Class::method (e.g. example.Hello::mainHandler)'],
  ['env key not a name', fn({ environment: { '1A': 'x' } }), 'functions.api.environment.1A is not a valid variable name: a letter, then letters, digits and _'],
  ['env key reserved', fn({ environment: { TENCENTCLOUD_X: 'x' } }), 'functions.api.environment.TENCENTCLOUD_X starts with TENCENTCLOUD_, which SCF keeps for its own variables (SCF_, QCLOUD_, TENCENTCLOUD_)'],
  ['env key reserved in the older form', fn({}, { environment: { variables: { SCF_MINE: 'x' } } }), /^provider\.environment\.variables\.SCF_MINE starts with SCF_/],
  ['env value empty', fn({ environment: { A: '' } }), 'functions.api.environment.A is empty: SCF refuses empty values (leave the variable out instead)'],
  ['env value an object', fn({ environment: { A: { b: 1 } } }), 'functions.api.environment.A must be a string, number or boolean, not {"b":1}'],
  ['env over 4 KB merged', fn({ environment: { B: 'y'.repeat(2100) } }, { environment: { A: 'x'.repeat(2100) } }), 'functions.api.environment takes 4202 bytes (names and values, provider and function merged): SCF allows 4096'],
  ['vpc with one id', fn({ vpcConfig: { vpcId: 'vpc-1' } }), 'functions.api.vpcConfig needs both vpcId and subnetId (or neither), not only vpcId'],
  ['vpc id malformed', fn({ vpcConfig: { vpcId: 'x', subnetId: 'subnet-1' } }), 'functions.api.vpcConfig.vpcId must be a VPC id like vpc-abc123, not "x"'],
  ['six layers', fn({ layers: [1, 2, 3, 4, 5, 6].map((v) => ({ name: 'l', version: v })) }), 'functions.api.layers lists 6 layers: SCF binds at most 5 to a function'],
  ['layer version 0', fn({ layers: [{ name: 'deps', version: 0 }] }), 'functions.api.layers[0].version must be a layer version number (1 or more), not 0'],
  ['installDependency not a boolean', fn({ installDependency: 'yes' }), 'functions.api.installDependency must be true or false, not "yes"'],
  ['installDependency on Python', fn({ runtime: 'Python3.9', installDependency: true }), 'functions.api.installDependency applies to Node.js runtimes only, and api runs Python3.9'],
  ['cls with one id', fn({ cls: { logsetId: 'l' } }), 'functions.api.cls needs both logsetId and topicId as strings, not {"logsetId":"l"}'],
  ['role with a space', fn({ role: 'my role' }), 'functions.api.role must be the name of a CAM role (letters, digits and +=,.@_-), not "my role"'],
  ['tag with the plugin prefix', fn({ tags: { [`${PLUGIN_TAG_PREFIX}service`]: 'x' } }), `functions.api.tags.${PLUGIN_TAG_PREFIX}service uses the prefix ${PLUGIN_TAG_PREFIX}, which the plugin keeps for its own marks`],
  ['tag key reserved', fn({ tags: { 'qcloud:app': 'x' } }), /^functions\.api\.tags\.qcloud:app is a tag key Tencent Cloud reserves/],
  ['tag key with *', fn({ tags: { 'a*b': 'x' } }), /^functions\.api\.tags\.a\*b is not a valid tag key/],
  ['name too short', fn({ name: 'a' }), /^functions\.api\.name must be a function name SCF accepts \(2 to 60 .*\), not "a"$/],
  ['name ending with -', fn({ name: 'shop-' }), /^functions\.api\.name must be a function name SCF accepts.*not "shop-"$/],
  ['name not a string', fn({ name: 123 }), /^functions\.api\.name must be a function name SCF accepts.*not 123$/],
  ['default name too long', { service: 's'.repeat(60), functions: { api: { handler: 'index.main' } } }, /^functions\.api must be a function name SCF accepts.*the default name "s{60}-dev-api" \(service-stage-key\): set functions\.api\.name$/],
  ['namespace a list', fn({ namespace: ['a', 'b'] }), 'functions.api.namespace must be a string of 1 to 30 letters, digits, - or _, not ["a","b"]'],
  ['namespace a number', fn({ namespace: 123 }), 'functions.api.namespace must be a string of 1 to 30 letters, digits, - or _, not 123'],
  ['namespace empty', fn({ namespace: '' }), 'functions.api.namespace must be a string of 1 to 30 letters, digits, - or _, not ""'],
  ['namespace left empty', fn({ namespace: null }), 'functions.api.namespace must be a string of 1 to 30 letters, digits, - or _, not null'],
  ['namespace too long', fn({}, { namespace: 'n'.repeat(31) }), /^provider\.namespace must be a string of 1 to 30 .*not "n{31}"$/],
  ['deploy timeout', { deploy: { timeout: -1 }, functions: {} }, 'custom.scf.deploy.timeout must be a number of seconds above 0, not -1'],
  ['deploy publish', { deploy: { publish: 'x' }, functions: {} }, 'custom.scf.deploy.publish must be true or false, not "x"'],
  ['deploy alias', { deploy: { alias: '1bad' }, functions: {} }, 'custom.scf.deploy.alias must be an alias name (a letter, then up to 63 letters, digits, - or _), not "1bad"'],
  ['alias without publish', { deploy: { alias: 'live', publish: false }, functions: {} }, 'custom.scf.deploy.alias needs a published version to point at: drop publish: false, or the alias'],
  ['deploy key unknown', { deploy: { timout: 3 }, functions: {} }, 'custom.scf.deploy.timout is not a deploy setting: use timeout, publish, alias, strategy, keepVersions, lock, lockBucket, lockTimeout, lockExpiry, report and junit'],
  ['a function that is a list', { functions: { api: ['x'] } }, 'functions.api must be a map of the function\'s settings, not ["x"]'],
];

for (const [name, input, expected] of rules) {
  test(`desired state refuses: ${name}`, () => {
    const lines = problems(input);
    assert.equal(lines.length, 1, lines.join('\n'));
    if (typeof expected === 'string') assert.equal(lines[0], expected);
    else assert.match(lines[0], expected);
  });
}

test('all problems come out together, a bad provider default once however many functions use it', () => {
  const lines = problems({
    provider: { memorySize: 100, timeout: 0 },
    functions: { a: { handler: 'index.main' }, b: { handler: 'index.main' }, c: { handler: 'index', memorySize: 128 } },
  });
  assert.deepEqual(lines.sort(), [
    'functions.c.handler must be file.function, the file possibly in a folder (e.g. index.main_handler or src/app.handler), each name 2 to 60 letters, digits, - or _, a letter first, not "index"',
    'provider.memorySize must be 64 or a multiple of 128 from 128 to 3072, not 100',
    'provider.timeout must be a whole number of seconds from 1 to 900, not 0',
  ]);
  assert.throws(() => desiredState({ ...base, provider: { memorySize: 100, timeout: 0 }, functions: { a: {} } }), (error: Error) => /^serverless\.yml has 2 problems:\n/.test(error.message));
});

test('valid values: memory 64 and 3072, numeric strings, the runtime normalised, handlers per runtime', () => {
  assert.equal(only(fn({ memorySize: 64 })).configuration.memorySize, 64);
  assert.equal(only(fn({ memorySize: '3072' })).configuration.memorySize, 3072);
  assert.equal(normaliseRuntime('nodejs18.15'), 'Nodejs18.15');
  assert.equal(normaliseRuntime('PYTHON3.12'), 'Python3.12');
  assert.equal(normaliseRuntime('ruby3'), undefined);
  for (const runtime of ['Nodejs20.15', 'Python3.11', 'Python3.12', 'Php8.0', 'CustomRuntime', 'Java8', 'Go1']) assert.ok(RUNTIMES.includes(runtime), runtime);
  assert.equal(only(fn({ runtime: 'nodejs18.15' })).configuration.runtime, 'Nodejs18.15');
  assert.equal(only(fn({ handler: 'src/api/app.handler' })).configuration.handler, 'src/api/app.handler');
  assert.equal(only(fn({ runtime: 'Go1', handler: 'main' })).configuration.handler, 'main');
  assert.equal(only({ functions: { api: { runtime: 'Go1' } } }).configuration.handler, 'main');
  assert.equal(only(fn({ runtime: 'Java8', handler: 'example.Hello::mainHandler' })).configuration.handler, 'example.Hello::mainHandler');
  assert.equal(only({ functions: { api: null } }).configuration.handler, 'index.main_handler');
});

test('defaults: Nodejs18.15, 128 MB, 3 s, no description, namespace default, name service-stage-key', () => {
  const api = only({ functions: { api: {} } });
  assert.deepEqual(api.configuration, { runtime: 'Nodejs18.15', handler: 'index.main_handler', memorySize: 128, timeout: 3, description: '', environment: {}, layers: [] });
  assert.equal(api.functionName, 'shop-dev-api');
  assert.equal(api.namespace, 'default');
  assert.equal(api.key, 'api');
  assert.deepEqual(api.triggers, []);
});

test('provider keys are defaults, function keys win; environment and tags merge with the function winning', () => {
  const state = desiredState({
    ...base,
    provider: {
      runtime: 'Python3.9',
      memorySize: 256,
      timeout: 10,
      namespace: 'team',
      role: 'SCF_Role',
      vpcConfig: { vpcId: 'vpc-1', subnetId: 'subnet-1' },
      layers: [{ name: 'deps', version: 2 }],
      environment: { variables: { SHARED: 'p', MODE: 'provider' } },
      tags: { team: 'a', cost: 'x' },
    },
    functions: {
      api: { handler: 'app.main', memorySize: 512, environment: { MODE: 'function', PORT: 8080, DEBUG: false }, tags: { team: 'b' } },
      jobs: { handler: 'jobs.run', name: 'shop-jobs', namespace: 'batch', timeout: 60, vpcConfig: {}, layers: [], runtime: 'Python3.12' },
    },
  });
  const [api, jobs] = state.functions;
  assert.deepEqual(api.configuration, {
    runtime: 'Python3.9',
    handler: 'app.main',
    memorySize: 512,
    timeout: 10,
    description: '',
    environment: { SHARED: 'p', MODE: 'function', PORT: '8080', DEBUG: 'false' },
    layers: [{ name: 'deps', version: 2 }],
    role: 'SCF_Role',
    vpcConfig: { vpcId: 'vpc-1', subnetId: 'subnet-1' },
  });
  assert.deepEqual(api.tags, { team: 'b', cost: 'x', [SERVICE_TAG]: 'shop', [STAGE_TAG]: 'dev' });
  assert.equal(api.namespace, 'team');
  assert.equal(jobs.functionName, 'shop-jobs');
  assert.equal(jobs.namespace, 'batch');
  assert.equal(jobs.configuration.runtime, 'Python3.12');
  assert.equal(jobs.configuration.timeout, 60);
  assert.equal(jobs.configuration.vpcConfig, undefined, 'vpcConfig: {} drops the provider VPC');
  assert.deepEqual(jobs.configuration.layers, [], 'layers: [] drops the provider layers');
  assert.deepEqual(state.namespaces, ['team', 'batch']);
});

test('optional settings: initTimeout, installDependency, cls appear only when given', () => {
  const api = only(fn({ initTimeout: 30, installDependency: true, cls: { logsetId: 'ls-1', topicId: 'tp-1' }, description: 'the API' }));
  assert.equal(api.configuration.initTimeout, 30);
  assert.equal(api.configuration.installDependency, true);
  assert.equal(api.configuration.clsLogsetId, 'ls-1');
  assert.equal(api.configuration.clsTopicId, 'tp-1');
  assert.equal(api.configuration.description, 'the API');
  const plain = only(fn({}));
  for (const key of ['initTimeout', 'installDependency', 'clsLogsetId', 'clsTopicId', 'role', 'vpcConfig']) assert.ok(!(key in plain.configuration), key);
});

test('the plugin marks every function with its service and stage, under keys Tencent accepts', () => {
  const api = only(fn({}));
  assert.equal(api.tags[SERVICE_TAG], 'shop');
  assert.equal(api.tags[STAGE_TAG], 'dev');
  for (const key of [SERVICE_TAG, STAGE_TAG]) {
    assert.match(key, /^[A-Za-z0-9 +\-=._:/@]{1,127}$/);
    assert.doesNotMatch(key, /^(qcloud|tencent|project|qcs:)/i);
  }
});

test('two keys that deploy as the same function are refused', () => {
  assert.deepEqual(problems({ functions: { a: { name: 'shop-x' }, b: { name: 'shop-x' } } }), [
    'functions.b deploys as "shop-x" in namespace "default", as functions.a does: give one a different name',
  ]);
  assert.deepEqual(problems({ functions: { a: { name: 'shop-x' }, b: { name: 'shop-x', namespace: 'other' } } }), []);
});

test('custom.scf.deploy: timeout 300 by default; an alias implies publishing', () => {
  assert.deepEqual(desiredState({ ...base }).settings, { timeout: 300, publish: false });
  assert.deepEqual(desiredState({ ...base, deploy: { timeout: 60, publish: true } }).settings, { timeout: 60, publish: true });
  assert.deepEqual(desiredState({ ...base, deploy: { alias: 'live' } }).settings, { timeout: 300, publish: true, alias: 'live' });
});

test('events become triggers with the function region; their problems name their key', () => {
  const api = only(fn({ events: [{ timer: '*/5 * * * *' }, { cos: { bucket: 'photos-1250000000' } }] }));
  assert.equal(api.triggers.length, 2);
  assert.equal(api.triggers[1].name, 'photos-1250000000.cos.ap-guangzhou.myqcloud.com');
  assert.deepEqual(problems(fn({ events: [{ timer: '0 0 25 * * * *' }] })), [
    'functions.api.events[0].timer is not a cron expression SCF accepts: the hour field "25" holds 25, outside 0–23',
  ]);
});

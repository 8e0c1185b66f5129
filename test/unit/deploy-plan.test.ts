import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { isScfError } from '../../lib/cloud/errors';
import type { DeployedTrigger, FunctionInfo, FunctionSummary, TriggerSpec } from '../../lib/cloud/types';
import { type DeployInput, type DesiredFunction, desiredState, type DeploySettings, SERVICE_TAG, STAGE_TAG } from '../../lib/deploy/desired';
import { type CodeState, planDeploy, planFunction, planRemovals, planTriggers, type PlanStep, sha256Hex } from '../../lib/deploy/plan';
import { summaryLines, stepLines } from '../../lib/deploy/summary';

const SHA_HEX = 'ab'.repeat(32);
const SHA_BASE64 = Buffer.from(SHA_HEX, 'hex').toString('base64');
const OTHER_SHA = 'cd'.repeat(32);
/** The package as deployed: GetFunctionAddress reports the same bytes (here in base64). */
const SAME_CODE: CodeState = { sha256: SHA_HEX, deployedSha256: SHA_BASE64 };

const base: DeployInput = { service: 'shop', stage: 'dev', region: 'ap-guangzhou' };

function desiredOf(settings: Record<string, unknown>, provider: Record<string, unknown> = {}): DesiredFunction {
  return desiredState({ ...base, provider: { runtime: 'Nodejs18.15', ...provider }, functions: { api: { handler: 'index.main', ...settings } } }).functions[0];
}

/** How SCF reports a trigger after CreateTrigger: Enable 1/0, a timer's cron as {"cron": seven fields}. */
function readBackTrigger(spec: TriggerSpec): DeployedTrigger {
  let desc = spec.desc ?? '';
  if (spec.type === 'timer') {
    const fields = desc.trim().split(/\s+/);
    desc = JSON.stringify({ cron: (fields.length === 5 ? ['0', ...fields, '*'] : fields).join(' ') });
  }
  if (spec.type === 'ckafka') desc = JSON.stringify({ ...JSON.parse(desc), consumerGroupName: '', ResourceId: 'ckafka-x' });
  return { type: spec.type, name: spec.name, desc, enable: spec.enable, qualifier: spec.qualifier, customArgument: spec.customArgument ?? '', description: '', addTime: '2026-01-01 00:00:00', modTime: '2026-01-01 00:00:00' };
}

/** What GetFunction (as the client maps it) returns after `desired` was deployed, with SCF's own additions. */
function readBack(desired: DesiredFunction, over: Partial<FunctionInfo> = {}): FunctionInfo {
  const c = desired.configuration;
  return {
    ...c,
    // SCF fills these in on its own: a default init timeout and an automatically made log topic.
    initTimeout: c.initTimeout ?? 65,
    clsLogsetId: c.clsLogsetId ?? 'auto-logset',
    clsTopicId: c.clsTopicId ?? 'auto-topic',
    installDependency: c.installDependency ?? false,
    functionName: desired.functionName,
    namespace: desired.namespace,
    functionId: 'lam-1',
    status: 'Active',
    statusDesc: '',
    statusReasons: [],
    qualifier: '$LATEST',
    codeSize: 100,
    addTime: '',
    modTime: '',
    tags: { ...desired.tags },
    triggers: desired.triggers.map(readBackTrigger),
    type: 'Event',
    apiRequestId: 'r',
    ...over,
  };
}

function actions(steps: PlanStep[]): string[] {
  return steps.map((s) => s.action);
}

function step<A extends PlanStep['action']>(steps: PlanStep[], action: A): Extract<PlanStep, { action: A }> {
  const found = steps.find((s) => s.action === action);
  assert.ok(found, `no ${action} step in ${actions(steps).join(', ')}`);
  return found as Extract<PlanStep, { action: A }>;
}

const API = desiredOf({
  environment: { A: '1', B: '2' },
  layers: [{ name: 'deps', version: 1 }],
  events: [{ timer: { cron: '0 0 * * *', name: 'hourly' } }, { cos: { bucket: 'photos-1250000000', prefix: 'in/' } }, { ckafka: { instance: 'ckafka-a', topic: 't' } }, { http: true }],
});

// ---- the table: desired, deployed, code → the steps and what their reasons say ----------------------------------

interface Case {
  name: string;
  desired: DesiredFunction;
  deployed: FunctionInfo | undefined;
  code?: CodeState;
  settings?: DeploySettings;
  actions: string[];
  reasons?: RegExp[];
}

const cases: Case[] = [
  { name: 'new function', desired: API, deployed: undefined, actions: ['create', 'createTrigger', 'createTrigger', 'createTrigger', 'createTrigger'], reasons: [/^new: create "shop-dev-api" in namespace "default"$/] },
  { name: 'unchanged (the hash in base64 against hex, SCF defaults, read-back quirks)', desired: API, deployed: readBack(API), actions: [] },
  { name: 'code changed', desired: API, deployed: readBack(API), code: { sha256: OTHER_SHA, deployedSha256: SHA_BASE64 }, actions: ['updateCode'], reasons: [/^code changed \(SHA-256 abababababab… → cdcdcdcdcdcd…\)$/] },
  { name: 'code hash unknown', desired: API, deployed: readBack(API), code: { sha256: SHA_HEX }, actions: ['updateCode'], reasons: [/SHA-256 is unknown/] },
  { name: 'handler changed', desired: API, deployed: readBack(API, { handler: 'index.old' }), actions: ['updateCode'], reasons: [/^handler index\.old → index\.main$/] },
  { name: 'memory changed', desired: API, deployed: readBack(API, { memorySize: 256 }), actions: ['updateConfiguration'], reasons: [/^configuration changed: memorySize 256 → 128$/] },
  { name: 'an env var removed, one changed', desired: API, deployed: readBack(API, { environment: { A: 'old', B: '2', C: 'secret-value' } }), actions: ['updateConfiguration'], reasons: [/^configuration changed: environment \(~A, -C\)$/] },
  { name: 'a layer changed', desired: API, deployed: readBack(API, { layers: [{ name: 'deps', version: 2 }] }), actions: ['updateConfiguration'], reasons: [/layers deps@2 → deps@1/] },
  { name: 'a VPC removed', desired: API, deployed: readBack(API, { vpcConfig: { vpcId: 'vpc-1', subnetId: 'subnet-1' } }), actions: ['updateConfiguration'], reasons: [/vpcConfig vpc-1\/subnet-1 → \(none\)/] },
  { name: 'tags changed', desired: API, deployed: readBack(API, { tags: { ...API.tags, owner: 'x', 'qcs:system': 'y' } }), actions: ['updateTags'], reasons: [/^tags changed \(-owner\)$/] },
  {
    name: 'a function of the older plugin is adopted',
    desired: API,
    deployed: readBack(API, { tags: { Application: 'shop', Stage: 'dev', CLI: 'Serverless' } }),
    actions: ['updateTags'],
    reasons: [/-Application, -CLI, -Stage.*not deployed by this plugin before/],
  },
  { name: 'a trigger added', desired: API, deployed: readBack(API, { triggers: readBack(API).triggers.slice(1) }), actions: ['createTrigger'], reasons: [/^timer trigger "hourly" is new$/] },
  {
    name: 'a timer changed is updated in place',
    desired: API,
    deployed: readBack(API, { triggers: [{ ...readBack(API).triggers[0], desc: '{"cron":"0 30 * * * * *"}' }, ...readBack(API).triggers.slice(1)] }),
    actions: ['updateTrigger'],
    reasons: [/^timer trigger "hourly" changed \(cron 0 30 \* \* \* \* \* → 0 0 0 \* \* \* \*\)$/],
  },
  {
    name: 'a COS trigger disabled is deleted and created again',
    desired: API,
    deployed: readBack(API, { triggers: readBack(API).triggers.map((t) => (t.type === 'cos' ? { ...t, enable: false } : t)) }),
    actions: ['deleteTrigger', 'createTrigger'],
    reasons: [/changed \(enabled\) and SCF does not update cos triggers in place: delete it, then create it again$/, /created again with its change \(enabled\)$/],
  },
  {
    name: 'a trigger removed from serverless.yml is deleted; other types are left alone',
    desired: API,
    deployed: readBack(API, {
      triggers: [
        ...readBack(API).triggers,
        readBackTrigger({ type: 'timer', name: 'old', desc: '0 0 1 * * * *', enable: true, qualifier: '$LATEST' }),
        { ...readBackTrigger({ type: 'apigw', name: 'api', desc: '{"api":{}}', enable: true, qualifier: '$LATEST' }) },
      ],
    }),
    actions: ['deleteTrigger'],
    reasons: [/^timer trigger "old" on \$LATEST is no longer in serverless\.yml$/],
  },
  { name: 'CreateFailed: delete, wait, create', desired: API, deployed: readBack(API, { status: 'CreateFailed', statusReasons: [{ errorCode: 'X', errorMessage: 'image pull failed\u001b[31m' }], triggers: [] }), actions: ['recreate', 'createTrigger', 'createTrigger', 'createTrigger', 'createTrigger'], reasons: [/^found CreateFailed \(image pull failed\): delete it, wait until it is gone, then create it again$/] },
  { name: 'busy with nothing to change: wait only', desired: API, deployed: readBack(API, { status: 'Updating' }), actions: ['wait'], reasons: [/^found Updating: wait until it is Active before changing it$/] },
  { name: 'busy and changed: wait first', desired: API, deployed: readBack(API, { status: 'Publishing', memorySize: 512 }), actions: ['wait', 'updateConfiguration'] },
  { name: 'Deleting: wait until gone, then create', desired: API, deployed: readBack(API, { status: 'Deleting' }), actions: ['wait', 'create', 'createTrigger', 'createTrigger', 'createTrigger', 'createTrigger'] },
  { name: 'UpdateFailed: code and configuration again', desired: API, deployed: readBack(API, { status: 'UpdateFailed', statusDesc: 'layer missing' }), actions: ['updateCode', 'updateConfiguration'], reasons: [/^found UpdateFailed \(layer missing\): send code and configuration again$/, /^found UpdateFailed/] },
  { name: 'UpdateFailed with a change says both', desired: API, deployed: readBack(API, { status: 'UpdateFailed', handler: 'old.main' }), actions: ['updateCode', 'updateConfiguration'], reasons: [/^found UpdateFailed: send code and configuration again; handler old\.main → index\.main$/, /^found UpdateFailed: send code and configuration again$/] },
  { name: 'DeleteFailed: a plain update', desired: API, deployed: readBack(API, { status: 'DeleteFailed', timeout: 9 }), actions: ['updateConfiguration'], reasons: [/^found DeleteFailed: update it as it is; configuration changed: timeout 9 → 3$/] },
  { name: 'publish after a change, before triggers', desired: API, deployed: readBack(API, { memorySize: 256, triggers: [] }), settings: { timeout: 300, publish: true, alias: 'live' }, actions: ['updateConfiguration', 'publish', 'createTrigger', 'createTrigger', 'createTrigger', 'createTrigger'], reasons: [/./, /^changed: publish a version and point alias live at it$/] },
  { name: 'a runtime SCF reports in another case is the same runtime', desired: API, deployed: readBack(API, { runtime: 'nodejs18.15' }), actions: [] },
  { name: 'no publish when nothing changed', desired: API, deployed: readBack(API), settings: { timeout: 300, publish: true }, actions: [] },
  { name: 'PublishFailed: a plain update', desired: API, deployed: readBack(API, { status: 'PublishFailed', memorySize: 256 }), actions: ['updateConfiguration'], reasons: [/^found PublishFailed: update it as it is; configuration changed: memorySize 256 → 128$/] },
  // Publishing converges: the version it keeps current (the alias's, else the newest) is compared with serverless.yml.
  { name: 'alias set on an unchanged function that has none: publish and make it', desired: API, deployed: readBack(API), code: { ...SAME_CODE, published: null }, settings: { timeout: 300, publish: true, alias: 'live' }, actions: ['publish'], reasons: [/^alias live does not exist yet: publish a version and point alias live at it$/] },
  { name: 'the alias holds what serverless.yml says: nothing', desired: API, deployed: readBack(API), code: { ...SAME_CODE, published: { version: '3', info: readBack(API, { qualifier: '3' }), codeSha256: SHA_HEX } }, settings: { timeout: 300, publish: true, alias: 'live' }, actions: [] },
  { name: 'a deploy stopped before PublishVersion: the alias is on older code', desired: API, deployed: readBack(API), code: { ...SAME_CODE, published: { version: '3', info: readBack(API, { qualifier: '3' }), codeSha256: OTHER_SHA } }, settings: { timeout: 300, publish: true, alias: 'live' }, actions: ['publish'], reasons: [/^version 3 \(alias live\) does not hold serverless\.yml's code: publish/] },
  { name: 'the newest version has older configuration (no alias)', desired: API, deployed: readBack(API), code: { ...SAME_CODE, published: { version: '2', info: readBack(API, { qualifier: '2', memorySize: 512 }), codeSha256: SHA_HEX } }, settings: { timeout: 300, publish: true }, actions: ['publish'], reasons: [/^version 2 does not hold serverless\.yml's configuration: publish a version$/] },
  { name: 'deploy --force: code and configuration sent though unchanged', desired: API, deployed: readBack(API), code: { ...SAME_CODE, force: true }, actions: ['updateCode', 'updateConfiguration'], reasons: [/^forced$/, /^forced$/] },
  { name: 'PublishFailed with publish on: publish again', desired: API, deployed: readBack(API, { status: 'PublishFailed' }), settings: { timeout: 300, publish: true }, actions: ['publish'], reasons: [/^found PublishFailed: publish a version$/] },
];

for (const c of cases) {
  test(`plan: ${c.name}`, () => {
    const steps = planFunction(c.desired, c.deployed, c.code ?? SAME_CODE, c.settings);
    assert.deepEqual(actions(steps), c.actions);
    (c.reasons ?? []).forEach((reason, i) => assert.match(steps[i].reason, reason));
    // No reason ever shows an environment value.
    for (const s of steps) assert.doesNotMatch(s.reason, /secret-value/);
  });
}

test('plan: removing every environment variable and layer marks the step to clear them', () => {
  const bare = desiredOf({});
  const steps = planFunction(bare, readBack(bare, { environment: { A: '1' }, layers: [{ name: 'deps', version: 1 }], vpcConfig: { vpcId: 'vpc-1', subnetId: 'subnet-1' } }), SAME_CODE);
  const update = step(steps, 'updateConfiguration');
  assert.deepEqual(update.changed, ['environment', 'vpcConfig', 'layers']);
  assert.equal(update.clearEnvironment, true);
  assert.equal(update.clearLayers, true);
  assert.equal(update.clearVpcConfig, true);
  assert.deepEqual(update.configuration, bare.configuration, 'the whole desired configuration goes with the step');
  const someLeft = step(planFunction(API, readBack(API, { environment: { A: '1', B: '2', C: '3' } }), SAME_CODE), 'updateConfiguration');
  assert.equal(someLeft.clearEnvironment, false);
  assert.equal(someLeft.clearLayers, false);
});

test('plan: settings serverless.yml does not give are SCF\'s (auto log topic, init timeout); given ones are compared', () => {
  const plain = desiredOf({});
  assert.deepEqual(planFunction(plain, readBack(plain, { clsTopicId: 'other', initTimeout: 90, role: 'Console_Role' }), SAME_CODE), []);
  const given = desiredOf({ initTimeout: 30, cls: { logsetId: 'ls', topicId: 'tp' }, role: 'R', installDependency: true });
  const update = step(planFunction(given, readBack(given, { initTimeout: 65, clsTopicId: 'auto', role: 'Other', installDependency: false }), SAME_CODE), 'updateConfiguration');
  assert.deepEqual(update.changed, ['initTimeout', 'role', 'installDependency', 'cls']);
});

test('plan: the code step carries the handler; trigger steps carry what the API needs', () => {
  const code = step(planFunction(API, readBack(API, { handler: 'old.main' }), SAME_CODE), 'updateCode');
  assert.equal(code.handler, 'index.main');
  const cosTrigger = readBack(API).triggers.find((t) => t.type === 'cos')!;
  const removed = step(planFunction(desiredOf({}), readBack(API, { triggers: [cosTrigger] }), SAME_CODE), 'deleteTrigger');
  assert.deepEqual(removed.trigger, cosTrigger, 'DeleteTrigger gets the deployed desc and qualifier');
  const timerChanged = readBack(API, { triggers: [{ ...readBack(API).triggers[0], enable: false }, ...readBack(API).triggers.slice(1)] });
  const update = step(planFunction(API, timerChanged, SAME_CODE), 'updateTrigger');
  assert.equal(update.trigger, API.triggers[0]);
  assert.equal(update.deployed, timerChanged.triggers[0]);
});

test('plan: a ckafka offset change cannot be updated in place; deletes come before updates before creates', () => {
  const desired: TriggerSpec[] = [
    { type: 'ckafka', name: 'ckafka-a-t', desc: '{"maxMsgNum":100,"offset":"earliest","retry":10000,"timeOut":60}', enable: true, qualifier: '$DEFAULT' },
    { type: 'timer', name: 'a', desc: '0 0 * * * * *', enable: true, qualifier: '$DEFAULT' },
    { type: 'timer', name: 'new', desc: '0 0 * * * * *', enable: true, qualifier: '$DEFAULT' },
  ];
  const deployed = [
    readBackTrigger({ ...desired[0], desc: '{"maxMsgNum":100,"offset":"latest","retry":10000,"timeOut":60}' }),
    readBackTrigger({ ...desired[1], enable: false }),
    readBackTrigger({ type: 'timer', name: 'gone', desc: '0 0 * * * * *', enable: true, qualifier: '$DEFAULT' }),
  ];
  const steps = planTriggers(desired, deployed);
  assert.deepEqual(
    steps.map((s) => `${s.action} ${s.trigger.name}`),
    ['deleteTrigger ckafka-a-t', 'deleteTrigger gone', 'updateTrigger a', 'createTrigger ckafka-a-t', 'createTrigger new'],
  );
  assert.match(steps[0].reason, /offset latest → earliest\) and a ckafka trigger keeps its offset and consumer group/);
});

test('plan: a timer argument changed is updated in place; one taken away means a new trigger', () => {
  const timer: TriggerSpec = { type: 'timer', name: 't', desc: '0 0 * * * * *', enable: true, qualifier: '$DEFAULT' };
  const withArgument = readBackTrigger({ ...timer, customArgument: 'old' });
  assert.deepEqual(
    planTriggers([{ ...timer, customArgument: 'new' }], [withArgument]).map((s) => s.action),
    ['updateTrigger'],
  );
  const taken = planTriggers([timer], [withArgument]);
  assert.deepEqual(taken.map((s) => `${s.action} ${s.trigger.name}`), ['deleteTrigger t', 'createTrigger t']);
  assert.match(taken[0].reason, /\(argument\) and UpdateTrigger cannot take away its argument: delete it, then create it again/);
  assert.deepEqual(planTriggers([timer], [readBackTrigger(timer)]), [], 'no argument on either side: nothing to do');
});

test('plan: a second deploy of what a first deploy made plans nothing, whatever the settings', () => {
  const variants = [
    desiredOf({}),
    API,
    desiredOf({ memorySize: 64, timeout: 900, description: 'd', vpcConfig: { vpcId: 'vpc-1', subnetId: 'subnet-1' }, initTimeout: 10, cls: { logsetId: 'l', topicId: 't' }, tags: { team: 'a' } }),
    desiredOf({ events: [{ timer: '*/5 * * * *' }, { timer: { cron: '0 0 8 * * * *', name: 'b', argument: { x: 1 }, enable: false, qualifier: '$LATEST' } }, { http: { authType: 'CAM', cors: true } }] }),
  ];
  for (const desired of variants) assert.deepEqual(planFunction(desired, readBack(desired), SAME_CODE, { timeout: 300, publish: true }), [], desired.key);
});

test('plan: refusals — a runtime change, a web function, another service\'s or stage\'s function', () => {
  const refuse = (deployed: FunctionInfo, message: RegExp) =>
    assert.throws(() => planFunction(API, deployed, SAME_CODE), (error: unknown) => isScfError(error) && error.code === 'Plugin.InvalidInput' && message.test(error.message));
  refuse(readBack(API, { runtime: 'Nodejs16.13' }), /^functions\.api: "shop-dev-api" in namespace "default" runs Nodejs16\.13 and serverless\.yml says Nodejs18\.15, but SCF cannot change a function's runtime: set runtime back to Nodejs16\.13, or delete the function and deploy again\.$/);
  refuse(
    readBack(API, { type: 'HTTP' }),
    /^functions\.api: "shop-dev-api" in namespace "default" is a web function \(Type HTTP\) and serverless\.yml deploys an event function \(Type Event\), but SCF cannot change a function's type after it is created: /,
  );
  // Async run is set at creation only: a change is refused; serverless.yml that does not say keeps what is there.
  const asyncApi = { ...API, configuration: { ...API.configuration, asyncRunEnable: true } };
  assert.throws(
    () => planFunction(asyncApi, readBack(API), SAME_CODE),
    /^ScfError: functions\.api: "shop-dev-api" in namespace "default" was created with asyncRunEnable off and serverless\.yml turns it on, but SCF sets it at creation only: set asyncRunEnable back to false, or delete the function and deploy again\.$/,
  );
  assert.deepEqual(planFunction(asyncApi, readBack(asyncApi), SAME_CODE), []);
  assert.deepEqual(planFunction(API, readBack(asyncApi), SAME_CODE), [], 'serverless.yml that does not set it keeps what was made');
  refuse(readBack(API, { tags: { [SERVICE_TAG]: 'other', [STAGE_TAG]: 'dev' } }), /which service "other" stage "dev" deployed: give this function another name, or remove that one first\.$/);
  refuse(readBack(API, { tags: { [SERVICE_TAG]: 'shop', [STAGE_TAG]: 'prod' } }), /stage "prod" deployed/);
  // A CreateFailed function is replaced whatever its runtime was.
  assert.deepEqual(actions(planFunction(API, readBack(API, { status: 'CreateFailed', runtime: 'Python3.9', triggers: [] }), SAME_CODE)).slice(0, 1), ['recreate']);
});

test('sha256Hex: hex in any case, base64 and URL-safe base64 of the same bytes; anything else is unknown', () => {
  assert.equal(sha256Hex(SHA_HEX.toUpperCase()), SHA_HEX);
  assert.equal(sha256Hex(SHA_BASE64), SHA_HEX);
  assert.equal(sha256Hex(SHA_BASE64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=$/, '')), SHA_HEX);
  assert.equal(sha256Hex('abc'), undefined);
  assert.equal(sha256Hex(''), undefined);
  assert.equal(sha256Hex(Buffer.alloc(20).toString('base64')), undefined);
});

// ---- all functions, removals, the summary ----------------------------------------------------------------

const state = desiredState({
  ...base,
  provider: { runtime: 'Nodejs18.15' },
  functions: { api: { handler: 'index.main' }, jobs: { handler: 'jobs.main', namespace: 'batch', events: [{ timer: '0 * * * *' }] } },
});

function summary(name: string, namespace: string, tags: Record<string, string>, status = 'Active'): FunctionSummary {
  return { functionName: name, namespace, status, runtime: 'Nodejs18.15', description: '', tags, addTime: '', modTime: '' };
}

test('removals: functions of this service and stage that serverless.yml no longer lists', () => {
  const ours = { [SERVICE_TAG]: 'shop', [STAGE_TAG]: 'dev' };
  const removals = planRemovals(state, [
    summary('shop-dev-api', 'default', ours),
    summary('shop-dev-jobs', 'batch', ours),
    summary('shop-dev-jobs', 'default', ours),
    summary('shop-dev-old', 'default', ours, 'Updating'),
    summary('shop-dev-going', 'default', ours, 'Deleting'),
    summary('shop-prod-old', 'default', { ...ours, [STAGE_TAG]: 'prod' }),
    summary('blog-dev-old', 'default', { ...ours, [SERVICE_TAG]: 'blog' }),
    summary('hand-made', 'default', {}),
  ]);
  assert.deepEqual(
    removals.map((r) => [r.functionName, r.namespace, r.waitFirst]),
    [
      ['shop-dev-jobs', 'default', false],
      ['shop-dev-old', 'default', true],
    ],
  );
  assert.match(removals[0].reason, /^"shop-dev-jobs" in namespace "default" is no longer in serverless\.yml$/);
  assert.match(removals[1].reason, /found Updating: wait until it settles first/);
});

test('planDeploy: every function planned by its key; what cannot be done comes out together', () => {
  const [api, jobs] = state.functions;
  const code = new Map([
    ['api', SAME_CODE],
    ['jobs', SAME_CODE],
  ]);
  const plans = planDeploy(state, new Map([['api', readBack(api)]]), code);
  assert.deepEqual(
    plans.map((p) => [p.key, p.functionName, p.namespace, actions(p.steps)]),
    [
      ['api', 'shop-dev-api', 'default', []],
      ['jobs', 'shop-dev-jobs', 'batch', ['create', 'createTrigger']],
    ],
  );
  assert.throws(
    () => planDeploy(state, new Map([['api', readBack(api, { runtime: 'Go1' })], ['jobs', readBack(jobs, { runtime: 'Php8.0' })]]), code),
    (error: unknown) => isScfError(error) && /^The deploy cannot go ahead:\nfunctions\.api: .*Go1.*\nfunctions\.jobs: .*Php8\.0/.test(error.message),
  );
  assert.throws(() => planDeploy(state, new Map(), new Map([['api', SAME_CODE]])), /functions\.jobs: no package was built for it\./);
});

test('summary: one line per function, then the removals; steps with their reasons', () => {
  const [api, jobs] = state.functions;
  const plans = [
    { key: 'api', functionName: api.functionName, namespace: api.namespace, steps: planFunction(api, readBack(api, { memorySize: 256, environment: { X: '1' } }), { sha256: OTHER_SHA, deployedSha256: SHA_HEX }) },
    { key: 'jobs', functionName: jobs.functionName, namespace: jobs.namespace, steps: planFunction(jobs, undefined, SAME_CODE) },
    { key: 'same', functionName: api.functionName, namespace: api.namespace, steps: [] },
    {
      key: 'cron',
      functionName: jobs.functionName,
      namespace: 'default',
      steps: planFunction(jobs, readBack(jobs, { triggers: [{ ...readBackTrigger(jobs.triggers[0]), enable: false }, readBackTrigger({ type: 'timer', name: 'x', desc: '* * * * *', enable: true, qualifier: '$DEFAULT' })] }), SAME_CODE),
    },
  ];
  const removals = planRemovals(state, [summary('shop-dev-old', 'default', { [SERVICE_TAG]: 'shop', [STAGE_TAG]: 'dev' })]);
  assert.deepEqual(summaryLines(plans, removals), [
    'api (shop-dev-api): code updated, configuration updated (memorySize, environment)',
    'jobs (shop-dev-jobs, namespace batch): created, 1 trigger created',
    'same (shop-dev-api): unchanged',
    'cron (shop-dev-jobs): 1 trigger updated, 1 trigger removed',
    'shop-dev-old: removed (no longer in serverless.yml)',
  ]);
  const cosReplaced = planFunction(API, readBack(API, { triggers: readBack(API).triggers.map((t) => (t.type === 'cos' ? { ...t, enable: false } : t)) }), SAME_CODE);
  assert.deepEqual(summaryLines([{ key: 'api', functionName: 'shop-dev-api', namespace: 'default', steps: cosReplaced }]), ['api (shop-dev-api): 1 trigger replaced']);
  const lines = stepLines(plans.slice(0, 1));
  assert.equal(lines[0], 'api (shop-dev-api):');
  assert.match(lines[1], /^  updateCode: code changed/);
  assert.match(lines[2], /^  updateConfiguration: configuration changed: memorySize 256 → 128; environment \(-X\)$/);
});

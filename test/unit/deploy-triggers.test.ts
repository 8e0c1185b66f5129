import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { DeployedTrigger, TriggerSpec } from '../../lib/cloud/types';
import { cronKey, normaliseCron } from '../../lib/deploy/cron';
import { Problems } from '../../lib/deploy/problems';
import { describeTrigger, sameTrigger, triggerDifferences, triggerIdentity, triggerKey, triggersFromEvents, updatableInPlace } from '../../lib/deploy/triggers';

const REGION = 'ap-guangzhou';
const WHERE = 'functions.api.events';

function specs(events: unknown[]): TriggerSpec[] {
  const problems = new Problems();
  const result = triggersFromEvents(events, WHERE, REGION, problems);
  assert.deepEqual(problems.lines, []);
  return result;
}

function problemsOf(events: unknown[]): string[] {
  const problems = new Problems();
  triggersFromEvents(events, WHERE, REGION, problems);
  return problems.lines;
}

/** A trigger as ListTriggers reports it after CreateTrigger: SCF's read-back forms. */
function deployed(over: Partial<DeployedTrigger> & Pick<DeployedTrigger, 'type' | 'name' | 'desc'>): DeployedTrigger {
  return { enable: true, qualifier: '$DEFAULT', customArgument: '', description: '', addTime: '', modTime: '', ...over };
}

// ---- the older plugins' syntax and the plugin's own give the same spec ----------------------------------------

const BUCKET_DOMAIN = 'photos-1250000000.cos.ap-guangzhou.myqcloud.com';

const sameSpec: Array<[string, unknown[], TriggerSpec[]]> = [
  [
    'timer: a string, the short map, the older form, five or seven fields',
    [
      { timer: '*/5 * * * *' },
      { timer: { cron: '0 */5 * * * * *' } },
      { timer: { name: 'timer', parameters: { cronExpression: '*/5 * * * *', enable: true } } },
      { timer: { parameters: { cronExpression: '0  */5 * * * * *', name: 'timer', qualifier: '$DEFAULT' } } },
    ],
    [{ type: 'timer', name: 'timer', desc: '0 */5 * * * * *', enable: true, qualifier: '$DEFAULT' }],
  ],
  [
    'timer with a name, an argument and enable false',
    [
      { timer: { cron: '0 0 8 * * MON-FRI *', name: 'weekday', argument: 'wake up', enable: false } },
      { timer: { name: 'weekday', parameters: { cronExpression: '0 8 * * MON-FRI', argument: 'wake up', enable: false } } },
    ],
    [{ type: 'timer', name: 'weekday', desc: '0 0 8 * * MON-FRI *', enable: false, qualifier: '$DEFAULT', customArgument: 'wake up' }],
  ],
  [
    'cos: bucket-appid with the region, or the domain; filter and events',
    [
      { cos: { bucket: 'photos-1250000000', events: 'cos:ObjectCreated:*', prefix: 'in/', suffix: '.jpg' } },
      { cos: { bucket: BUCKET_DOMAIN, event: 'ObjectCreated:*', prefix: 'in/', suffix: '.jpg', enable: true } },
      { cos: { name: BUCKET_DOMAIN, parameters: { bucket: BUCKET_DOMAIN, filter: { prefix: 'in/', suffix: '.jpg' }, events: 'cos:ObjectCreated:*', enable: true } } },
    ],
    [{ type: 'cos', name: BUCKET_DOMAIN, desc: '{"event":"cos:ObjectCreated:*","filter":{"Prefix":"in/","Suffix":".jpg"}}', enable: true, qualifier: '$DEFAULT' }],
  ],
  [
    'ckafka: instance and topic, or the older name/parameters.name',
    [
      { ckafka: { instance: 'ckafka-abc123', topic: 'orders', maxMsgNum: 999, offset: 'latest' } },
      { ckafka: { name: 'ckafka-abc123', parameters: { name: 'ckafka-abc123', topic: 'orders', maxMsgNum: 999, offset: 'latest', enable: true } } },
      { ckafka: { name: 'ckafka-abc123', parameters: { topic: 'orders', maxMsgNum: '999', retry: 10000, timeout: 60 } } },
    ],
    [{ type: 'ckafka', name: 'ckafka-abc123-orders', desc: '{"maxMsgNum":999,"offset":"latest","retry":10000,"timeOut":60}', enable: true, qualifier: '$DEFAULT' }],
  ],
  [
    'http: true, or the defaults spelled out',
    [{ http: true }, { http: { authType: 'none', extranet: true, intranet: false, name: 'url', cors: false } }],
    [{ type: 'http', name: 'url', desc: '{"AuthType":"NONE","NetConfig":{"EnableIntranet":false,"EnableExtranet":true}}', enable: true, qualifier: '$DEFAULT' }],
  ],
];

for (const [name, forms, expected] of sameSpec) {
  test(`trigger syntax: ${name}`, () => {
    for (const form of forms) assert.deepEqual(specs([form]), expected, JSON.stringify(form));
  });
}

test('cos: several events make one trigger each on the bucket; a qualifier of the trigger is kept', () => {
  const made = specs([{ cos: { bucket: 'photos-1250000000', events: ['cos:ObjectCreated:Put', 'cos:ObjectRemove:*'], qualifier: '$LATEST' } }]);
  assert.deepEqual(
    made.map((s) => [s.name, JSON.parse(s.desc!).event, s.qualifier]),
    [
      [BUCKET_DOMAIN, 'cos:ObjectCreated:Put', '$LATEST'],
      [BUCKET_DOMAIN, 'cos:ObjectRemove:*', '$LATEST'],
    ],
  );
});

test('ckafka: every setting reaches the desc; http: CAM, intranet, CORS', () => {
  const [kafka] = specs([{ ckafka: { instance: 'ckafka-x1', topic: 'a.b', maxMsgNum: 10, offset: 1700000000000, retry: 3, timeout: 30, consumerGroupName: 'g1', enable: false } }]);
  assert.deepEqual(JSON.parse(kafka.desc!), { maxMsgNum: 10, offset: '1700000000000', retry: 3, timeOut: 30, consumerGroupName: 'g1' });
  assert.equal(kafka.enable, false);
  const [url] = specs([{ http: { authType: 'CAM', intranet: true, extranet: false, cors: { origins: ['https://a.example'], methods: 'get,post', maxAge: 600 }, qualifier: 'live' } }]);
  assert.deepEqual(JSON.parse(url.desc!), {
    AuthType: 'CAM',
    NetConfig: { EnableIntranet: true, EnableExtranet: false },
    CorsConfig: { Enable: true, Origins: ['https://a.example'], Methods: ['GET', 'POST'], Headers: ['*'], ExposeHeaders: [], Credentials: false, MaxAge: 600 },
  });
  assert.equal(url.qualifier, 'live');
  const [withCors] = specs([{ http: { cors: true } }]);
  assert.equal(JSON.parse(withCors.desc!).CorsConfig.Enable, true);
});

// ---- cron --------------------------------------------------------------------------------------------------

const crons: Array<[string, string]> = [
  ['*/5 * * * *', '0 */5 * * * * *'],
  ['0 0 12 * * MON-FRI 2026', '0 0 12 * * MON-FRI 2026'],
  ['  30   1 * * *  ', '0 30 1 * * * *'],
  ['0 0 1 1,15 JAN-JUN,DEC 0-6/2 *', '0 0 1 1,15 JAN-JUN,DEC 0-6/2 *'],
  ['0 15/20 * * * * 2024-2099', '0 15/20 * * * * 2024-2099'],
  ['59 59 23 31 12 6 2099', '59 59 23 31 12 6 2099'],
  ['0 0 0 1 jan sun *', '0 0 0 1 jan sun *'],
];

for (const [input, output] of crons) {
  test(`cron ${JSON.stringify(input)} → ${output}`, () => {
    assert.deepEqual(normaliseCron(input), { cron: output });
  });
}

const badCrons: Array<[string, RegExp]> = [
  ['* * * * * *', /has 6 fields: SCF takes 7 \(second minute hour day month week year\) or 5/],
  ['', /has 0 fields/],
  ['60 * * * * * *', /the second field "60" holds 60, outside 0–59/],
  ['0 60 * * * * *', /the minute field "60" holds 60, outside 0–59/],
  ['0 0 24 * * * *', /the hour field "24" holds 24, outside 0–23/],
  ['0 0 0 32 * * *', /the day-of-month field "32" holds 32, outside 1–31/],
  ['0 0 0 0 * * *', /the day-of-month field "0" holds 0, outside 1–31/],
  ['0 0 0 * 13 * *', /the month field "13" holds 13, outside 1–12 or JAN–DEC/],
  ['0 0 0 * JANUARY * *', /the month field "JANUARY" holds "JANUARY", which is not a valid month/],
  ['0 0 0 * * 7 *', /the day-of-week field "7" holds 7, outside 0–6 or SUN–SAT/],
  ['0 0 0 * * * 1969', /the year field "1969" holds 1969, outside 1970–2099/],
  ['0 0 0 * * * 2100', /the year field "2100" holds 2100, outside 1970–2099/],
  ['0 0 0 ? * ? *', /has "\?" in both day-of-month and day-of-week/],
  ['0 0 0 * * MON#2 *', /the day-of-week field "MON#2" uses "MON#2": SCF takes numbers, names, \*, ",", "-" and "\/", \? \(no day\), nL .* and n#k/],
  ['0 ? 0 * * * *', /the minute field "\?" uses "\?": SCF takes numbers, \*, ",", "-" and "\/" there$/],
  ['0 0 0 * * L *', /the day-of-week field "L" uses "L"/],
  ['0 0 0 W * * *', /the day-of-month field "W" uses "W"/],
  ['0 0 0 5L * * *', /the day-of-month field "5L" uses "5L"/],
  ['0 0 0 * * * L', /the year field "L" uses "L"/],
  ['0 0 0 1,L * * *', /the day-of-month field "1,L" mixes a special symbol with a list, range or step/],
  ['0 0 0 L-3 * * *', /the day-of-month field "L-3" mixes a special symbol/],
  ['0 0 0 32W * * *', /the weekday nearest day 32, outside 1–31/],
  ['0 0 0 * * 7L *', /the last weekday 7, outside 0–6/],
  ['0 0 0 * * 1#6 *', /occurrence 6 of the month, outside 1–5/],
  ['0 0 0 * * 9#1 *', /names weekday 9, outside 0–6/],
  ['*/0 * * * *', /the minute field "\*\/0" has a step "0" that is not a whole number of 1 or more/],
  ['0 5-1 * * *', /the hour field "5-1" has a range "5-1" that runs backwards/],
  ['0 1,,2 * * *', /the hour field "1,,2" has an empty item/],
  ['0 1/2/3 * * *', /the hour field "1\/2\/3" has more than one "\/"/],
  ['rate(5 minutes)', /AWS's syntax: SCF takes a cron expression itself/],
];

for (const [input, message] of badCrons) {
  test(`cron ${JSON.stringify(input)} is refused, naming what is wrong`, () => {
    const result = normaliseCron(input);
    assert.ok('error' in result, JSON.stringify(result));
    assert.match(result.error, message);
  });
}

test('cron key: five fields as seven, spaces and case do not matter', () => {
  assert.equal(cronKey('*/5 * * * *'), cronKey('0 */5 * * * * *'));
  assert.equal(cronKey('0 0 8 * * mon-fri *'), cronKey('0  0 8 * * MON-FRI *'));
  // However SCF reads a cron back (names or numbers, ? or *), the same schedule compares equal.
  assert.equal(cronKey('0 0 12 ? * MON *'), cronKey('0 0 12 * * 1 *'));
  assert.equal(cronKey('0 0 12 1 JAN-MAR,DEC ? *'), cronKey('0 0 12 1 1-3,12 * *'));
  assert.notEqual(cronKey('0 0 12 ? * MON *'), cronKey('0 0 12 ? * TUE *'));
  assert.notEqual(cronKey('0 0 12 L * ? *'), cronKey('0 0 12 LW * ? *'));
  assert.notEqual(cronKey('0 0 8 * * * *'), cronKey('0 0 9 * * * *'));
});

// ---- refusals ----------------------------------------------------------------------------------------------

const refusals: Array<[string, unknown[], string | RegExp]> = [
  ['apigw is legacy', [{ apigw: { name: 'api', parameters: { httpMethod: 'ANY' } } }], /^functions\.api\.events\[0\] is an API Gateway trigger, which is legacy: .*Use `- http: true`/],
  ['cmq is legacy', [{ cmq: { name: 'topic', parameters: { name: 'topic' } } }], /^functions\.api\.events\[0\] is a CMQ trigger, which is legacy: CMQ has moved to TDMQ.*Use a ckafka trigger/],
  ['an unknown type', [{ sqs: {} }], 'functions.api.events[0] is a "sqs" trigger, which this plugin does not know: use timer, cos, ckafka, http'],
  ['two keys in one event', [{ timer: '* * * * *', http: true }], /^functions\.api\.events\[0\] must be one trigger like/],
  ['a timer without cron', [{ timer: { name: 't' } }], 'functions.api.events[0].timer needs a cron expression (cron:, or parameters.cronExpression in the older form)'],
  ['a typo in a timer', [{ timer: { cron: '* * * * *', enabled: true } }], /^functions\.api\.events\[0\]\.timer\.enabled is not a timer trigger setting: use cron, name, argument, enable, qualifier/],
  ['a typo in older parameters', [{ timer: { name: 't', parameters: { cronExpression: '* * * * *', enabled: true } } }], /^functions\.api\.events\[0\]\.timer\.parameters\.enabled is not a timer trigger setting: use cronExpression, name/],
  ['both forms at once', [{ timer: { cron: '* * * * *', parameters: { cronExpression: '* * * * *' } } }], /^functions\.api\.events\[0\]\.timer\.cron cannot sit beside parameters/],
  ['a timer name with a space', [{ timer: { cron: '* * * * *', name: 'every minute' } }], 'functions.api.events[0].timer.name must be a letter, then at most 59 letters, digits, - or _, not "every minute"'],
  ['enable not a boolean', [{ timer: { cron: '* * * * *', enable: 'on' } }], 'functions.api.events[0].timer.enable must be true or false, not "on"'],
  ['a bad qualifier', [{ timer: { cron: '* * * * *', qualifier: 'my alias' } }], 'functions.api.events[0].timer.qualifier must be $DEFAULT, $LATEST, a version number or an alias name, not "my alias"'],
  ['an argument over 4 KB', [{ timer: { cron: '* * * * *', argument: 'x'.repeat(4097) } }], 'functions.api.events[0].timer.argument is 4097 bytes: SCF takes at most 4096'],
  ['two unnamed timers', [{ timer: '0 * * * *' }, { timer: '30 * * * *' }], 'functions.api.events[1] is a second timer trigger named "timer" (functions.api.events[0] is the first): give each a distinct name'],
  ['a bucket without its appid', [{ cos: { bucket: 'photos' } }], /^functions\.api\.events\[0\]\.cos\.bucket "photos" needs its APPID: write <bucket>-<appid>/],
  ['a bucket of another region', [{ cos: { bucket: 'photos-1250000000.cos.ap-beijing.myqcloud.com' } }], /^functions\.api\.events\[0\]\.cos\.bucket is a bucket in ap-beijing, but the function deploys to ap-guangzhou/],
  ['a cos name that is not the bucket', [{ cos: { name: 'mytrigger', parameters: { bucket: BUCKET_DOMAIN } } }], `functions.api.events[0].cos.name must be the bucket's domain ${BUCKET_DOMAIN} or be left out: SCF names a COS trigger by its bucket`],
  ['a suffix without a dot', [{ cos: { bucket: 'photos-1250000000', suffix: 'jpg' } }], 'functions.api.events[0].cos.suffix must begin with "." (e.g. .jpg), not "jpg"'],
  ['an unknown cos event', [{ cos: { bucket: 'photos-1250000000', events: 'cos:ObjectChanged' } }], /^functions\.api\.events\[0\]\.cos\.events holds "cos:ObjectChanged", which is not a COS event/],
  ['the same cos rule twice', [{ cos: { bucket: 'photos-1250000000' } }, { cos: { bucket: BUCKET_DOMAIN } }], /^functions\.api\.events\[1\] is the same COS rule on the same bucket/],
  ['overlapping cos rules', [{ cos: { bucket: 'photos-1250000000', events: 'cos:ObjectCreated:*' } }, { cos: { bucket: 'photos-1250000000', events: 'cos:ObjectCreated:Put', prefix: 'a/' } }], /^functions\.api\.events\[1\] overlaps functions\.api\.events\[0\] on bucket .*COS refuses two rules that fire for one object$/],
  ['maxMsgNum 0', [{ ckafka: { instance: 'ckafka-a', topic: 't', maxMsgNum: 0 } }], 'functions.api.events[0].ckafka.maxMsgNum must be a whole number from 1 to 10000, not 0'],
  ['maxMsgNum 10001', [{ ckafka: { instance: 'ckafka-a', topic: 't', maxMsgNum: 10001 } }], 'functions.api.events[0].ckafka.maxMsgNum must be a whole number from 1 to 10000, not 10001'],
  ['offset newest', [{ ckafka: { instance: 'ckafka-a', topic: 't', offset: 'newest' } }], 'functions.api.events[0].ckafka.offset must be latest, earliest or a time in milliseconds since 1970, not "newest"'],
  ['kafka timeout 61', [{ ckafka: { instance: 'ckafka-a', topic: 't', timeout: 61 } }], 'functions.api.events[0].ckafka.timeout must be a whole number of seconds from 1 to 60, not 61'],
  ['a ckafka instance id', [{ ckafka: { instance: 'kafka-1', topic: 't' } }], 'functions.api.events[0].ckafka.instance must be a CKafka instance id like ckafka-abc123, not "kafka-1"'],
  ['a ckafka without topic', [{ ckafka: { instance: 'ckafka-a' } }], 'functions.api.events[0].ckafka needs a topic'],
  ['an older ckafka name unlike its instance', [{ ckafka: { name: 'orders', parameters: { name: 'ckafka-a', topic: 't' } } }], /^functions\.api\.events\[0\]\.ckafka\.name must be the CKafka instance id \("ckafka-a"\) or be left out/],
  ['http auth type', [{ http: { authType: 'KEY' } }], /^functions\.api\.events\[0\]\.http\.authType must be NONE .* or CAM .*, not "KEY"$/],
  ['http with no network', [{ http: { extranet: false } }], 'functions.api.events[0].http turns off both extranet and intranet access: a function URL needs at least one'],
  ['http false', [{ http: false }], /^functions\.api\.events\[0\]\.http must be true or a map of/],
  ['two function URLs on one qualifier', [{ http: true }, { http: { name: 'other' } }], 'functions.api.events[1] is a second function URL on $DEFAULT (functions.api.events[0] is the first): SCF gives a version or alias one URL'],
  ['a CORS typo', [{ http: { cors: { origin: ['*'] } } }], /^functions\.api\.events\[0\]\.http\.cors\.origin is not a CORS setting: use origins, methods/],
];

for (const [name, events, expected] of refusals) {
  test(`trigger refused: ${name}`, () => {
    const lines = problemsOf(events);
    assert.equal(lines.length, 1, lines.join('\n'));
    if (typeof expected === 'string') assert.equal(lines[0], expected);
    else assert.match(lines[0], expected);
  });
}

test('events that are not a list are refused; none at all is no trigger', () => {
  const problems = new Problems();
  assert.deepEqual(triggersFromEvents({ timer: '* * * * *' }, WHERE, REGION, problems), []);
  assert.match(problems.lines[0], /^functions\.api\.events must be a list of triggers/);
  assert.deepEqual(specs(undefined as unknown as unknown[]), []);
});

test('distinct names make distinct triggers; a name is taken once per function, whatever the qualifier', () => {
  assert.equal(specs([{ timer: { cron: '0 * * * *', name: 'a' } }, { timer: { cron: '30 * * * *', name: 'b' } }]).length, 2);
  const problems = new Problems();
  triggersFromEvents([{ timer: { cron: '0 * * * *' } }, { timer: { cron: '30 * * * *', qualifier: '$LATEST' } }], WHERE, REGION, problems);
  assert.deepEqual(problems.lines, [
    'functions.api.events[1] is a second timer trigger named "timer" (functions.api.events[0] is the first): give each a distinct name, even on another qualifier: SCF takes a name once per function',
  ]);
  // Unnamed URLs on several qualifiers are named apart; a single one is "url" wherever it is.
  assert.deepEqual(
    specs([{ http: true }, { http: { qualifier: 'live' } }, { http: { qualifier: '$LATEST' } }]).map((s) => `${s.name}@${s.qualifier}`),
    ['url@$DEFAULT', 'url-live@live', 'url-LATEST@$LATEST'],
  );
  assert.deepEqual(specs([{ http: { qualifier: 'live' } }]).map((s) => s.name), ['url']);
});

test('timer names as the timer page allows them: at most 60 characters, a letter first', () => {
  assert.equal(specs([{ timer: { cron: '0 * * * *', name: 'a' + 'b'.repeat(59) } }])[0].name.length, 60);
  for (const name of ['b'.repeat(61), '1daily', '_daily', '-daily', 'daily job']) {
    const problems = new Problems();
    triggersFromEvents([{ timer: { cron: '0 * * * *', name } }], WHERE, REGION, problems);
    assert.deepEqual(problems.lines, [`functions.api.events[0].timer.name must be a letter, then at most 59 letters, digits, - or _, not "${name}"`], name);
  }
});

// ---- the comparison key sees through SCF's read-back quirks -------------------------------------------------

const sameKey: Array<[string, TriggerSpec, DeployedTrigger]> = [
  [
    'timer: the cron read back as {"cron":...}, Enable 1 as true',
    { type: 'timer', name: 'timer', desc: '0 */5 * * * * *', enable: true, qualifier: '$DEFAULT' },
    deployed({ type: 'timer', name: 'timer', desc: '{"cron":"0 */5 * * * * *"}' }),
  ],
  [
    'timer: a five-field cron an older deploy sent, read back raw',
    { type: 'timer', name: 'timer', desc: '0 */5 * * * * *', enable: true, qualifier: '$DEFAULT' },
    deployed({ type: 'timer', name: 'timer', desc: '*/5 * * * *' }),
  ],
  [
    'timer: the argument',
    { type: 'timer', name: 't', desc: '0 0 8 * * * *', enable: false, qualifier: '$DEFAULT', customArgument: 'x' },
    deployed({ type: 'timer', name: 't', desc: '{"cron":"0 0 8 * * * *"}', enable: false, customArgument: 'x' }),
  ],
  [
    'ckafka: fields the server adds, numbers as strings',
    { type: 'ckafka', name: 'ckafka-a-t', desc: '{"maxMsgNum":999,"offset":"latest","retry":10000,"timeOut":60}', enable: true, qualifier: '$DEFAULT' },
    deployed({ type: 'ckafka', name: 'ckafka-a-t', desc: '{"maxMsgNum":"999","offset":"latest","retry":10000,"timeOut":60,"consumerGroupName":"","ResourceId":"x","Partition":3}' }),
  ],
  [
    'ckafka: made without a consumer group, read back with the one SCF named',
    { type: 'ckafka', name: 'ckafka-a-t', desc: '{"maxMsgNum":100,"offset":"latest","retry":10000,"timeOut":60}', enable: true, qualifier: '$DEFAULT' },
    deployed({ type: 'ckafka', name: 'ckafka-a-t', desc: '{"maxMsgNum":100,"offset":"latest","retry":10000,"timeOut":60,"consumerGroupName":"scf_ckafka-a_t_1700000000"}' }),
  ],
  [
    'timer: a weekday cron read back with numbers and * for ?',
    { type: 'timer', name: 'noon', desc: '0 0 12 ? * MON *', enable: true, qualifier: '$DEFAULT' },
    deployed({ type: 'timer', name: 'noon', desc: '{"cron":"0 0 12 * * 1 *"}' }),
  ],
  [
    'cos: the desc with keys in another order',
    { type: 'cos', name: BUCKET_DOMAIN, desc: '{"event":"cos:ObjectCreated:*","filter":{"Prefix":"in/","Suffix":".jpg"}}', enable: true, qualifier: '$DEFAULT' },
    deployed({ type: 'cos', name: BUCKET_DOMAIN, desc: '{"filter":{"Suffix":".jpg","Prefix":"in/"},"event":"cos:ObjectCreated:*"}' }),
  ],
  [
    'a trigger without Qualifier is on $LATEST',
    { type: 'timer', name: 'timer', desc: '0 0 * * * * *', enable: true, qualifier: '$LATEST' },
    deployed({ type: 'timer', name: 'timer', desc: '{"cron":"0 0 * * * * *"}', qualifier: '' }),
  ],
  [
    'http: fields the server adds',
    { type: 'http', name: 'url', desc: '{"AuthType":"NONE","NetConfig":{"EnableIntranet":false,"EnableExtranet":true}}', enable: true, qualifier: '$DEFAULT' },
    deployed({ type: 'http', name: 'url', desc: '{"AuthType":"NONE","NetConfig":{"EnableExtranet":true,"EnableIntranet":false},"Url":"https://x.tencentscf.com","CorsConfig":{"Enable":false}}' }),
  ],
];

for (const [name, spec, readBack] of sameKey) {
  test(`trigger key equal: ${name}`, () => {
    assert.ok(sameTrigger(spec, readBack));
    assert.equal(triggerIdentity(spec), triggerIdentity(readBack));
    assert.deepEqual(triggerDifferences(spec, readBack), []);
  });
}

const timerSpec: TriggerSpec = { type: 'timer', name: 'timer', desc: '0 */5 * * * * *', enable: true, qualifier: '$DEFAULT' };

test('trigger key differs: cron, enable, argument, qualifier, kafka setting; identity only by name, qualifier and COS rule', () => {
  const readBack = deployed({ type: 'timer', name: 'timer', desc: '{"cron":"0 */5 * * * * *"}' });
  for (const changed of [
    { ...timerSpec, desc: '0 */10 * * * * *' },
    { ...timerSpec, enable: false },
    { ...timerSpec, customArgument: 'x' },
  ]) {
    assert.notEqual(triggerKey(changed), triggerKey(readBack));
    assert.ok(!sameTrigger(changed, readBack));
    assert.equal(triggerIdentity(changed), triggerIdentity(readBack));
  }
  assert.notEqual(triggerIdentity({ ...timerSpec, qualifier: '$LATEST' }), triggerIdentity(readBack));
  assert.notEqual(triggerIdentity({ ...timerSpec, name: 'other' }), triggerIdentity(readBack));
  const cosA: TriggerSpec = { type: 'cos', name: BUCKET_DOMAIN, desc: '{"event":"cos:ObjectCreated:*","filter":{"Prefix":"","Suffix":""}}', enable: true, qualifier: '$DEFAULT' };
  assert.notEqual(triggerIdentity(cosA), triggerIdentity({ ...cosA, desc: '{"event":"cos:ObjectRemove:*","filter":{"Prefix":"","Suffix":""}}' }));
  assert.equal(triggerIdentity(cosA), triggerIdentity({ ...cosA, enable: false }));
});

test('differences name what changed; updatable in place: timer, http, ckafka unless offset or group', () => {
  const readBack = deployed({ type: 'timer', name: 'timer', desc: '{"cron":"0 */5 * * * * *"}' });
  assert.deepEqual(triggerDifferences({ ...timerSpec, desc: '0 */10 * * * * *', enable: false, customArgument: 'secret' }, readBack), [
    'cron 0 */5 * * * * * → 0 */10 * * * * *',
    'disabled',
    'argument',
  ]);
  assert.ok(updatableInPlace(timerSpec, readBack));
  const kafka: TriggerSpec = { type: 'ckafka', name: 'ckafka-a-t', desc: '{"maxMsgNum":10,"offset":"latest","retry":1,"timeOut":60}', enable: true, qualifier: '$DEFAULT' };
  const kafkaBack = deployed({ type: 'ckafka', name: 'ckafka-a-t', desc: '{"maxMsgNum":100,"offset":"latest","retry":1,"timeOut":60}' });
  assert.ok(updatableInPlace(kafka, kafkaBack));
  assert.deepEqual(triggerDifferences(kafka, kafkaBack), ['maxMsgNum 100 → 10']);
  assert.ok(!updatableInPlace({ ...kafka, desc: '{"maxMsgNum":10,"offset":"earliest","retry":1,"timeOut":60}' }, kafkaBack));
  // A consumer group serverless.yml names is compared (and moving it re-creates the trigger); one SCF named is not.
  const named = deployed({ type: 'ckafka', name: 'ckafka-a-t', desc: '{"maxMsgNum":10,"offset":"latest","retry":1,"timeOut":60,"consumerGroupName":"scf-named"}' });
  assert.ok(sameTrigger(kafka, named));
  const mine = { ...kafka, desc: '{"maxMsgNum":10,"offset":"latest","retry":1,"timeOut":60,"consumerGroupName":"mine"}' };
  assert.ok(!sameTrigger(mine, named));
  assert.ok(!updatableInPlace(mine, named));
  assert.deepEqual(triggerDifferences(mine, named), ['consumerGroupName scf-named → mine']);
  const cosSpec: TriggerSpec = { type: 'cos', name: BUCKET_DOMAIN, desc: '{"event":"cos:ObjectCreated:*","filter":{"Prefix":"","Suffix":""}}', enable: false, qualifier: '$DEFAULT' };
  assert.ok(!updatableInPlace(cosSpec, deployed({ type: 'cos', name: BUCKET_DOMAIN, desc: cosSpec.desc! })));
  assert.equal(describeTrigger(cosSpec), `COS trigger on ${BUCKET_DOMAIN} (cos:ObjectCreated:*)`);
  assert.equal(describeTrigger({ ...timerSpec, qualifier: '$LATEST' }), 'timer trigger "timer" on $LATEST');
});

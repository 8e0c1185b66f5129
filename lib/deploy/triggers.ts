// `functions.*.events` → the TriggerSpecs CreateTrigger takes, and a comparison key that sees through SCF's
// read-back quirks (SCF-DEPLOY.md §2.10, §5): Enable goes in as OPEN/CLOSE and comes back 1/0 (the client maps
// both to a boolean); a timer's TriggerDesc goes in as the cron and comes back as `{"cron":"..."}`, five fields as
// seven; a ckafka desc comes back with fields the server added; a trigger made without a Qualifier is on $LATEST.
//
// Two spellings are accepted for each type, so services move over from the older plugins unchanged:
//   - timer: '0 */5 * * * * *'                          - timer: { name, parameters: { cronExpression, enable, argument } }
//   - timer: { cron, name, enable, argument, qualifier }
//   - cos: { bucket, events, prefix, suffix, enable }   - cos: { name, parameters: { bucket, filter: { prefix, suffix }, events, enable } }
//   - ckafka: { instance, topic, maxMsgNum, offset, retry, timeout, consumerGroupName, enable }
//                                                       - ckafka: { name, parameters: { name, topic, maxMsgNum, offset, enable } }
//   - http: true | { authType, intranet, extranet, cors, name, enable, qualifier }   (a function URL)
import { COS_EVENTS } from '../cloud/scf-rules';
import type { DeployedTrigger, TriggerSpec } from '../cloud/types';
import { cronKey, normaliseCron } from './cron';
import { booleanValue, has, isPlainObject, Problems, show, wholeNumber } from './problems';

/** The trigger types a deploy creates, updates and deletes; others found on a function are left alone. */
export const MANAGED_TRIGGER_TYPES: readonly string[] = ['timer', 'cos', 'ckafka', 'http'];
/** Types UpdateTrigger changes in place; the rest are deleted and created again. */
export const UPDATABLE_TRIGGER_TYPES: readonly string[] = ['timer', 'ckafka', 'http'];
/** SCF recommends $DEFAULT for triggers (later gray releases move the alias, not the triggers). */
export const DEFAULT_QUALIFIER = '$DEFAULT';
/** The API's default when CreateTrigger names no Qualifier. */
export const API_DEFAULT_QUALIFIER = '$LATEST';


const LEGACY_TYPES: Readonly<Record<string, string>> = {
  apigw:
    'is an API Gateway trigger, which is legacy: SCF no longer offers it in its current API (function URLs replace it). Use `- http: true` for an HTTPS endpoint of the function, or point an API Gateway service of your own at it.',
  cmq: 'is a CMQ trigger, which is legacy: CMQ has moved to TDMQ and SCF no longer offers CMQ triggers in its current API. Use a ckafka trigger, or deliver messages from TDMQ to the function.',
  cls: 'is a CLS trigger, which deploy does not make: CLS makes it itself (a shipping task to SCF in the CLS console).',
};

const QUALIFIER = /^(\$LATEST|\$DEFAULT|\d+|[A-Za-z][A-Za-z0-9_-]{0,63})$/;
const TRIGGER_NAME = /^[A-Za-z0-9_-]{1,100}$/;
/** The timer page: at most 60 letters, digits, - and _, a letter first (the API field itself holds 100). */
const TIMER_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,59}$/;
const COS_DOMAIN = /^([a-z0-9](?:[a-z0-9-]*[a-z0-9])?-\d+)\.cos\.([a-z0-9-]+)\.myqcloud\.com$/;
const COS_BUCKET = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?-\d+$/;
const CKAFKA_INSTANCE = /^ckafka-[a-z0-9]+$/;
const KAFKA_TOPIC = /^[A-Za-z0-9._-]{1,128}$/;
const CUSTOM_ARGUMENT_BYTES = 4096;
const CORS_DEFAULT_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'];

interface Source {
  value: unknown;
  where: string;
}

/** A trigger's settings by their canonical names, each with the key path it came from. */
type Options = Map<string, Source>;

interface Form {
  /** Keys of the short form → canonical names. */
  short: Readonly<Record<string, string>>;
  /** Keys of `parameters` in the older form (`filter.prefix` for nested ones) → canonical names. */
  parameters: Readonly<Record<string, string>>;
  /** What the top-level `name` of the older form means. */
  legacyName: string;
}

const COMMON = { enable: 'enable', qualifier: 'qualifier' };

const FORMS: Readonly<Record<string, Form>> = {
  timer: {
    short: { cron: 'cron', name: 'name', argument: 'argument', ...COMMON },
    parameters: { cronExpression: 'cron', name: 'name', argument: 'argument', ...COMMON },
    legacyName: 'name',
  },
  cos: {
    short: { bucket: 'bucket', events: 'events', event: 'events', prefix: 'prefix', suffix: 'suffix', name: 'name', ...COMMON },
    parameters: { bucket: 'bucket', events: 'events', event: 'events', 'filter.prefix': 'prefix', 'filter.suffix': 'suffix', ...COMMON },
    legacyName: 'name',
  },
  ckafka: {
    short: {
      instance: 'instance',
      topic: 'topic',
      maxMsgNum: 'maxMsgNum',
      offset: 'offset',
      retry: 'retry',
      timeout: 'timeout',
      consumerGroupName: 'consumerGroupName',
      ...COMMON,
    },
    parameters: {
      name: 'instance',
      topic: 'topic',
      maxMsgNum: 'maxMsgNum',
      offset: 'offset',
      retry: 'retry',
      timeout: 'timeout',
      consumerGroupName: 'consumerGroupName',
      ...COMMON,
    },
    legacyName: 'name',
  },
  http: {
    short: { name: 'name', authType: 'authType', intranet: 'intranet', extranet: 'extranet', cors: 'cors', ...COMMON },
    parameters: {},
    legacyName: 'name',
  },
};

/** The keys of a form, for messages. */
function keysOf(form: Readonly<Record<string, string>>): string {
  return Object.keys(form).join(', ');
}

/** The keys `parameters` takes in the older form (`filter` once for `filter.prefix` and `filter.suffix`). */
function parameterKeys(form: Form): string {
  return [...new Set(Object.keys(form.parameters).map((k) => k.split('.')[0]))].join(', ');
}

function collect(type: string, value: Record<string, unknown>, where: string, problems: Problems): Options {
  const form = FORMS[type];
  const options: Options = new Map();
  const put = (name: string, source: Source) => {
    const before = options.get(name);
    if (before && JSON.stringify(before.value) !== JSON.stringify(source.value)) {
      problems.add(source.where, `says ${show(source.value)} and ${before.where} says ${show(before.value)}: give it once`);
      return;
    }
    options.set(name, source);
  };
  if (has(value, 'parameters') && Object.keys(form.parameters).length) {
    // The older plugin's form: { name, parameters: {...} }.
    for (const key of Object.keys(value)) {
      if (key !== 'name' && key !== 'parameters') {
        problems.add(`${where}.${key}`, `cannot sit beside parameters: use either the older form { name, parameters: { ${parameterKeys(form)} } } or the keys directly`);
      }
    }
    if (has(value, 'name')) put(form.legacyName, { value: value.name, where: `${where}.name` });
    const parameters = value.parameters;
    if (!isPlainObject(parameters)) {
      problems.add(`${where}.parameters`, `must be a map of ${parameterKeys(form)}, not ${show(parameters)}`);
      return options;
    }
    for (const [key, inner] of Object.entries(parameters)) {
      if (inner === undefined || inner === null) continue;
      const path = `${where}.parameters.${key}`;
      const nested = Object.keys(form.parameters).filter((k) => k.startsWith(`${key}.`));
      if (nested.length) {
        if (!isPlainObject(inner)) {
          problems.add(path, `must be a map of ${nested.map((k) => k.slice(key.length + 1)).join(', ')}, not ${show(inner)}`);
          continue;
        }
        for (const [sub, subValue] of Object.entries(inner)) {
          if (subValue === undefined || subValue === null) continue;
          const name = form.parameters[`${key}.${sub}`];
          if (name) put(name, { value: subValue, where: `${path}.${sub}` });
          else problems.add(`${path}.${sub}`, `is not a ${type} trigger setting: use ${nested.map((k) => k.slice(key.length + 1)).join(', ')}`);
        }
        continue;
      }
      const name = Object.prototype.hasOwnProperty.call(form.parameters, key) ? form.parameters[key] : undefined;
      if (name) put(name, { value: inner, where: path });
      else problems.add(path, `is not a ${type} trigger setting: use ${parameterKeys(form)}`);
    }
    return options;
  }
  for (const [key, inner] of Object.entries(value)) {
    if (inner === undefined || inner === null) continue;
    const path = `${where}.${key}`;
    const name = Object.prototype.hasOwnProperty.call(form.short, key) ? form.short[key] : undefined;
    if (name) put(name, { value: inner, where: path });
    else {
      const older = Object.keys(form.parameters).length ? ` (or the older form { name, parameters: {...} })` : '';
      problems.add(path, `is not a ${type} trigger setting: use ${keysOf(form.short)}${older}`);
    }
  }
  return options;
}

// ---- readers of one option --------------------------------------------------------------------------------

function enableOption(options: Options, problems: Problems): boolean {
  const source = options.get('enable');
  if (!source) return true;
  const enable = booleanValue(source.value);
  if (enable === undefined) {
    problems.add(source.where, `must be true or false, not ${show(source.value)}`);
    return true;
  }
  return enable;
}

function qualifierOption(options: Options, problems: Problems): string {
  const source = options.get('qualifier');
  if (!source) return DEFAULT_QUALIFIER;
  const qualifier = typeof source.value === 'number' ? String(source.value) : source.value;
  if (typeof qualifier !== 'string' || !QUALIFIER.test(qualifier)) {
    problems.add(source.where, `must be $DEFAULT, $LATEST, a version number or an alias name, not ${show(source.value)}`);
    return DEFAULT_QUALIFIER;
  }
  return qualifier;
}

function nameOption(options: Options, fallback: string, problems: Problems, timer = false): string {
  const source = options.get('name');
  if (!source) return fallback;
  const [pattern, rule] = timer ? [TIMER_NAME, 'a letter, then at most 59 letters, digits, - or _'] : [TRIGGER_NAME, '1 to 100 letters, digits, - or _'];
  if (typeof source.value !== 'string' || !pattern.test(source.value)) {
    problems.add(source.where, `must be ${rule}, not ${show(source.value)}`);
    return fallback;
  }
  return source.value;
}

function stringOption(options: Options, key: string, problems: Problems): string | undefined {
  const source = options.get(key);
  if (!source) return undefined;
  if (typeof source.value !== 'string') {
    problems.add(source.where, `must be a string, not ${show(source.value)}`);
    return undefined;
  }
  return source.value;
}

function numberOption(options: Options, key: string, min: number, max: number, fallback: number, unit: string, problems: Problems): number {
  const source = options.get(key);
  if (!source) return fallback;
  const n = wholeNumber(source.value);
  if (n === undefined || n < min || n > max) {
    problems.add(source.where, `must be a whole number${unit} from ${min} to ${max}, not ${show(source.value)}`);
    return fallback;
  }
  return n;
}

// ---- the types ---------------------------------------------------------------------------------------------

function timer(value: unknown, where: string, problems: Problems): TriggerSpec[] {
  let options: Options;
  if (typeof value === 'string') options = new Map([['cron', { value, where }]]);
  else if (isPlainObject(value)) options = collect('timer', value, where, problems);
  else {
    problems.add(where, `must be a cron expression or a map of ${keysOf(FORMS.timer.short)}, not ${show(value)}`);
    return [];
  }
  const cronSource = options.get('cron');
  let cron: string | undefined;
  if (!cronSource) problems.add(where, 'needs a cron expression (cron:, or parameters.cronExpression in the older form)');
  else if (typeof cronSource.value !== 'string') problems.add(cronSource.where, `must be a cron expression, not ${show(cronSource.value)}`);
  else {
    const result = normaliseCron(cronSource.value);
    if ('error' in result) problems.add(cronSource.where, `is not a cron expression SCF accepts: ${result.error}`);
    else cron = result.cron;
  }
  let customArgument: string | undefined;
  const argument = options.get('argument');
  if (argument) {
    customArgument = typeof argument.value === 'string' ? argument.value : JSON.stringify(argument.value);
    if (Buffer.byteLength(customArgument) > CUSTOM_ARGUMENT_BYTES) {
      problems.add(argument.where, `is ${Buffer.byteLength(customArgument)} bytes: SCF takes at most ${CUSTOM_ARGUMENT_BYTES}`);
    }
  }
  const spec: TriggerSpec = {
    type: 'timer',
    name: nameOption(options, 'timer', problems, true),
    desc: cron,
    enable: enableOption(options, problems),
    qualifier: qualifierOption(options, problems),
  };
  if (customArgument !== undefined) spec.customArgument = customArgument;
  return cron === undefined ? [] : [spec];
}

/** The bucket's XML domain from a domain, or from `<bucket>-<appid>` and the function's region. */
function cosDomain(source: Source, region: string, problems: Problems): string | undefined {
  const bucket = source.value;
  if (typeof bucket !== 'string') {
    problems.add(source.where, `must be a bucket name (<bucket>-<appid>) or its domain, not ${show(bucket)}`);
    return undefined;
  }
  const domain = COS_DOMAIN.exec(bucket);
  if (domain) {
    if (domain[2] !== region) {
      problems.add(source.where, `is a bucket in ${domain[2]}, but the function deploys to ${region}: SCF binds COS triggers to buckets of the function's own region`);
      return undefined;
    }
    return bucket;
  }
  if (COS_BUCKET.test(bucket)) return `${bucket}.cos.${region}.myqcloud.com`;
  if (/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(bucket)) {
    problems.add(source.where, `"${bucket}" needs its APPID: write <bucket>-<appid> (e.g. ${bucket}-1250000000) or the bucket's domain <bucket>-<appid>.cos.${region}.myqcloud.com`);
    return undefined;
  }
  problems.add(source.where, `must be a bucket name (<bucket>-<appid>, lower-case letters, digits and -) or its domain <bucket>-<appid>.cos.<region>.myqcloud.com, not ${show(bucket)}`);
  return undefined;
}

function cosEvents(source: Source | undefined, problems: Problems): string[] {
  if (!source) return ['cos:ObjectCreated:*'];
  const list = Array.isArray(source.value) ? source.value : [source.value];
  if (!list.length) {
    problems.add(source.where, 'must name at least one COS event, e.g. cos:ObjectCreated:*');
    return [];
  }
  const events: string[] = [];
  for (const item of list) {
    const event = typeof item === 'string' && !item.startsWith('cos:') ? `cos:${item}` : item;
    if (typeof event !== 'string' || !COS_EVENTS.includes(event)) {
      problems.add(source.where, `holds ${show(item)}, which is not a COS event: use ${COS_EVENTS.join(', ')}`);
      continue;
    }
    if (!events.includes(event)) events.push(event);
  }
  return events;
}

function cos(value: unknown, where: string, region: string, problems: Problems): TriggerSpec[] {
  if (!isPlainObject(value)) {
    problems.add(where, `must be a map of ${keysOf(FORMS.cos.short)}, not ${show(value)}`);
    return [];
  }
  const options = collect('cos', value, where, problems);
  // The older plugin named the trigger by its bucket (name MUST equal bucket): either one names the bucket.
  const bucketSource = options.get('bucket');
  const nameSource = options.get('name');
  if (!bucketSource && !nameSource) {
    problems.add(where, 'needs a bucket (<bucket>-<appid>, or its domain <bucket>-<appid>.cos.<region>.myqcloud.com)');
    return [];
  }
  const name = cosDomain((bucketSource ?? nameSource)!, region, problems);
  if (bucketSource && nameSource && name) {
    const named = cosDomain(nameSource, region, new Problems());
    if (named !== name) {
      problems.add(nameSource.where, `must be the bucket's domain ${name} or be left out: SCF names a COS trigger by its bucket`);
    }
  }
  const prefix = stringOption(options, 'prefix', problems) ?? '';
  const suffix = stringOption(options, 'suffix', problems) ?? '';
  if (suffix && !suffix.startsWith('.')) problems.add(options.get('suffix')!.where, `must begin with "." (e.g. .jpg), not ${show(suffix)}`);
  const events = cosEvents(options.get('events'), problems);
  const enable = enableOption(options, problems);
  const qualifier = qualifierOption(options, problems);
  if (!name) return [];
  return events.map((event) => ({
    type: 'cos',
    name,
    desc: JSON.stringify({ event, filter: { Prefix: prefix, Suffix: suffix } }),
    enable,
    qualifier,
  }));
}

function ckafka(value: unknown, where: string, problems: Problems): TriggerSpec[] {
  if (!isPlainObject(value)) {
    problems.add(where, `must be a map of ${keysOf(FORMS.ckafka.short)}, not ${show(value)}`);
    return [];
  }
  const options = collect('ckafka', value, where, problems);
  // Older form: `name` and `parameters.name` both hold the instance id; SCF names the trigger <instance>-<topic>.
  const instanceSource = options.get('instance');
  const nameSource = options.get('name');
  if (instanceSource && nameSource && instanceSource.value !== nameSource.value) {
    problems.add(nameSource.where, `must be the CKafka instance id (${show(instanceSource.value)}) or be left out: SCF names a ckafka trigger <instance>-<topic>`);
  }
  const source = instanceSource ?? nameSource;
  let instance: string | undefined;
  if (!source) problems.add(where, 'needs the CKafka instance id (instance:, e.g. ckafka-abc123)');
  else if (typeof source.value !== 'string' || !CKAFKA_INSTANCE.test(source.value)) problems.add(source.where, `must be a CKafka instance id like ckafka-abc123, not ${show(source.value)}`);
  else instance = source.value;
  const topic = stringOption(options, 'topic', problems);
  if (!options.has('topic')) problems.add(where, 'needs a topic');
  else if (topic !== undefined && !KAFKA_TOPIC.test(topic)) problems.add(options.get('topic')!.where, `must be a Kafka topic name (1 to 128 letters, digits, ".", "_" or "-"), not ${show(topic)}`);
  const maxMsgNum = numberOption(options, 'maxMsgNum', 1, 10000, 100, '', problems);
  const retry = numberOption(options, 'retry', 1, 10000, 10000, '', problems);
  const timeOut = numberOption(options, 'timeout', 1, 60, 60, ' of seconds', problems);
  let offset = 'latest';
  const offsetSource = options.get('offset');
  if (offsetSource) {
    const text = typeof offsetSource.value === 'number' ? String(offsetSource.value) : offsetSource.value;
    if (typeof text !== 'string' || !/^(latest|earliest|\d{10,13})$/.test(text)) {
      problems.add(offsetSource.where, `must be latest, earliest or a time in milliseconds since 1970, not ${show(offsetSource.value)}`);
    } else offset = text;
  }
  const consumerGroupName = stringOption(options, 'consumerGroupName', problems);
  const enable = enableOption(options, problems);
  const qualifier = qualifierOption(options, problems);
  if (instance === undefined || topic === undefined || !KAFKA_TOPIC.test(topic)) return [];
  const desc: Record<string, unknown> = { maxMsgNum, offset, retry, timeOut };
  if (consumerGroupName) desc.consumerGroupName = consumerGroupName;
  return [{ type: 'ckafka', name: `${instance}-${topic}`, desc: JSON.stringify(desc), enable, qualifier }];
}

function stringList(source: Source, problems: Problems): string[] | undefined {
  const list = typeof source.value === 'string' ? source.value.split(',').map((s) => s.trim()) : source.value;
  if (!Array.isArray(list) || list.some((item) => typeof item !== 'string' || item === '')) {
    problems.add(source.where, `must be a list of strings, not ${show(source.value)}`);
    return undefined;
  }
  return list as string[];
}

const CORS_KEYS: Readonly<Record<string, string>> = {
  origins: 'Origins',
  methods: 'Methods',
  headers: 'Headers',
  exposeHeaders: 'ExposeHeaders',
  credentials: 'Credentials',
  maxAge: 'MaxAge',
};

function corsConfig(source: Source | undefined, problems: Problems): Record<string, unknown> | undefined {
  if (!source) return undefined;
  const flag = booleanValue(source.value);
  if (flag === false) return undefined;
  const cors: Record<string, unknown> = { Enable: true, Origins: ['*'], Methods: CORS_DEFAULT_METHODS, Headers: ['*'], ExposeHeaders: [], Credentials: false };
  if (flag === true) return cors;
  if (!isPlainObject(source.value)) {
    problems.add(source.where, `must be true or a map of ${Object.keys(CORS_KEYS).join(', ')}, not ${show(source.value)}`);
    return undefined;
  }
  for (const [key, value] of Object.entries(source.value)) {
    if (value === undefined || value === null) continue;
    const where = `${source.where}.${key}`;
    const field = Object.prototype.hasOwnProperty.call(CORS_KEYS, key) ? CORS_KEYS[key] : undefined;
    if (!field) problems.add(where, `is not a CORS setting: use ${Object.keys(CORS_KEYS).join(', ')}`);
    else if (field === 'Credentials') {
      const credentials = booleanValue(value);
      if (credentials === undefined) problems.add(where, `must be true or false, not ${show(value)}`);
      else cors.Credentials = credentials;
    } else if (field === 'MaxAge') {
      const maxAge = wholeNumber(value);
      if (maxAge === undefined || maxAge < 0 || maxAge > 86400) problems.add(where, `must be a whole number of seconds from 0 to 86400, not ${show(value)}`);
      else cors.MaxAge = maxAge;
    } else {
      const list = stringList({ value, where }, problems);
      if (list) cors[field] = field === 'Methods' ? list.map((m) => m.toUpperCase()) : list;
    }
  }
  return cors;
}

/** The keys of AWS's API Gateway `http` event, which an SCF function URL has no use for. */
const AWS_HTTP_KEYS = ['path', 'method'];

function http(value: unknown, where: string, problems: Problems): TriggerSpec[] {
  let options: Options;
  if (value === true) options = new Map();
  else if (isPlainObject(value) && AWS_HTTP_KEYS.some((key) => has(value, key))) {
    // Routes as serverless's AWS provider writes them: say what a function URL does instead of listing keys.
    const given = AWS_HTTP_KEYS.filter((key) => has(value, key)).join(' and ');
    problems.add(
      where,
      `has ${given}, as AWS API Gateway events do: an SCF function URL sends every path and method to the function, so routing belongs in the handler (the event's path and httpMethod), or in a web function. Drop ${given} (- http: true)`,
    );
    return [];
  } else if (isPlainObject(value)) options = collect('http', value, where, problems);
  else {
    problems.add(where, `must be true or a map of ${keysOf(FORMS.http.short)}, not ${show(value)}`);
    return [];
  }
  let authType = 'NONE';
  const authSource = options.get('authType');
  if (authSource) {
    const text = typeof authSource.value === 'string' ? authSource.value.toUpperCase() : undefined;
    if (text !== 'NONE' && text !== 'CAM') problems.add(authSource.where, `must be NONE (anyone may call the URL) or CAM (callers sign with Tencent Cloud credentials), not ${show(authSource.value)}`);
    else authType = text;
  }
  const net = (key: string, fallback: boolean) => {
    const source = options.get(key);
    if (!source) return fallback;
    const flag = booleanValue(source.value);
    if (flag === undefined) problems.add(source.where, `must be true or false, not ${show(source.value)}`);
    return flag ?? fallback;
  };
  const intranet = net('intranet', false);
  const extranet = net('extranet', true);
  if (!intranet && !extranet) problems.add(where, 'turns off both extranet and intranet access: a function URL needs at least one');
  const desc: Record<string, unknown> = { AuthType: authType, NetConfig: { EnableIntranet: intranet, EnableExtranet: extranet } };
  const cors = corsConfig(options.get('cors'), problems);
  if (cors) desc.CorsConfig = cors;
  // Unnamed URLs are named once all events are read (see nameUrls).
  return [{ type: 'http', name: nameOption(options, '', problems), desc: JSON.stringify(desc), enable: enableOption(options, problems), qualifier: qualifierOption(options, problems) }];
}

// ---- events → specs ----------------------------------------------------------------------------------------

/**
 * `functions.<key>.events` → TriggerSpecs, problems added with their key paths (`functions.api.events[0].timer.cron`).
 * `region` is the function's, for COS buckets given without their domain.
 */
export function triggersFromEvents(events: unknown, where: string, region: string, problems: Problems): TriggerSpec[] {
  if (events === undefined || events === null) return [];
  if (!Array.isArray(events)) {
    problems.add(where, `must be a list of triggers (- timer: ..., - cos: ..., - ckafka: ..., - http: ...), not ${show(events)}`);
    return [];
  }
  const specs: Array<{ spec: TriggerSpec; where: string }> = [];
  events.forEach((event, index) => {
    const path = `${where}[${index}]`;
    if (!isPlainObject(event) || Object.keys(event).length !== 1) {
      problems.add(path, `must be one trigger like "- timer: '0 */5 * * * * *'", not ${show(event)}`);
      return;
    }
    const [type] = Object.keys(event);
    const value = event[type];
    const at = `${path}.${type}`;
    let made: TriggerSpec[];
    switch (type) {
      case 'timer':
        made = timer(value, at, problems);
        break;
      case 'cos':
        made = cos(value, at, region, problems);
        break;
      case 'ckafka':
        made = ckafka(value, at, problems);
        break;
      case 'http':
        made = http(value, at, problems);
        break;
      default:
        if (Object.prototype.hasOwnProperty.call(LEGACY_TYPES, type)) problems.add(path, LEGACY_TYPES[type]);
        else problems.add(path, `is a "${type}" trigger, which this plugin does not know: use ${MANAGED_TRIGGER_TYPES.join(', ')}`);
        return;
    }
    for (const spec of made) specs.push({ spec, where: path });
  });
  nameUrls(specs.map((s) => s.spec));
  refuseClashes(specs, problems);
  return specs.map((s) => s.spec);
}

/**
 * A trigger name is unique within a function, across its qualifiers: an unnamed function URL is "url", and when
 * a function has several (one per qualifier), the others are "url-<qualifier>". A single URL keeps "url" whatever
 * its qualifier, so its address does not change when another is added.
 */
function nameUrls(specs: TriggerSpec[]): void {
  let unnamed = 0;
  for (const spec of specs) {
    if (spec.type !== 'http' || spec.name !== '') continue;
    spec.name = unnamed++ === 0 ? 'url' : `url-${spec.qualifier.replace(/^\$/, '')}`;
  }
}

/**
 * Two triggers SCF would refuse together: the same type and name, on any qualifiers (a name is unique within the
 * function; COS: the same rule), or two URLs on one qualifier.
 */
function refuseClashes(specs: Array<{ spec: TriggerSpec; where: string }>, problems: Problems): void {
  const seen = new Map<string, { where: string; qualifier: string }>();
  const reported = new Set<string>();
  for (const { spec, where } of specs) {
    const identity = spec.type === 'cos' ? triggerIdentity(spec) : JSON.stringify([spec.type, spec.name]);
    const first = seen.get(identity);
    if (first === undefined) {
      seen.set(identity, { where, qualifier: spec.qualifier });
      continue;
    }
    const what = spec.type === 'cos' ? 'the same COS rule on the same bucket' : `a second ${spec.type} trigger named "${spec.name}"`;
    const why = spec.type !== 'cos' && first.qualifier !== spec.qualifier ? ', even on another qualifier: SCF takes a name once per function' : '';
    problems.add(where, `is ${what} (${first.where} is the first): ${spec.type === 'cos' ? 'give it once' : `give each a distinct name${why}`}`);
    reported.add(where);
  }
  const urls = new Map<string, string>();
  for (const { spec, where } of specs) {
    if (spec.type !== 'http' || reported.has(where)) continue;
    const first = urls.get(spec.qualifier);
    if (first === undefined) urls.set(spec.qualifier, where);
    else problems.add(where, `is a second function URL on ${spec.qualifier} (${first} is the first): SCF gives a version or alias one URL`);
  }
  const rules = specs.filter((s) => s.spec.type === 'cos').map((s) => ({ ...s, rule: cosRule(s.spec.desc) }));
  for (let i = 0; i < rules.length; i++) {
    for (let j = 0; j < i; j++) {
      const [a, b] = [rules[j], rules[i]];
      if (a.spec.name === b.spec.name && a.spec.qualifier === b.spec.qualifier && !sameRule(a.rule, b.rule) && rulesOverlap(a.rule, b.rule)) {
        problems.add(b.where, `overlaps ${a.where} on bucket ${a.spec.name} (${b.rule.event} and ${a.rule.event} with overlapping prefix and suffix): COS refuses two rules that fire for one object`);
      }
    }
  }
}

// ---- comparison ---------------------------------------------------------------------------------------------

interface CosRule {
  event: string;
  prefix: string;
  suffix: string;
}

function parseJson(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return isPlainObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function cosRule(desc: string | undefined): CosRule {
  const parsed = parseJson(desc) ?? {};
  const filter = isPlainObject(parsed.filter) ? parsed.filter : {};
  return { event: String(parsed.event ?? ''), prefix: String(filter.Prefix ?? ''), suffix: String(filter.Suffix ?? '') };
}

function sameRule(a: CosRule, b: CosRule): boolean {
  return a.event === b.event && a.prefix === b.prefix && a.suffix === b.suffix;
}

function rulesOverlap(a: CosRule, b: CosRule): boolean {
  const family = (e: string) => e.split(':').slice(0, 2).join(':');
  const events = a.event === b.event || (family(a.event) === family(b.event) && (a.event.endsWith(':*') || b.event.endsWith(':*')));
  const prefixes = a.prefix.startsWith(b.prefix) || b.prefix.startsWith(a.prefix);
  const suffixes = a.suffix.endsWith(b.suffix) || b.suffix.endsWith(a.suffix);
  return events && prefixes && suffixes;
}

type AnyTrigger = Pick<TriggerSpec, 'type' | 'name' | 'desc' | 'enable' | 'qualifier' | 'customArgument'>;

/** The timer's cron, whether given as sent (the cron) or as read back (`{"cron":"..."}`). */
function timerCron(desc: string | undefined): string {
  const parsed = parseJson(desc);
  const cron = parsed && typeof parsed.cron === 'string' ? parsed.cron : (desc ?? '');
  return cronKey(cron);
}

function sortedJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedJson);
  if (isPlainObject(value)) return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortedJson(value[k])]));
  return value;
}

/** The part of a TriggerDesc that matters, in one form for what was sent and what was read back. */
function descKey(type: string, desc: string | undefined): Record<string, unknown> {
  switch (type) {
    case 'timer':
      return { cron: timerCron(desc) };
    case 'cos':
      return { ...cosRule(desc) };
    case 'ckafka': {
      // The server adds fields of its own to what it reports: compare only the ones a deploy sets.
      const parsed = parseJson(desc) ?? {};
      return {
        maxMsgNum: Number(parsed.maxMsgNum ?? 100),
        offset: String(parsed.offset ?? 'latest'),
        retry: Number(parsed.retry ?? 10000),
        timeOut: Number(parsed.timeOut ?? 60),
        consumerGroupName: String(parsed.consumerGroupName ?? ''),
      };
    }
    case 'http': {
      const parsed = parseJson(desc) ?? {};
      const net = isPlainObject(parsed.NetConfig) ? parsed.NetConfig : {};
      const cors = isPlainObject(parsed.CorsConfig) && parsed.CorsConfig.Enable !== false ? sortedJson(parsed.CorsConfig) : null;
      return {
        authType: String(parsed.AuthType ?? 'NONE').toUpperCase(),
        intranet: net.EnableIntranet === true,
        extranet: net.EnableExtranet === true,
        cors,
      };
    }
    default: {
      const parsed = parseJson(desc);
      return parsed ? (sortedJson(parsed) as Record<string, unknown>) : { raw: desc ?? '' };
    }
  }
}

function qualifierOf(t: AnyTrigger): string {
  return t.qualifier || API_DEFAULT_QUALIFIER;
}

/**
 * Which deployed trigger a desired one is: type, name and qualifier; a COS trigger also by its rule (one bucket
 * carries several rules under one name, and DeleteTrigger finds a COS trigger by its desc).
 */
export function triggerIdentity(t: AnyTrigger): string {
  const rule = t.type === 'cos' ? descKey('cos', t.desc) : undefined;
  return JSON.stringify([t.type, t.name, qualifierOf(t), rule ?? null]);
}

/**
 * A key equal for a trigger as sent (TriggerSpec) and as read back (DeployedTrigger) when nothing differs:
 * identity, the desc in its comparable form, enable, and a timer's argument.
 */
export function triggerKey(t: AnyTrigger): string {
  return keyOf(t, descKey(t.type, t.desc));
}

function keyOf(t: AnyTrigger, desc: Record<string, unknown>): string {
  return JSON.stringify([triggerIdentity(t), desc, t.enable, t.type === 'timer' ? (t.customArgument ?? '') : '']);
}

/**
 * The comparable descs of a desired trigger and its deployed self. What SCF fills in itself when serverless.yml
 * leaves it out is not compared: a ckafka trigger made without a consumer group gets one SCF names (trigger doc
 * 583/39901), which must not read as a change.
 */
function comparableDescs(desired: AnyTrigger, deployed: AnyTrigger): [Record<string, unknown>, Record<string, unknown>] {
  const a = descKey(desired.type, desired.desc);
  const b = descKey(deployed.type, deployed.desc);
  if (desired.type === 'ckafka' && a.consumerGroupName === '') b.consumerGroupName = '';
  return [a, b];
}

/** Whether a deployed trigger is the desired one with nothing changed. */
export function sameTrigger(desired: AnyTrigger, deployed: AnyTrigger): boolean {
  const [a, b] = comparableDescs(desired, deployed);
  return keyOf(desired, a) === keyOf(deployed, b);
}

export function isManagedTrigger(t: Pick<DeployedTrigger, 'type'>): boolean {
  return MANAGED_TRIGGER_TYPES.includes(t.type);
}

/** A trigger named for a person: `timer trigger "daily"`, `COS trigger on x-1.cos... (cos:ObjectCreated:*, prefix a/)`. */
export function describeTrigger(t: AnyTrigger): string {
  const on = qualifierNote(qualifierOf(t));
  switch (t.type) {
    case 'cos': {
      const rule = cosRule(t.desc);
      const filter = [rule.prefix && `prefix ${rule.prefix}`, rule.suffix && `suffix ${rule.suffix}`].filter(Boolean).join(', ');
      return `COS trigger on ${t.name} (${rule.event}${filter ? `, ${filter}` : ''})${on}`;
    }
    case 'http':
      return `function URL "${t.name}"${on}`;
    default:
      return `${t.type} trigger "${t.name}"${on}`;
  }
}

function qualifierNote(qualifier: string): string {
  return qualifier === DEFAULT_QUALIFIER ? '' : ` on ${qualifier}`;
}

/** What differs between a desired trigger and its deployed self, for a reason a user reads (no values of arguments). */
export function triggerDifferences(desired: AnyTrigger, deployed: AnyTrigger): string[] {
  const differences: string[] = [];
  const [a, b] = comparableDescs(desired, deployed);
  for (const key of Object.keys(a)) {
    const [was, now] = [JSON.stringify(b[key]), JSON.stringify(a[key])];
    if (was === now) continue;
    differences.push(typeof a[key] === 'object' || typeof b[key] === 'object' ? key : `${key} ${String(b[key])} → ${String(a[key])}`);
  }
  if (desired.enable !== deployed.enable) differences.push(desired.enable ? 'enabled' : 'disabled');
  if (desired.type === 'timer' && (desired.customArgument ?? '') !== (deployed.customArgument ?? '')) differences.push('argument');
  return differences;
}

/**
 * Whether UpdateTrigger can carry the change: http always; a timer unless its argument was removed (UpdateTrigger
 * leaves out what it is not given, an empty argument included, so only a new trigger is without one); ckafka
 * unless the offset or consumer group moved.
 */
export function updatableInPlace(desired: AnyTrigger, deployed: AnyTrigger): boolean {
  if (!UPDATABLE_TRIGGER_TYPES.includes(desired.type) || desired.type !== deployed.type) return false;
  if (desired.type === 'timer') return Boolean(desired.customArgument) || !deployed.customArgument;
  if (desired.type !== 'ckafka') return true;
  const [a, b] = comparableDescs(desired, deployed);
  return a.offset === b.offset && a.consumerGroupName === b.consumerGroupName;
}

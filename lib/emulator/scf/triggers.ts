// Triggers: CreateTrigger, UpdateTrigger, DeleteTrigger, ListTriggers, with SCF's checks per type and its
// read-back quirks (SCF-DEPLOY.md §2.10, §5): Enable goes in as "OPEN"/"CLOSE" and comes back 1/0; a timer's
// TriggerDesc goes in as the cron and comes back as `{"cron":"..."}` (five fields as seven); JSON descs come
// back without spaces; a COS trigger is named by its bucket's domain and deleted only with its desc.
import { ApiFault } from '../api-fault';
import { formatCst } from '../../time/cst';
import { parseBucketName } from '../cos/store';
import { type FunctionRecord, resolveQualifier, type TriggerRecord } from '../store/account';
import { CronError, normaliseCron, parseCron } from './cron';
import { COS_EVENTS } from '../../cloud/scf-rules';
import { findFunction, type ScfContext } from './context';
import { requireChangeable } from './lifecycle';
import { type Params, str } from './params';
import { QUOTAS, wholeNumber } from './validate';

const TYPES = new Set(['timer', 'cos', 'ckafka', 'http', 'cmq', 'apigw']);
const UPDATABLE_TYPES = new Set(['timer', 'ckafka', 'http']);
const COS_EVENT_NAMES: ReadonlySet<string> = new Set(COS_EVENTS);
const COS_TRIGGER_NAME = /^([a-z0-9](?:[a-z0-9-]*[a-z0-9])?-\d+)\.cos\.([a-z0-9-]+)\.myqcloud\.com$/;
const CUSTOM_ARGUMENT_BYTES = 4096;

/** A trigger as CreateTrigger and GetFunction report it (the `Trigger` data type). */
export function triggerOut(t: TriggerRecord): Params {
  const { BoundResources: _bound, ...trigger } = triggerInfo(t);
  return trigger;
}

/** A trigger as ListTriggers reports it (the `TriggerInfo` data type, with BoundResources). */
export function triggerInfo(t: TriggerRecord): Params {
  return {
    Type: t.type,
    TriggerName: t.name,
    TriggerDesc: t.desc,
    Enable: t.enable ? 1 : 0,
    Qualifier: t.qualifier,
    CustomArgument: t.customArgument,
    AvailableStatus: 'Available',
    Description: t.description,
    AddTime: formatCst(t.addTime),
    ModTime: formatCst(t.modTime),
    BoundResources: '',
    ResourceId: '',
    BindStatus: '',
    TriggerAttribute: '',
  };
}

function descFault(message: string): ApiFault {
  return new ApiFault('InvalidParameterValue.TriggerDesc', message);
}

function jsonObject(desc: string | undefined, type: string): Record<string, any> {
  if (desc === undefined) throw descFault(`A ${type} trigger needs a TriggerDesc.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(desc);
  } catch {
    throw descFault(`The ${type} TriggerDesc is not JSON.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw descFault(`The ${type} TriggerDesc must be a JSON object.`);
  return parsed as Record<string, any>;
}

interface CosRule {
  event: string;
  prefix: string;
  suffix: string;
}

/** A COS TriggerDesc's rule; throws on what SCF refuses. */
export function cosRule(desc: string | undefined): CosRule {
  const parsed = jsonObject(desc, 'cos');
  if (typeof parsed.event !== 'string' || !COS_EVENT_NAMES.has(parsed.event)) throw descFault(`The COS event \`${String(parsed.event).slice(0, 60)}\` is not one COS sends.`);
  const filter = parsed.filter ?? {};
  if (typeof filter !== 'object' || Array.isArray(filter)) throw descFault('The COS filter must be {Prefix, Suffix}.');
  const prefix = filter.Prefix ?? '';
  const suffix = filter.Suffix ?? '';
  if (typeof prefix !== 'string' || typeof suffix !== 'string') throw descFault('The COS filter Prefix and Suffix must be strings.');
  if (suffix && !suffix.startsWith('.')) throw descFault(`The COS filter Suffix \`${suffix.slice(0, 60)}\` must begin with ".".`);
  return { event: parsed.event, prefix, suffix };
}

function eventsOverlap(a: string, b: string): boolean {
  if (a === b) return true;
  const family = (e: string) => e.split(':').slice(0, 2).join(':');
  return family(a) === family(b) && (a.endsWith(':*') || b.endsWith(':*'));
}

/** Two COS rules on one bucket that would both fire for some object: COS refuses the second. */
export function cosRulesConflict(a: CosRule, b: CosRule): boolean {
  const prefixesOverlap = a.prefix.startsWith(b.prefix) || b.prefix.startsWith(a.prefix);
  const suffixesOverlap = a.suffix.endsWith(b.suffix) || b.suffix.endsWith(a.suffix);
  return eventsOverlap(a.event, b.event) && prefixesOverlap && suffixesOverlap;
}

function sameCosRule(a: CosRule, b: CosRule): boolean {
  return a.event === b.event && a.prefix === b.prefix && a.suffix === b.suffix;
}

/** The TriggerDesc a trigger is stored (and read back) with, after the type's checks. */
function storedDesc(ctx: ScfContext, type: string, name: string, desc: string | undefined, previous?: TriggerRecord): string {
  switch (type) {
    case 'timer': {
      if (!/^[A-Za-z][A-Za-z0-9_-]{0,59}$/.test(name)) throw new ApiFault('InvalidParameterValue.TriggerName', 'A timer trigger name is at most 60 letters, digits, - and _, a letter first.');
      if (desc === undefined) throw descFault('A timer trigger needs its cron expression as TriggerDesc.');
      try {
        parseCron(desc);
      } catch (error) {
        if (error instanceof CronError) throw descFault(`The cron expression \`${desc.slice(0, 100)}\` is invalid: ${error.message}.`);
        throw error;
      }
      return JSON.stringify({ cron: normaliseCron(desc) });
    }
    case 'cos': {
      const match = COS_TRIGGER_NAME.exec(name);
      if (!match || !parseBucketName(match[1])) {
        throw new ApiFault('InvalidParameterValue.TriggerName', 'A COS trigger is named by its bucket domain: <bucket>-<appid>.cos.<region>.myqcloud.com.');
      }
      const bucket = ctx.cos.buckets.get(match[1]);
      if (!bucket || (bucket.region && bucket.region !== match[2])) throw new ApiFault('ResourceNotFound.Cos', `The bucket \`${match[1]}\` does not exist in ${match[2]}.`);
      cosRule(desc);
      return JSON.stringify(JSON.parse(desc!));
    }
    case 'ckafka': {
      if (!/^ckafka-[a-z0-9]+-.+$/.test(name)) throw new ApiFault('InvalidParameterValue.TriggerName', 'A CKafka trigger is named <ckafka instance id>-<topic>.');
      const parsed = jsonObject(desc, 'ckafka');
      const maxMsgNum = wholeNumber(parsed.maxMsgNum, 'maxMsgNum');
      if (maxMsgNum === undefined || maxMsgNum < 1 || maxMsgNum > 10000) throw descFault('CKafka maxMsgNum must be 1 to 10000.');
      if (typeof parsed.offset !== 'string' || !/^(latest|earliest|\d+)$/.test(parsed.offset)) throw descFault('CKafka offset must be latest, earliest or a time in ms.');
      const timeOut = wholeNumber(parsed.timeOut, 'timeOut');
      if (timeOut !== undefined && (timeOut < 1 || timeOut > 60)) throw descFault('CKafka timeOut must be 1 to 60 seconds.');
      // SCF names the consumer group itself when none is given (trigger doc 583/39901), and reports that name.
      // An update without one keeps the group the trigger has.
      if (parsed.consumerGroupName === undefined || parsed.consumerGroupName === '') {
        parsed.consumerGroupName = (previous && jsonObject(previous.desc, 'ckafka').consumerGroupName) || `scf-${name.slice(0, 80)}-${ctx.now().toString(36)}`;
      }
      return JSON.stringify(parsed);
    }
    case 'http': {
      const parsed = jsonObject(desc, 'http');
      if (parsed.AuthType !== 'NONE' && parsed.AuthType !== 'CAM') throw descFault('A function URL AuthType is NONE or CAM.');
      const net = parsed.NetConfig;
      // EnableIntranet and EnableExtranet are booleans; the addresses SCF fills in (…Url) are its own, not the caller's.
      if (net !== undefined && (typeof net !== 'object' || net === null || Array.isArray(net) || ['EnableIntranet', 'EnableExtranet'].some((k) => net[k] !== undefined && typeof net[k] !== 'boolean'))) {
        throw descFault('NetConfig holds the booleans EnableIntranet and EnableExtranet.');
      }
      if (net) parsed.NetConfig = { EnableIntranet: net.EnableIntranet === true, EnableExtranet: net.EnableExtranet !== false };
      if (parsed.NetConfig && !parsed.NetConfig.EnableIntranet && !parsed.NetConfig.EnableExtranet) throw descFault('A function URL needs intranet or extranet access.');
      return JSON.stringify(parsed);
    }
    case 'cmq':
      return desc === undefined ? '' : JSON.stringify(jsonObject(desc, 'cmq'));
    default:
      return JSON.stringify(jsonObject(desc, type));
  }
}

function enableParam(params: Params): boolean | undefined {
  const enable = params.Enable;
  if (enable === undefined || enable === null || enable === '') return undefined;
  if (enable === 'OPEN') return true;
  if (enable === 'CLOSE') return false;
  throw new ApiFault('InvalidParameterValue.Enable', 'Enable must be OPEN or CLOSE.');
}

function customArgument(params: Params): string | undefined {
  const argument = str(params, 'CustomArgument');
  if (argument !== undefined && Buffer.byteLength(argument) > CUSTOM_ARGUMENT_BYTES) {
    throw new ApiFault('InvalidParameterValue.CustomArgument', `CustomArgument exceeds ${CUSTOM_ARGUMENT_BYTES} bytes.`);
  }
  return argument;
}

function qualifierParam(fn: FunctionRecord, params: Params): string {
  const qualifier = str(params, 'Qualifier') ?? '$LATEST';
  if (!resolveQualifier(fn, qualifier)) throw new ApiFault('ResourceNotFound.Version', `Version or alias \`${qualifier.slice(0, 60)}\` of \`${fn.functionName}\` does not exist.`);
  return qualifier;
}

function typeParam(params: Params): string {
  const type = str(params, 'Type', true)!;
  if (!TYPES.has(type)) throw new ApiFault('InvalidParameterValue.Type', `Trigger type \`${type.slice(0, 30)}\` is not offered: use ${[...TYPES].join(', ')}.`);
  return type;
}

export async function createTrigger(ctx: ScfContext, params: Params): Promise<Params> {
  const fn = findFunction(ctx, params);
  requireChangeable(ctx.lifecycle, fn, 'CreateTrigger');
  const name = str(params, 'TriggerName', true)!;
  const type = typeParam(params);
  const qualifier = qualifierParam(fn, params);
  let desc = storedDesc(ctx, type, name, str(params, 'TriggerDesc'));
  const description = str(params, 'Description') ?? '';
  if (description.length > 1000) throw new ApiFault('InvalidParameterValue', 'Description must not exceed 1000 characters.');
  if (type === 'cos') {
    const rule = cosRule(desc);
    for (const other of ctx.account.functions.values()) {
      for (const t of other.triggers) {
        if (t.type === 'cos' && t.name === name && cosRulesConflict(rule, cosRule(t.desc))) {
          throw new ApiFault('InvalidParameterValue.CosNotifyRuleConflict', `The rule conflicts with a COS trigger of \`${other.functionName}\` on the same bucket.`);
        }
      }
    }
  } else {
    // A trigger name is unique within the function, whatever qualifier the other is on.
    const same = fn.triggers.find((t) => t.type === type && t.name === name);
    if (same) throw new ApiFault('ResourceInUse.Trigger', `A ${type} trigger \`${name}\` already exists on ${same.qualifier}: a name is taken once per function.`);
  }
  if (fn.triggers.filter((t) => t.type === type).length >= QUOTAS.triggersPerTypePerFunction) {
    throw new ApiFault('LimitExceeded.Trigger', `A function may have at most ${QUOTAS.triggersPerTypePerFunction} ${type} triggers.`);
  }
  if (type === 'http') {
    // A version or alias has one URL.
    const other = fn.triggers.find((t) => t.type === 'http' && t.qualifier === qualifier);
    if (other) throw new ApiFault('ResourceInUse.Trigger', `${qualifier} already has a function URL (\`${other.name}\`).`);
    // Served at once, on a port of its own: the desc carries its address as SCF's carries the URL.
    if (ctx.urls) desc = await ctx.urls.assign(fn, name, desc);
  }
  const at = ctx.now();
  const trigger: TriggerRecord = {
    type,
    name,
    desc,
    enable: enableParam(params) ?? true,
    qualifier,
    customArgument: customArgument(params) ?? '',
    description,
    addTime: at,
    modTime: at,
  };
  fn.triggers.push(trigger);
  ctx.commit();
  return { TriggerInfo: triggerOut(trigger) };
}

function refuseWhileMoving(fn: FunctionRecord, code: string): void {
  if (fn.status === 'Creating' || fn.status === 'Deleting') throw new ApiFault(code, `The function \`${fn.functionName}\` is ${fn.status}.`);
}

export async function updateTrigger(ctx: ScfContext, params: Params): Promise<Params> {
  const fn = findFunction(ctx, params);
  refuseWhileMoving(fn, 'FailedOperation.FunctionStatusError');
  const name = str(params, 'TriggerName', true)!;
  const type = typeParam(params);
  if (!UPDATABLE_TYPES.has(type)) throw new ApiFault('UnsupportedOperation.Trigger', `A ${type} trigger cannot be updated: delete it and create it again.`);
  const qualifier = qualifierParam(fn, params);
  const trigger = fn.triggers.find((t) => t.type === type && t.name === name && t.qualifier === qualifier);
  if (!trigger) throw new ApiFault('ResourceNotFound.Trigger', `No ${type} trigger \`${name.slice(0, 100)}\` on ${qualifier}.`);
  const descParam = str(params, 'TriggerDesc');
  let desc = descParam === undefined ? undefined : storedDesc(ctx, type, name, descParam, trigger);
  if (desc !== undefined && type === 'http' && ctx.urls) desc = await ctx.urls.assign(fn, name, desc);
  const enable = enableParam(params);
  const argument = customArgument(params);
  const description = str(params, 'Description');
  if (desc !== undefined) trigger.desc = desc;
  if (enable !== undefined) trigger.enable = enable;
  if (argument !== undefined) trigger.customArgument = argument;
  if (description !== undefined) trigger.description = description;
  trigger.modTime = ctx.now();
  ctx.commit();
  // UpdateTrigger answers with its RequestId alone.
  return {};
}

export function deleteTrigger(ctx: ScfContext, params: Params): Params {
  const fn = findFunction(ctx, params);
  refuseWhileMoving(fn, 'FailedOperation.DeleteTrigger');
  const name = str(params, 'TriggerName', true)!;
  const type = typeParam(params);
  const qualifier = qualifierParam(fn, params);
  let matches = (t: TriggerRecord) => t.type === type && t.name === name && t.qualifier === qualifier;
  if (type === 'cos') {
    const desc = str(params, 'TriggerDesc');
    if (desc === undefined) throw descFault('Deleting a COS trigger needs the TriggerDesc it was created with.');
    const rule = cosRule(desc);
    const named = matches;
    matches = (t) => named(t) && sameCosRule(cosRule(t.desc), rule);
  }
  const index = fn.triggers.findIndex(matches);
  if (index < 0) throw new ApiFault('ResourceNotFound.Trigger', `No ${type} trigger \`${name.slice(0, 100)}\` on ${qualifier} matches.`);
  fn.triggers.splice(index, 1);
  ctx.commit();
  return {};
}

export function listTriggers(ctx: ScfContext, params: Params): Params {
  const fn = findFunction(ctx, params);
  const offset = wholeNumber(params.Offset, 'Offset') ?? 0;
  const limit = wholeNumber(params.Limit, 'Limit') ?? 20;
  if (offset < 0) throw new ApiFault('InvalidParameterValue.Offset', 'Offset must not be negative.');
  if (limit < 1 || limit > 100) throw new ApiFault('InvalidParameterValue.Limit', 'Limit must be 1 to 100.');
  const orderBy = str(params, 'OrderBy') ?? 'add_time';
  if (orderBy !== 'add_time' && orderBy !== 'mod_time') throw new ApiFault('InvalidParameterValue.OrderBy', 'OrderBy must be add_time or mod_time.');
  const order = (str(params, 'Order') ?? 'DESC').toUpperCase();
  if (order !== 'ASC' && order !== 'DESC') throw new ApiFault('InvalidParameterValue.Order', 'Order must be ASC or DESC.');
  const filters = params.Filters ?? [];
  if (!Array.isArray(filters)) throw new ApiFault('InvalidParameterValue.Filters', 'Filters must be a list of {Name, Values}.');
  const tests = filters.map((filter: any) => {
    const values: unknown = filter?.Values;
    if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) throw new ApiFault('InvalidParameterValue.Filters', 'Every filter needs a list of string Values.');
    const field = new Map<string, (t: TriggerRecord) => string>([
      ['Qualifier', (t) => t.qualifier],
      ['TriggerName', (t) => t.name],
      ['Description', (t) => t.description],
    ]).get(filter?.Name);
    if (!field) throw new ApiFault('InvalidParameterValue.Filters', `Triggers are filtered by Qualifier, TriggerName or Description, not \`${String(filter?.Name).slice(0, 40)}\`.`);
    return (t: TriggerRecord) => (values as string[]).includes(field(t));
  });
  const direction = order === 'ASC' ? 1 : -1;
  const found = fn.triggers
    .filter((t) => tests.every((test: (t: TriggerRecord) => boolean) => test(t)))
    .map((t, index) => ({ t, index }))
    .sort((a, b) => ((orderBy === 'add_time' ? a.t.addTime - b.t.addTime : a.t.modTime - b.t.modTime) || a.index - b.index) * direction)
    .map(({ t }) => t);
  return { TotalCount: found.length, Triggers: found.slice(offset, offset + limit).map(triggerInfo) };
}

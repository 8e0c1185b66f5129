// The function actions of a deployment: CreateFunction, UpdateFunctionCode, UpdateFunctionConfiguration,
// GetFunction, GetFunctionAddress, DeleteFunction, ListFunctions. Checked as SCF checks them, asynchronous as
// SCF is (the function passes through Creating / Updating / Deleting), and running what was deployed.
import { ApiFault } from '../api-fault';
import { formatCst } from '../../time/cst';
import type { FunctionConfiguration, FunctionStatus } from '../../cloud/types';
import { type CodeRecord, type FunctionRecord, newFunctionRecord, resolveQualifier } from '../store/account';
import { CREATE_ZIP_BYTES, codeSource, deployCode, UPDATE_ZIP_BYTES } from './code';
import { findFunction, findNamespace, type ScfContext } from './context';
import { fail, requireChangeable, requireStatus } from './lifecycle';
import { type Params, str } from './params';
import { triggerOut } from './triggers';
import {
  checkDescription,
  checkFunctionName,
  checkHandler,
  checkInitTimeout,
  checkMemorySize,
  checkRuntime,
  checkTimeout,
  parseEnvironment,
  parseLayers,
  parseTags,
  QUOTAS,
  trueFalse,
  wholeNumber,
} from './validate';
import { publishNow } from './versions';
import { checkBoundLayers } from './layers';
import { webChanges, webCreate, webOut } from './web-config';

/** Statuses from which a function may be updated again (a failed update can be retried). */
const UPDATABLE: FunctionStatus[] = ['UpdateFailed'];

export function tagList(tags: Map<string, string>): Array<{ Key: string; Value: string }> {
  return [...tags].map(([Key, Value]) => ({ Key, Value }));
}

function environmentOut(environment: Record<string, string>): { Variables: Array<{ Key: string; Value: string }> } {
  return { Variables: Object.keys(environment).map((Key) => ({ Key, Value: environment[Key] })) };
}

function optionalString(params: Params, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ApiFault('InvalidParameter', `The parameter \`${name}\` must be a string.`);
  return value;
}

function vpcConfig(params: Params): FunctionConfiguration['vpcConfig'] | undefined {
  const vpc = params.VpcConfig;
  if (vpc === undefined || vpc === null) return undefined;
  if (typeof vpc !== 'object' || Array.isArray(vpc)) throw new ApiFault('InvalidParameterValue', 'VpcConfig must be {VpcId, SubnetId}.');
  const vpcId = vpc.VpcId ?? '';
  const subnetId = vpc.SubnetId ?? '';
  if (typeof vpcId !== 'string' || typeof subnetId !== 'string') throw new ApiFault('InvalidParameterValue', 'VpcConfig must be {VpcId, SubnetId}.');
  return { vpcId, subnetId };
}

/** The configuration fields a request changes (CreateFunction and UpdateFunctionConfiguration share them). */
function configChanges(params: Params): Partial<FunctionConfiguration> {
  const changes: Partial<FunctionConfiguration> = {};
  const memory = wholeNumber(params.MemorySize, 'MemorySize');
  if (memory !== undefined) {
    checkMemorySize(memory);
    changes.memorySize = memory;
  }
  const timeout = wholeNumber(params.Timeout, 'Timeout');
  if (timeout !== undefined) {
    checkTimeout(timeout);
    changes.timeout = timeout;
  }
  const initTimeout = wholeNumber(params.InitTimeout, 'InitTimeout');
  if (initTimeout !== undefined) {
    checkInitTimeout(initTimeout);
    changes.initTimeout = initTimeout;
  }
  const description = optionalString(params, 'Description');
  if (description !== undefined) {
    checkDescription(description);
    changes.description = description;
  }
  const environment = parseEnvironment(params.Environment);
  if (environment) changes.environment = environment;
  const layers = parseLayers(params.Layers);
  if (layers) changes.layers = layers;
  const role = optionalString(params, 'Role');
  if (role !== undefined) changes.role = role;
  const vpc = vpcConfig(params);
  if (vpc) changes.vpcConfig = vpc;
  const installDependency = trueFalse(params.InstallDependency, 'InstallDependency');
  if (installDependency !== undefined) changes.installDependency = installDependency;
  // The log topic stays as the request gave it: the CLS room assigns defaults.
  const logset = optionalString(params, 'ClsLogsetId');
  if (logset !== undefined) changes.clsLogsetId = logset;
  const topic = optionalString(params, 'ClsTopicId');
  if (topic !== undefined) changes.clsTopicId = topic;
  return changes;
}

export async function createFunction(ctx: ScfContext, params: Params): Promise<Params> {
  const name = str(params, 'FunctionName', true)!;
  const namespace = str(params, 'Namespace') ?? 'default';
  checkFunctionName(name, namespace);
  findNamespace(ctx, params);
  const refuseExisting = () => {
    if (ctx.account.getFunction(namespace, name)) throw new ApiFault('ResourceInUse.Function', `The function \`${name}\` already exists in namespace \`${namespace}\`.`);
  };
  refuseExisting();
  if (ctx.account.functionsIn(namespace).length >= QUOTAS.functionsPerNamespace) {
    throw new ApiFault('LimitExceeded.Function', `Namespace \`${namespace}\` already holds ${QUOTAS.functionsPerNamespace} functions.`);
  }
  const type = str(params, 'Type') ?? 'Event';
  if (type !== 'Event' && type !== 'HTTP') throw new ApiFault('InvalidParameterValue.Type', 'Type must be Event or HTTP.');
  const runtime = str(params, 'Runtime') ?? 'Python2.7';
  checkRuntime(runtime);
  // A web function is started by its scf_bootstrap: it names no handler.
  const handler = str(params, 'Handler') ?? (type === 'HTTP' ? '' : 'index.main_handler');
  if (handler || type !== 'HTTP') checkHandler(handler, runtime);
  const changes = configChanges(params);
  if (changes.layers) checkBoundLayers(ctx, changes.layers, runtime);
  Object.assign(changes, webCreate(params, type));
  const asyncRunEnable = trueFalse(params.AsyncRunEnable, 'AsyncRunEnable');
  const tags = parseTags(params.Tags);
  if (params.Code === undefined || params.Code === null) throw new ApiFault('MissingParameter.Code', 'CreateFunction needs Code.');
  const source = codeSource(params.Code, params.CodeSource);
  if (!source) throw new ApiFault('MissingParameter.Code', 'Code holds neither ZipFile nor CosBucketName and CosObjectName.');
  const code = await deployCode(ctx, source, CREATE_ZIP_BYTES);

  // The unpack took a while: another request may have taken the name meanwhile.
  refuseExisting();
  const config: FunctionConfiguration = {
    runtime,
    handler,
    memorySize: 128,
    timeout: 3,
    initTimeout: 65,
    description: '',
    environment: Object.create(null),
    layers: [],
    ...changes,
  };
  if (asyncRunEnable) config.asyncRunEnable = true;
  Object.assign(config, ctx.logTopic(name, { logsetId: changes.clsLogsetId, topicId: changes.clsTopicId }));
  const fn = newFunctionRecord({ functionName: name, namespace, status: 'Creating', config, code, type, tags }, ctx.now());
  ctx.account.putFunction(fn);
  ctx.lifecycle.begin(fn, 'Creating', () => {
    const fault = ctx.lifecycle.takeFault(fn.functionName);
    if (fault) fail(fn, 'CreateFailed', fault, 'FailedOperation.CreateFunction');
    else fn.status = 'Active';
  });
  ctx.commit();
  return {};
}

/**
 * Starts an update of `fn`: `apply` changes $LATEST now and the function is Updating; when it settles it is
 * Active (and published, if asked), or, when a deploy fault strikes, UpdateFailed with the change undone.
 */
function startUpdate(ctx: ScfContext, fn: FunctionRecord, failCode: string, apply: () => void, publish: boolean): void {
  const before = { config: fn.config, code: fn.code, modTime: fn.modTime };
  // Until the update settles, the code it would restore on failure is no function's and must not be collected.
  const releaseBefore = ctx.packages.hold(before.code.sha256);
  apply();
  fn.modTime = ctx.now();
  ctx.lifecycle.begin(fn, 'Updating', () => {
    releaseBefore();
    const fault = ctx.lifecycle.takeFault(fn.functionName);
    if (fault) {
      Object.assign(fn, before);
      return fail(fn, 'UpdateFailed', fault, failCode);
    }
    fn.status = 'Active';
    if (publish) publishNow(ctx, fn, '');
  });
  ctx.commit();
}

export async function updateFunctionCode(ctx: ScfContext, params: Params): Promise<Params> {
  const fn = findFunction(ctx, params);
  const refuse = () => requireChangeable(ctx.lifecycle, fn, 'UpdateFunctionCode', UPDATABLE);
  refuse();
  const handler = str(params, 'Handler');
  if (handler !== undefined) checkHandler(handler, fn.config.runtime);
  const topLevel = codeSource(params, params.CodeSource);
  const nested = params.Code === undefined || params.Code === null ? undefined : codeSource(params.Code, params.CodeSource);
  if (topLevel && nested) throw new ApiFault('InvalidParameterValue.Code', 'Give the code either at the top level or in Code, not both.');
  const source = topLevel ?? nested;
  if (!source) throw new ApiFault('InvalidParameterValue.Code', 'UpdateFunctionCode needs ZipFile, or CosBucketName and CosObjectName.');
  const publish = trueFalse(params.Publish, 'Publish') ?? false;
  const code: CodeRecord = await deployCode(ctx, source, UPDATE_ZIP_BYTES);
  // The function may have moved on while the package was unpacked.
  if (ctx.account.getFunction(fn.namespace, fn.functionName) !== fn) throw new ApiFault('ResourceNotFound.Function', `The function \`${fn.functionName}\` no longer exists.`);
  refuse();
  startUpdate(
    ctx,
    fn,
    'FailedOperation.UpdateFunctionCode',
    () => {
      fn.code = code;
      if (handler !== undefined) fn.config = { ...fn.config, handler };
    },
    publish,
  );
  return {};
}

export function updateFunctionConfiguration(ctx: ScfContext, params: Params): Params {
  const fn = findFunction(ctx, params);
  requireChangeable(ctx.lifecycle, fn, 'UpdateFunctionConfiguration', UPDATABLE);
  // Set at creation only: not parameters of this action.
  for (const name of ['AsyncRunEnable', 'Type', 'ProtocolType']) {
    if (params[name] !== undefined) throw new ApiFault('UnknownParameter', `The parameter \`${name}\` is not recognized: it is set at creation only.`);
  }
  const runtime = str(params, 'Runtime');
  if (runtime !== undefined && runtime !== fn.config.runtime) {
    throw new ApiFault('InvalidParameterValue.Runtime', `The runtime is chosen at creation (${fn.config.runtime}) and cannot be changed.`);
  }
  const changes = configChanges(params);
  if (changes.layers) checkBoundLayers(ctx, changes.layers, fn.config.runtime, fn.config.layers);
  Object.assign(changes, webChanges(params, fn));
  if (changes.clsTopicId !== undefined || changes.clsLogsetId !== undefined) {
    Object.assign(changes, ctx.logTopic(fn.functionName, { logsetId: changes.clsLogsetId ?? fn.config.clsLogsetId, topicId: changes.clsTopicId ?? fn.config.clsTopicId }));
  }
  const publish = trueFalse(params.Publish, 'Publish') ?? false;
  startUpdate(ctx, fn, 'FailedOperation.UpdateFunctionConfiguration', () => (fn.config = { ...fn.config, ...changes }), publish);
  return {};
}

export function getFunction(ctx: ScfContext, params: Params): Params {
  const fn = findFunction(ctx, params);
  const qualifier = str(params, 'Qualifier') ?? '$LATEST';
  const resolved = resolveQualifier(fn, qualifier);
  if (!resolved) throw new ApiFault('ResourceNotFound.Version', `Version \`${qualifier.slice(0, 60)}\` of \`${fn.functionName}\` does not exist.`);
  const version = resolved.version === '$LATEST' ? undefined : fn.versions.get(resolved.version);
  const { config } = resolved;
  return {
    FunctionName: fn.functionName,
    FunctionId: fn.functionId,
    Namespace: fn.namespace,
    FunctionVersion: resolved.version,
    Qualifier: qualifier,
    Status: version && fn.status === 'Active' ? version.status : fn.status,
    StatusDesc: fn.statusDesc,
    StatusReasons: fn.statusReasons.map((r) => ({ ErrorCode: r.errorCode, ErrorMessage: r.errorMessage })),
    AvailableStatus: 'Available',
    Runtime: config.runtime,
    Handler: config.handler,
    Description: version ? version.description || config.description : config.description,
    MemorySize: config.memorySize,
    Timeout: config.timeout,
    InitTimeout: config.initTimeout ?? 65,
    CodeSize: resolved.code.size,
    CodeInfo: '',
    CodeResult: 'success',
    CodeError: '',
    ErrNo: 0,
    AddTime: formatCst(version?.addTime ?? fn.addTime),
    ModTime: formatCst(version?.modTime ?? fn.modTime),
    Role: config.role ?? '',
    InstallDependency: config.installDependency ? 'TRUE' : 'FALSE',
    Environment: environmentOut(config.environment),
    VpcConfig: { VpcId: config.vpcConfig?.vpcId ?? '', SubnetId: config.vpcConfig?.subnetId ?? '' },
    UseGpu: 'FALSE',
    ClsLogsetId: config.clsLogsetId ?? '',
    ClsTopicId: config.clsTopicId ?? '',
    Tags: tagList(fn.tags),
    EipConfig: { EipFixed: 'FALSE', Eips: [] },
    AccessInfo: { Host: '', Vip: '' },
    Type: fn.type,
    L5Enable: 'FALSE',
    Layers: config.layers.map((l) => ({ LayerName: l.name, LayerVersion: l.version, Status: 'Active' })),
    DeadLetterConfig: { Type: '', Name: '', FilterType: '' },
    PublicNetConfig: { PublicNetStatus: 'ENABLE', EipConfig: { EipStatus: 'DISABLE', EipAddress: [] } },
    OnsEnable: 'FALSE',
    AsyncRunEnable: config.asyncRunEnable ? 'TRUE' : 'FALSE',
    TraceEnable: 'FALSE',
    ...webOut(config),
    // The triggers of the qualifier asked for ($LATEST when none): ListTriggers lists all of them.
    Triggers: fn.triggers.filter((t) => t.qualifier === qualifier).map(triggerOut),
    // Settings the emulator does not model, as SCF reports them for a function that uses none.
    DnsCache: 'FALSE',
    ImageConfig: null,
    CfsConfig: { CfsInsList: [] },
    IntranetConfig: { IpFixed: 'DISABLE', IpAddress: [] },
  };
}

export function getFunctionAddress(ctx: ScfContext, params: Params): Params {
  const fn = findFunction(ctx, params);
  const qualifier = str(params, 'Qualifier') ?? '$LATEST';
  const resolved = resolveQualifier(fn, qualifier);
  if (!resolved) throw new ApiFault('ResourceNotFound.FunctionVersion', `Version \`${qualifier.slice(0, 60)}\` of \`${fn.functionName}\` does not exist.`);
  if (fn.status === 'Creating' || fn.status === 'CreateFailed' || fn.status === 'Deleting') {
    throw new ApiFault('FailedOperation.FunctionStatusError', `The function \`${fn.functionName}\` is ${fn.status}: its code has no address yet.`);
  }
  const { sha256 } = resolved.code;
  // A function served from a service directory (scf-emulator --service) has no package: no address, no hash,
  // so a deploy sends its code.
  if (!sha256) return { Url: '', CodeSha256: '' };
  return { Url: ctx.codeUrl(sha256), CodeSha256: sha256 };
}

export function deleteFunction(ctx: ScfContext, params: Params): Params {
  const fn = findFunction(ctx, params);
  const qualifier = str(params, 'Qualifier');
  if (qualifier !== undefined && qualifier !== '$LATEST') return deleteVersion(ctx, fn, qualifier, 'DeleteFunction');
  requireStatus(fn, 'FailedOperation.DeleteFunction', 'DeleteFunction', ['CreateFailed', 'UpdateFailed', 'PublishFailed', 'DeleteFailed']);
  ctx.lifecycle.begin(fn, 'Deleting', () => {
    if (ctx.account.getFunction(fn.namespace, fn.functionName) === fn) ctx.account.deleteFunction(fn.namespace, fn.functionName);
  });
  ctx.commit();
  return {};
}

/** Deletes a published version: never one an alias routes to, and its triggers go with it. */
function deleteVersion(ctx: ScfContext, fn: FunctionRecord, qualifier: string, action: string): Params {
  const version = fn.versions.get(qualifier);
  if (!version) throw new ApiFault('ResourceNotFound.Version', `Version \`${qualifier.slice(0, 60)}\` of \`${fn.functionName}\` does not exist.`);
  const bound = [...fn.aliases.values()].find((a) => a.functionVersion === qualifier || a.additionalVersionWeights.some((w) => w.version === qualifier));
  if (bound) throw new ApiFault('UnsupportedOperation.AliasBind', `Version ${qualifier} is bound to alias \`${bound.name}\`: unbind it first.`);
  requireStatus(fn, `FailedOperation.${action}`, action, ['CreateFailed', 'UpdateFailed', 'PublishFailed']);
  fn.versions.delete(qualifier);
  fn.triggers = fn.triggers.filter((t) => t.qualifier !== qualifier);
  ctx.commit();
  return {};
}

/** DeleteFunctionVersion: a published version of the function ($LATEST cannot be). */
export function deleteFunctionVersion(ctx: ScfContext, params: Params): Params {
  const fn = findFunction(ctx, params);
  const qualifier = str(params, 'Qualifier', true)!;
  if (qualifier === '$LATEST') throw new ApiFault('InvalidParameterValue.Qualifier', '$LATEST cannot be deleted as a version: delete the function.');
  const force = str(params, 'ForceDelete');
  if (force !== undefined && force !== 'true' && force !== 'false') throw new ApiFault('InvalidParameterValue.ForceDelete', 'ForceDelete is true or false.');
  return deleteVersion(ctx, fn, qualifier, 'DeleteFunctionVersion');
}

/** ListFunctions filter names whose value is one of a function's own attributes. */
const FILTER_VALUES = new Map<string, (fn: FunctionRecord) => string | undefined>([
  ['Status', (fn) => fn.status],
  ['Runtime', (fn) => fn.config.runtime],
  ['Type', (fn) => fn.type],
  ['PublicNetStatus', () => 'ENABLE'],
  ['AsyncRunEnable', (fn) => (fn.config.asyncRunEnable ? 'TRUE' : 'FALSE')],
  ['TraceEnable', () => 'FALSE'],
  ['Stamp', () => undefined],
  ['VpcId', (fn) => fn.config.vpcConfig?.vpcId],
  ['SubnetId', (fn) => fn.config.vpcConfig?.subnetId],
  ['ClsTopicId', (fn) => fn.config.clsTopicId],
  ['ClsLogsetId', (fn) => fn.config.clsLogsetId],
  ['Role', (fn) => fn.config.role],
  ['CfsId', () => undefined],
  ['CfsMountInsId', () => undefined],
  ['Eip', () => undefined],
]);
const SINGLE_VALUE_FILTERS = new Set(['VpcId', 'SubnetId', 'ClsTopicId', 'ClsLogsetId', 'Role', 'CfsId', 'CfsMountInsId', 'Eip']);

type FunctionFilter = (fn: FunctionRecord) => boolean;

function parseFilters(filters: unknown): FunctionFilter[] {
  if (filters === undefined || filters === null) return [];
  const bad = (message: string) => new ApiFault('InvalidParameterValue.Filters', message);
  if (!Array.isArray(filters)) throw bad('Filters must be a list of {Name, Values}.');
  if (filters.length > 10) throw bad('At most 10 filters.');
  return filters.map((filter): FunctionFilter => {
    const name: unknown = filter?.Name;
    const values: unknown = filter?.Values;
    if (typeof name !== 'string' || !Array.isArray(values) || values.some((v) => typeof v !== 'string')) throw bad('Every filter needs a Name and a list of string Values.');
    if (values.length > 5) throw bad(`Filter \`${name}\` has more than 5 values.`);
    const wanted = values as string[];
    if (name.startsWith('tag-') && name.length > 4) {
      const key = name.slice(4);
      return (fn) => fn.tags.has(key) && wanted.includes(fn.tags.get(key)!);
    }
    const read = FILTER_VALUES.get(name);
    if (!read) throw bad(`Filters cannot name \`${name.slice(0, 60)}\`.`);
    if (SINGLE_VALUE_FILTERS.has(name) && wanted.length > 1) throw bad(`Filter \`${name}\` takes one value.`);
    return (fn) => {
      const value = read(fn);
      return value !== undefined && wanted.includes(value);
    };
  });
}

export function listFunctions(ctx: ScfContext, params: Params): Params {
  const namespace = findNamespace(ctx, params).name;
  const offset = wholeNumber(params.Offset, 'Offset') ?? 0;
  if (offset < 0) throw new ApiFault('InvalidParameterValue.Offset', 'Offset must not be negative.');
  const limit = wholeNumber(params.Limit, 'Limit') ?? 20;
  if (limit < 1 || limit > 100) throw new ApiFault('InvalidParameterValue.Limit', 'Limit must be 1 to 100.');
  const order = str(params, 'Order') ?? 'DESC';
  if (order !== 'ASC' && order !== 'DESC') throw new ApiFault('InvalidParameterValue.Order', 'Order must be ASC or DESC.');
  const orderBy = str(params, 'Orderby') ?? 'AddTime';
  if (orderBy !== 'AddTime' && orderBy !== 'ModTime' && orderBy !== 'FunctionName') {
    throw new ApiFault('InvalidParameterValue.OrderBy', 'Orderby must be AddTime, ModTime or FunctionName.');
  }
  const searchKey = str(params, 'SearchKey')?.toLowerCase();
  const description = str(params, 'Description')?.toLowerCase();
  const filters = parseFilters(params.Filters);
  const found = ctx.account
    .functionsIn(namespace)
    .filter(
      (fn) =>
        (!searchKey || fn.functionName.toLowerCase().includes(searchKey)) &&
        (!description || fn.config.description.toLowerCase().includes(description)) &&
        filters.every((matches) => matches(fn)),
    );
  const key = (fn: FunctionRecord): number | string => (orderBy === 'AddTime' ? fn.addTime : orderBy === 'ModTime' ? fn.modTime : fn.functionName);
  const direction = order === 'ASC' ? 1 : -1;
  found.sort((a, b) => {
    const x = key(a);
    const y = key(b);
    const byKey = x < y ? -1 : x > y ? 1 : 0;
    return (byKey || (a.functionName < b.functionName ? -1 : a.functionName > b.functionName ? 1 : 0)) * direction;
  });
  return {
    TotalCount: found.length,
    Functions: found.slice(offset, offset + limit).map((fn) => ({
      FunctionName: fn.functionName,
      FunctionId: fn.functionId,
      Namespace: fn.namespace,
      Runtime: fn.config.runtime,
      Status: fn.status,
      StatusDesc: fn.statusDesc,
      StatusReasons: fn.statusReasons.map((r) => ({ ErrorCode: r.errorCode, ErrorMessage: r.errorMessage })),
      Description: fn.config.description,
      Tags: tagList(fn.tags),
      Type: fn.type,
      AddTime: formatCst(fn.addTime),
      ModTime: formatCst(fn.modTime),
      AsyncRunEnable: fn.config.asyncRunEnable ? 'TRUE' : 'FALSE',
      TraceEnable: 'FALSE',
      TotalProvisionedConcurrencyMem: (fn.provisioned ?? []).reduce((sum, p) => sum + p.count * (fn.versions.get(p.qualifier)?.config.memorySize ?? fn.config.memorySize), 0),
      ReservedConcurrencyMem: fn.reservedMem ?? 0,
    })),
  };
}

// The emulated account's functions and namespaces: what exists, in which state, with which configuration and
// code. Maps only (never plain objects keyed by request data). The SCF actions read and change it; the deploy
// actions keep it; `--service DIR` seeds it from a service directory.
import { randomBytes } from 'crypto';
import type { FunctionConfiguration, FunctionStatus, StatusReason } from '../../cloud/types';

/** Where a function's code is on disk: the directory its handler runs in. */
export interface CodeRecord {
  dir: string;
  /** Hex SHA-256 of the deployed zip; undefined for code served from a service directory. */
  sha256?: string;
  size: number;
}

export interface VersionRecord {
  version: string;
  description: string;
  /** `Publishing` until the version settles, then `Active`. */
  status: FunctionStatus;
  config: FunctionConfiguration;
  code: CodeRecord;
  addTime: number;
  modTime: number;
}

export interface VersionWeight {
  version: string;
  weight: number;
}

export interface AliasRecord {
  name: string;
  functionVersion: string;
  description: string;
  /** Kept and reported as given; invocations of the alias run `functionVersion` alone. */
  additionalVersionWeights: VersionWeight[];
  addTime: number;
  modTime: number;
}

export interface TriggerRecord {
  type: string;
  name: string;
  /** TriggerDesc as stored (and returned) by the API. */
  desc: string;
  enable: boolean;
  qualifier: string;
  customArgument: string;
  description: string;
  addTime: number;
  modTime: number;
}

export interface FunctionRecord {
  functionName: string;
  namespace: string;
  functionId: string;
  status: FunctionStatus;
  statusDesc: string;
  statusReasons: StatusReason[];
  /** `$LATEST`: the configuration and code invocations of `$LATEST` run. */
  config: FunctionConfiguration;
  code: CodeRecord;
  type: 'Event' | 'HTTP';
  tags: Map<string, string>;
  versions: Map<string, VersionRecord>;
  aliases: Map<string, AliasRecord>;
  triggers: TriggerRecord[];
  /** The number of the last version published: versions are numbered on, never reused. */
  lastVersion: number;
  addTime: number;
  modTime: number;
  /** PutReservedConcurrencyConfig: MB of memory its instances may hold at once; undefined: none set. */
  reservedMem?: number;
  /** PutProvisionedConcurrencyConfig, per published version. */
  provisioned?: ProvisionedRecord[];
  /** UpdateFunctionEventInvokeConfig; undefined: SCF's defaults. */
  asyncConfig?: { retries: number; msgTtl: number };
}

export interface ProvisionedRecord {
  qualifier: string;
  count: number;
  /** When the instances are ready (epoch ms): InProgress before, Done (or Failed) after. */
  readyAtMs: number;
  /** Set when the allocation fails. */
  failure?: string;
}

/** A layer version: its code unpacked (what /opt holds for the functions that bind it). */
export interface LayerVersionRecord {
  version: number;
  description: string;
  licenseInfo: string;
  compatibleRuntimes: string[];
  tags: Array<[string, string]>;
  code: CodeRecord;
  addTime: number;
  /** Deleted (DeleteLayerVersion) while functions still bind it: they keep running it, nothing new may bind it. */
  deleted?: boolean;
}

export interface LayerRecord {
  name: string;
  versions: Map<number, LayerVersionRecord>;
  /** Versions are numbered on, never reused. */
  lastVersion: number;
}

export interface NamespaceRecord {
  name: string;
  description: string;
  addTime: number;
  modTime: number;
}

/** What a qualifier (`$LATEST`, a version, an alias) resolves to. */
export interface ResolvedQualifier {
  version: string;
  config: FunctionConfiguration;
  code: CodeRecord;
}

/** Who the account is: the APPID suffixes its COS buckets, the UIN names its resources for the Tag API. */
export interface AccountIdentity {
  appId: string;
  uin: string;
}

export const DEFAULT_IDENTITY: AccountIdentity = { appId: '1250000000', uin: '100000000001' };

export class Account {
  readonly namespaces = new Map<string, NamespaceRecord>();
  readonly functions = new Map<string, FunctionRecord>();
  /** The region's layers, by name. */
  readonly layers = new Map<string, LayerRecord>();

  constructor(
    private readonly now: () => number = Date.now,
    readonly identity: AccountIdentity = DEFAULT_IDENTITY,
  ) {
    this.addNamespace('default', '');
  }

  static key(namespace: string, functionName: string): string {
    return `${namespace}/${functionName}`;
  }

  addNamespace(name: string, description: string): NamespaceRecord {
    const existing = this.namespaces.get(name);
    if (existing) return existing;
    const at = this.now();
    const record = { name, description, addTime: at, modTime: at };
    this.namespaces.set(name, record);
    return record;
  }

  getFunction(namespace: string, functionName: string): FunctionRecord | undefined {
    return this.functions.get(Account.key(namespace, functionName));
  }

  putFunction(record: FunctionRecord): void {
    this.functions.set(Account.key(record.namespace, record.functionName), record);
  }

  deleteFunction(namespace: string, functionName: string): void {
    this.functions.delete(Account.key(namespace, functionName));
  }

  functionsIn(namespace: string): FunctionRecord[] {
    return [...this.functions.values()].filter((f) => f.namespace === namespace);
  }

  /**
   * Forgets deleted layer versions no function or version binds any more (and layers left without versions);
   * returns the code hashes every remaining layer version holds.
   */
  layerCode(): Set<string> {
    const bound = new Set<string>();
    for (const fn of this.functions.values()) {
      for (const config of [fn.config, ...[...fn.versions.values()].map((v) => v.config)]) for (const l of config.layers) bound.add(`${l.name}\n${l.version}`);
    }
    const hashes = new Set<string>();
    for (const layer of [...this.layers.values()]) {
      for (const version of [...layer.versions.values()]) {
        if (version.deleted && !bound.has(`${layer.name}\n${version.version}`)) layer.versions.delete(version.version);
        else if (version.code.sha256) hashes.add(version.code.sha256);
      }
      if (!layer.versions.size) this.layers.delete(layer.name);
    }
    return hashes;
  }

  findById(functionId: string): FunctionRecord | undefined {
    for (const fn of this.functions.values()) if (fn.functionId === functionId) return fn;
    return undefined;
  }
}

/** A function as CreateFunction (or a service seed) leaves it: `$DEFAULT` on `$LATEST`, nothing published. */
export function newFunctionRecord(
  fields: Pick<FunctionRecord, 'functionName' | 'namespace' | 'status' | 'config' | 'code' | 'type'> & { tags?: Map<string, string> },
  at: number,
): FunctionRecord {
  return {
    functionName: fields.functionName,
    namespace: fields.namespace,
    functionId: `lam-${randomBytes(4).toString('hex')}`,
    status: fields.status,
    statusDesc: '',
    statusReasons: [],
    config: fields.config,
    code: fields.code,
    type: fields.type,
    tags: fields.tags ?? new Map(),
    versions: new Map(),
    aliases: new Map([['$DEFAULT', { name: '$DEFAULT', functionVersion: '$LATEST', description: '', additionalVersionWeights: [], addTime: at, modTime: at }]]),
    triggers: [],
    lastVersion: 0,
    addTime: at,
    modTime: at,
  };
}

/**
 * What `qualifier` runs: `$LATEST` the function's current configuration and code, a version its snapshot, an
 * alias (`$DEFAULT` included) the version it points to. Undefined when the function has no such qualifier.
 */
export function resolveQualifier(fn: FunctionRecord, qualifier: string): ResolvedQualifier | undefined {
  const latest = { version: '$LATEST', config: fn.config, code: fn.code };
  if (qualifier === '$LATEST') return latest;
  const version = fn.versions.get(qualifier);
  if (version) return { version: version.version, config: version.config, code: version.code };
  const alias = fn.aliases.get(qualifier);
  if (alias) {
    // An alias points at a version or $LATEST, never at another alias: one step, whatever a state file says.
    if (alias.functionVersion === '$LATEST') return latest;
    const target = fn.versions.get(alias.functionVersion);
    return target ? { version: target.version, config: target.config, code: target.code } : undefined;
  }
  // Every function has the $DEFAULT alias, on $LATEST until it is pointed elsewhere.
  if (qualifier === '$DEFAULT') return latest;
  return undefined;
}

/**
 * What one invocation of `qualifier` runs: as resolveQualifier, except that an alias with additional version
 * weights sends each invocation to its additional version with that weight's probability (`roll` gives [0, 1)).
 * `alias` is the alias invoked, if one was.
 */
export function routeQualifier(fn: FunctionRecord, qualifier: string, roll: () => number): (ResolvedQualifier & { alias?: string }) | undefined {
  const alias = fn.aliases.get(qualifier);
  if (!alias) return resolveQualifier(fn, qualifier);
  let r = roll();
  for (const { version, weight } of alias.additionalVersionWeights) {
    if (r < weight) {
      const picked = resolveQualifier(fn, version);
      if (picked) return { ...picked, alias: alias.name };
    }
    r -= weight;
  }
  const resolved = resolveQualifier(fn, qualifier);
  return resolved && { ...resolved, alias: alias.name };
}

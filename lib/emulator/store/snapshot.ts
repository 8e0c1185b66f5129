// The account as one JSON file in the state directory (`account.json`, written atomically after every
// change), and back. Deployed code is kept by hash (its directory is found again under the state directory);
// only code served from a service directory keeps its path.
import * as fs from 'fs';
import * as path from 'path';
import type { FunctionConfiguration } from '../../cloud/types';
import type { BucketJson } from '../cos/store';
import type { Account, AccountIdentity, AliasRecord, CodeRecord, FunctionRecord, LayerVersionRecord, NamespaceRecord, TriggerRecord, VersionRecord } from './account';
import { StateDirError, writeFileAtomic } from './state-dir';

const FORMAT = 1;
export const ACCOUNT_FILE = 'account.json';

interface CodeJson {
  sha256?: string;
  dir?: string;
  size: number;
}

interface VersionJson extends Omit<VersionRecord, 'code'> {
  code: CodeJson;
}

interface FunctionJson extends Omit<FunctionRecord, 'code' | 'tags' | 'versions' | 'aliases'> {
  code: CodeJson;
  tags: Array<[string, string]>;
  versions: VersionJson[];
  aliases: AliasRecord[];
}

export interface AccountJson {
  format: number;
  identity: AccountIdentity;
  namespaces: NamespaceRecord[];
  functions: FunctionJson[];
  buckets: BucketJson[];
  /** Absent in files written before layers were kept. */
  layers?: Array<{ name: string; lastVersion: number; versions: Array<Omit<LayerVersionRecord, 'code'> & { code: CodeJson }> }>;
}

const codeOut = (code: CodeRecord): CodeJson => (code.sha256 ? { sha256: code.sha256, size: code.size } : { dir: code.dir, size: code.size });

export function accountToJson(account: Account, buckets: BucketJson[]): AccountJson {
  return {
    format: FORMAT,
    identity: account.identity,
    namespaces: [...account.namespaces.values()],
    functions: [...account.functions.values()].map((fn) => ({
      ...fn,
      code: codeOut(fn.code),
      tags: [...fn.tags],
      versions: [...fn.versions.values()].map((v) => ({ ...v, code: codeOut(v.code) })),
      aliases: [...fn.aliases.values()],
    })),
    buckets,
    layers: [...account.layers.values()].map((layer) => ({
      name: layer.name,
      lastVersion: layer.lastVersion,
      versions: [...layer.versions.values()].map((v) => ({ ...v, code: codeOut(v.code) })),
    })),
  };
}

/** A configuration read from JSON, its environment without a prototype. */
function configIn(config: FunctionConfiguration): FunctionConfiguration {
  const environment: Record<string, string> = Object.create(null);
  for (const key of Object.keys(config.environment ?? {})) environment[key] = String(config.environment[key]);
  return { ...config, environment, layers: config.layers ?? [] };
}

/** Restores functions and namespaces into `account`; `code` turns a stored hash back into a code record. */
export function accountFromJson(json: AccountJson, account: Account, code: (sha256: string, size: number) => CodeRecord): void {
  if (json.format !== FORMAT) throw new StateDirError(`the state file has format ${json.format}; this emulator reads format ${FORMAT}`);
  // An alias points at $LATEST or at one of its function's versions, never at another alias (or itself).
  for (const fn of json.functions) {
    const versions = new Set(fn.versions.map((v) => v.version));
    for (const alias of fn.aliases) {
      if (alias.functionVersion !== '$LATEST' && !versions.has(alias.functionVersion)) {
        throw new StateDirError(
          `${ACCOUNT_FILE}: alias ${alias.name} of ${fn.namespace}/${fn.functionName} points at ${JSON.stringify(alias.functionVersion)}, which is not one of its versions (${[...versions].join(', ') || 'none'}) nor $LATEST: correct it, or remove the alias.`,
        );
      }
    }
  }
  const codeIn = (c: CodeJson): CodeRecord => (c.sha256 ? code(c.sha256, c.size) : { dir: c.dir ?? '.', size: c.size });
  for (const ns of json.namespaces) account.namespaces.set(ns.name, { ...ns });
  for (const layer of json.layers ?? []) {
    account.layers.set(layer.name, { name: layer.name, lastVersion: layer.lastVersion, versions: new Map(layer.versions.map((v) => [v.version, { ...v, code: codeIn(v.code) }])) });
  }
  for (const fn of json.functions) {
    account.putFunction({
      ...fn,
      config: configIn(fn.config),
      code: codeIn(fn.code),
      tags: new Map(fn.tags),
      versions: new Map(fn.versions.map((v) => [v.version, { ...v, config: configIn(v.config), code: codeIn(v.code) }])),
      aliases: new Map(fn.aliases.map((a) => [a.name, { ...a, additionalVersionWeights: a.additionalVersionWeights ?? [] }])),
      triggers: fn.triggers.map((t: TriggerRecord) => ({ ...t })),
    });
  }
}

/** The account file of `dir`; undefined when there is none; refused, naming the file, when it cannot be read back. */
export function readAccountFile(dir: string): AccountJson | undefined {
  const file = path.join(dir, ACCOUNT_FILE);
  if (!fs.existsSync(file)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new StateDirError(
      `${file} is not a whole account file (${(error as Error).message}): it was cut short or edited. Restore it from a copy, or move it away to start with an empty account (the code and COS objects stay; scf-emulator --reset ${dir} clears everything).`,
    );
  }
  const account = json as Partial<AccountJson> | null;
  if (!account || typeof account !== 'object' || !Array.isArray(account.functions) || !Array.isArray(account.namespaces) || !account.identity) {
    throw new StateDirError(`${file} is not an emulator account file (no functions, namespaces or identity): restore it from a copy, or move it away to start with an empty account.`);
  }
  return account as AccountJson;
}

export function writeAccountFile(dir: string, json: AccountJson): void {
  writeFileAtomic(path.join(dir, ACCOUNT_FILE), JSON.stringify(json));
}

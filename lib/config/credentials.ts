// The credential chain, as the vendor's own tools find credentials. File access goes through the reader it is
// given, so the chain is tested without touching the user's home directory.
import { inspect } from 'util';
import * as path from 'path';
import { ScfError } from '../cloud/errors';

/** Where each part of a pair was read, for messages that are about one part (a wrong key): never the values. */
export interface CredentialFields {
  secretId: string;
  secretKey: string;
  token: string;
}

/** The fields of the environment, a profile of a profile file, and the older plugin's ini file. */
export const credentialFields = {
  environment: (): CredentialFields => ({
    secretId: 'TENCENTCLOUD_SECRET_ID in the environment',
    secretKey: 'TENCENTCLOUD_SECRET_KEY in the environment',
    token: 'TENCENTCLOUD_SESSION_TOKEN in the environment',
  }),
  profile: (profile: string, file: string): CredentialFields => ({
    secretId: `secret_id of profile "${profile}" in ${file}`,
    secretKey: `secret_key of profile "${profile}" in ${file}`,
    token: `token of profile "${profile}" in ${file}`,
  }),
  legacyFile: (file: string): CredentialFields => ({
    secretId: `tencent_secret_id in ${file}`,
    secretKey: `tencent_secret_key in ${file}`,
    token: `tencent_token in ${file}`,
  }),
};

/**
 * A secret pair. The key and token are not enumerable and never rendered: JSON.stringify, util.inspect and
 * template strings show the SecretId and the source only.
 */
export class Credentials {
  readonly secretId: string;
  readonly secretKey!: string;
  readonly token?: string;
  /** Where they came from, for error messages: never the values. */
  readonly source: string;
  /** Where each part came from (not enumerable: only names, but the pair's shape stays secretId and source). */
  readonly fields!: CredentialFields;

  constructor(secretId: string, secretKey: string, token: string | undefined, source: string, fields?: CredentialFields) {
    this.secretId = secretId;
    this.source = source;
    Object.defineProperty(this, 'secretKey', { value: secretKey, enumerable: false });
    Object.defineProperty(this, 'token', { value: token || undefined, enumerable: false });
    const named = fields ?? { secretId: `the SecretId from ${source}`, secretKey: `the SecretKey from ${source}`, token: `the session token from ${source}` };
    Object.defineProperty(this, 'fields', { value: named, enumerable: false });
  }

  toJSON(): object {
    return { secretId: this.secretId, source: this.source };
  }

  toString(): string {
    return `Credentials(${this.secretId} from ${this.source})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

export type IniSections = Record<string, Record<string, string>>;

/** A small INI reader: `[section]`, `key = value`, `#`/`;` comments. Keys before any section go to `default`. */
export function parseIni(text: string): IniSections {
  const sections: IniSections = {};
  let current = 'default';
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (header) {
      current = header[1];
      sections[current] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1);
    (sections[current] ??= {})[key] = value;
  }
  return sections;
}

export interface FileInfo {
  text: string;
  /** Permission bits, when known. */
  mode?: number;
}

export interface CredentialSources {
  env: Record<string, string | undefined>;
  homeDir: string;
  /** `provider.profile` */
  profile?: string;
  /** `provider.credentials`: the older plugin's ini file. */
  legacyFile?: string;
  /** Directory relative paths are resolved against (the service directory). */
  baseDir: string;
  /** Returns the file, or undefined when it does not exist. */
  readFile(file: string): FileInfo | undefined;
  /** Told about a credentials file that other users can read. */
  warn?(message: string): void;
}

export function expandHome(file: string, homeDir: string): string {
  if (file === '~') return homeDir;
  if (file.startsWith('~/')) return path.join(homeDir, file.slice(2));
  return file;
}

function checkPrivate(file: string, info: FileInfo, sources: CredentialSources): void {
  if (info.mode !== undefined && (info.mode & 0o077) !== 0 && sources.warn) {
    sources.warn(`Credentials file ${file} can be read by other users: run chmod 600 ${file}`);
  }
}

/** First found wins: environment, the profile file, the older plugin's file. None: one error naming all three. */
export function resolveCredentials(sources: CredentialSources): Credentials {
  const { env } = sources;
  const envId = env.TENCENTCLOUD_SECRET_ID;
  const envKey = env.TENCENTCLOUD_SECRET_KEY;
  if (envId || envKey) {
    if (!envId || !envKey) {
      throw new ScfError(
        'Plugin.Credentials',
        `Only one of TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY is set in the environment: set both, or neither.`,
      );
    }
    return new Credentials(envId, envKey, env.TENCENTCLOUD_SESSION_TOKEN, 'the environment (TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY)', credentialFields.environment());
  }

  const profile = sources.profile || env.TENCENTCLOUD_PROFILE || 'default';
  const profileFiles = [path.join(sources.homeDir, '.tencentcloud', 'credentials'), '/etc/tencentcloud/credentials'];
  for (const file of profileFiles) {
    const info = sources.readFile(file);
    if (!info) continue;
    const section = parseIni(info.text)[profile];
    if (section?.secret_id && section.secret_key) {
      checkPrivate(file, info, sources);
      return new Credentials(section.secret_id, section.secret_key, section.token, `profile "${profile}" in ${file}`, credentialFields.profile(profile, file));
    }
  }

  const legacyFile = path.resolve(sources.baseDir, expandHome(sources.legacyFile || '~/credentials', sources.homeDir));
  const legacy = sources.readFile(legacyFile);
  if (legacy) {
    const section = parseIni(legacy.text).default;
    if (section?.tencent_secret_id && section.tencent_secret_key) {
      checkPrivate(legacyFile, legacy, sources);
      return new Credentials(section.tencent_secret_id, section.tencent_secret_key, section.tencent_token, `the file ${legacyFile}`, credentialFields.legacyFile(legacyFile));
    } else if (sources.legacyFile) {
      throw new ScfError('Plugin.Credentials', `The credentials file ${legacyFile} (provider.credentials) has no tencent_secret_id and tencent_secret_key under [default].`);
    }
  } else if (sources.legacyFile) {
    throw new ScfError('Plugin.Credentials', `The credentials file ${legacyFile} named by provider.credentials does not exist.`);
  }

  throw new ScfError(
    'Plugin.Credentials',
    `No Tencent Cloud credentials found. Set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY, or add secret_id and secret_key to profile "${profile}" in ~/.tencentcloud/credentials, or name an ini file with tencent_secret_id and tencent_secret_key in provider.credentials.`,
  );
}

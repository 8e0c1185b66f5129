// Secrets Manager (ssm 2019-09-23) as the emulated account answers it: GetSecretValue and ListSecretVersionIds
// over the secrets given at start (`scf-emulator --secrets-file FILE`), with the API's error codes for a secret
// that does not exist, a version that does not, and a disabled secret.
import * as fs from 'fs';
import { ApiFault } from '../api-fault';
import { type Params, str } from '../scf/params';

export interface SecretVersion {
  id: string;
  value: string;
  /** Given as SecretBinary (base64) rather than SecretString. */
  binary: boolean;
  /** Epoch seconds. */
  createTime: number;
}

export interface SecretRecord {
  name: string;
  versions: SecretVersion[];
  enabled: boolean;
}

/** A secret made without a version gets this one (CreateSecret's page). */
const CURRENT = 'SSM_Current';
const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const VERSION_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * Secrets as a JSON object names them: `"name": "value"` (one version, SSM_Current), or `"name": {"versions":
 * {"v1": "a", "v2": "b"}, "binary": false, "enabled": true}` (versions oldest first). Bad entries: one error each.
 */
export function parseSecrets(spec: unknown, where: string, now = Date.now()): SecretRecord[] {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new Error(`${where} must be a JSON object of secret names to values`);
  const records: SecretRecord[] = [];
  const problems: string[] = [];
  const base = Math.floor(now / 1000);
  for (const [name, entry] of Object.entries(spec as Record<string, unknown>)) {
    if (!SECRET_NAME.test(name)) {
      problems.push(`${where}: "${name.slice(0, 64)}" is not a secret name (1 to 128 letters, digits, - or _, starting with a letter or digit)`);
      continue;
    }
    if (typeof entry === 'string') {
      records.push({ name, versions: [{ id: CURRENT, value: entry, binary: false, createTime: base }], enabled: true });
      continue;
    }
    const e = entry as Record<string, unknown> | null;
    const versions = e && typeof e === 'object' ? e.versions : undefined;
    if (!versions || typeof versions !== 'object' || Array.isArray(versions) || !Object.keys(versions).length) {
      problems.push(`${where}: secret "${name}" must be a string, or {"versions": {"ID": "value", ...}}`);
      continue;
    }
    const list: SecretVersion[] = [];
    for (const [i, [id, value]] of Object.entries(versions as Record<string, unknown>).entries()) {
      if (!VERSION_ID.test(id) || typeof value !== 'string') problems.push(`${where}: version "${id.slice(0, 64)}" of secret "${name}" must be a version id with a string value`);
      else list.push({ id, value, binary: e!.binary === true, createTime: base - (Object.keys(versions).length - i) });
    }
    records.push({ name, versions: list, enabled: e!.enabled !== false });
  }
  if (problems.length) throw new Error(problems.join('\n'));
  return records;
}

/** The secrets of a JSON file; a file others may read is refused (it holds secrets). */
export function readSecretsFile(file: string): SecretRecord[] {
  const stat = fs.statSync(file);
  if (process.platform !== 'win32' && stat.mode & 0o077) throw new Error(`${file} can be read by others (mode ${(stat.mode & 0o777).toString(8)}): chmod 600 ${file}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file} is not JSON: ${(error as Error).message}`);
  }
  return parseSecrets(parsed, file);
}

export class SsmRoom {
  private readonly secrets = new Map<string, SecretRecord>();

  constructor(secrets: SecretRecord[] = []) {
    for (const secret of secrets) this.secrets.set(secret.name, secret);
  }

  async handle(action: string, params: Params): Promise<Params> {
    if (action === 'GetSecretValue') return this.getSecretValue(params);
    if (action === 'ListSecretVersionIds') return this.listSecretVersionIds(params);
    throw new ApiFault('InvalidAction', `The Secrets Manager action \`${action.slice(0, 60)}\` is not supported by this endpoint.`);
  }

  private secret(params: Params): SecretRecord {
    const name = str(params, 'SecretName', true)!;
    const secret = this.secrets.get(name);
    if (!secret) throw new ApiFault('ResourceNotFound.SecretNotExist', `The secret \`${name.slice(0, 128)}\` does not exist.`);
    return secret;
  }

  private getSecretValue(params: Params): Params {
    const secret = this.secret(params);
    const versionId = str(params, 'VersionId', true)!;
    if (!secret.enabled) throw new ApiFault('ResourceUnavailable.ResourceDisabled', `The secret \`${secret.name}\` is disabled.`);
    const version = secret.versions.find((v) => v.id === versionId);
    if (!version) throw new ApiFault('ResourceNotFound', `The secret \`${secret.name}\` has no version \`${versionId.slice(0, 64)}\`.`);
    return { SecretName: secret.name, VersionId: version.id, SecretString: version.binary ? '' : version.value, SecretBinary: version.binary ? version.value : '' };
  }

  private listSecretVersionIds(params: Params): Params {
    const secret = this.secret(params);
    return { SecretName: secret.name, Versions: secret.versions.map((v) => ({ VersionId: v.id, CreateTime: v.createTime })) };
  }
}

// The Secrets Manager facade (ssm 2019-09-23, API doc 1140): a secret's value by name and version
// (GetSecretValue), and the versions a secret has (ListSecretVersionIds). Values are never logged: the
// transport's debug lines name actions only.
import type { Endpoint } from '../config/settings';
import { ScfError } from './errors';
import { list, malformedReply, num, type ServiceApi, str, type Transport } from './transport';

export const SSM_API_VERSION = '2019-09-23';
/** The version GetSecretValue's page names for the value in use of a rotated secret (and of one made without a version). */
export const CURRENT_VERSION = 'SSM_Current';

export interface SecretValue {
  name: string;
  versionId: string;
  /** SecretString, or SecretBinary as the API gives it (base64). */
  value: string;
  binary: boolean;
}

export class SsmClient {
  readonly api: ServiceApi;

  constructor(
    private readonly transport: Transport,
    endpoint: Endpoint,
  ) {
    this.api = { service: 'ssm', version: SSM_API_VERSION, endpoint };
  }

  async getSecretValue(name: string, versionId: string): Promise<SecretValue> {
    const r = await this.transport.call({ api: this.api, action: 'GetSecretValue', params: { SecretName: name, VersionId: versionId } });
    const text = str(r.SecretString);
    const binary = str(r.SecretBinary);
    if (r.SecretString === undefined && r.SecretBinary === undefined) throw malformedReply({ action: 'GetSecretValue', api: this.api }, 'neither SecretString nor SecretBinary');
    return { name: str(r.SecretName) || name, versionId: str(r.VersionId) || versionId, value: text || binary, binary: !text && binary !== '' };
  }

  /** The secret's versions, oldest first (by CreateTime; the API's order otherwise). */
  async listSecretVersionIds(name: string): Promise<Array<{ versionId: string; createTime: number }>> {
    const r = await this.transport.call({ api: this.api, action: 'ListSecretVersionIds', params: { SecretName: name } });
    if (r.Versions !== undefined && r.Versions !== null && !Array.isArray(r.Versions)) throw malformedReply({ action: 'ListSecretVersionIds', api: this.api }, 'Versions is not a list');
    const versions = list(r.Versions).map((v, i) => ({ versionId: str(v.VersionId), createTime: num(v.CreateTime), i }));
    versions.sort((a, b) => a.createTime - b.createTime || a.i - b.i);
    return versions.filter((v) => v.versionId).map(({ versionId, createTime }) => ({ versionId, createTime }));
  }

  /**
   * The value a variable without a version means. The pages leave it open which version that is: SSM_Current is
   * the documented name of the value in use of a rotated secret, and the version a secret made without one gets;
   * a secret whose versions were all named has no such version, and its newest one (by CreateTime) is taken.
   * Either answer works: SSM_Current first, then the newest listed.
   */
  async currentValue(name: string): Promise<SecretValue> {
    try {
      return await this.getSecretValue(name, CURRENT_VERSION);
    } catch (error) {
      if (!(error instanceof ScfError) || !versionNotFound(error.code)) throw error;
    }
    const versions = await this.listSecretVersionIds(name);
    const newest = versions[versions.length - 1];
    if (!newest) throw new ScfError('ResourceNotFound', `Secret "${name}" has no versions.`, { action: 'ListSecretVersionIds', service: 'ssm' });
    return this.getSecretValue(name, newest.versionId);
  }
}

/** Codes meaning "no such version" (not "no such secret", which ends the search): ResourceNotFound and InvalidParameterValue. */
function versionNotFound(code: string): boolean {
  return code === 'ResourceNotFound' || code === 'InvalidParameterValue' || code === 'InvalidParameterValue.VersionId';
}

// The STS facade (sts 2018-08-13, API doc 1312): temporary keys for a role, from a web identity token
// (AssumeRoleWithWebIdentity: unsigned, `Authorization: SKIP`, as its page says) or from keys
// (AssumeRole), and who a pair of keys is (GetCallerIdentity). The keys come back wrapped in Credentials, whose
// key and token never render.
import { Credentials } from '../config/credentials';
import type { Endpoint } from '../config/settings';
import { isObject, type Json, malformedReply, num, type ServiceApi, str, type Transport } from './transport';

export const STS_API_VERSION = '2018-08-13';
/** The session length STS gives when none is asked for, and the longest it gives (seconds). */
export const DEFAULT_SESSION_SECONDS = 7200;
export const MAX_SESSION_SECONDS = 43200;

/** Temporary keys and when they stop working. */
export interface TemporaryCredentials {
  credentials: Credentials;
  /** Epoch ms. */
  expiresAt: number;
}

export interface CallerIdentity {
  arn: string;
  accountId: string;
  userId: string;
  principalId: string;
  type: string;
}

export interface WebIdentityRequest {
  providerId: string;
  webIdentityToken: string;
  roleArn: string;
  sessionName: string;
  durationSeconds?: number;
}

export interface AssumeRoleRequest {
  roleArn: string;
  sessionName: string;
  durationSeconds?: number;
  externalId?: string;
}

export class StsClient {
  readonly api: ServiceApi;

  constructor(
    private readonly transport: Transport,
    endpoint: Endpoint,
  ) {
    this.api = { service: 'sts', version: STS_API_VERSION, endpoint };
  }

  /** A role's keys for a web identity token (an OIDC token of a CI run): no keys of our own are needed. */
  async assumeRoleWithWebIdentity(request: WebIdentityRequest, source: string): Promise<TemporaryCredentials> {
    const params = {
      ProviderId: request.providerId,
      WebIdentityToken: request.webIdentityToken,
      RoleArn: request.roleArn,
      RoleSessionName: request.sessionName,
      DurationSeconds: request.durationSeconds,
    };
    const reply = await this.transport.call({ api: this.api, action: 'AssumeRoleWithWebIdentity', params, unsigned: true });
    return this.temporary('AssumeRoleWithWebIdentity', reply, source);
  }

  /** A role's keys, asked for with the keys the transport signs with. */
  async assumeRole(request: AssumeRoleRequest, source: string): Promise<TemporaryCredentials> {
    const params = { RoleArn: request.roleArn, RoleSessionName: request.sessionName, DurationSeconds: request.durationSeconds, ExternalId: request.externalId };
    const reply = await this.transport.call({ api: this.api, action: 'AssumeRole', params });
    return this.temporary('AssumeRole', reply, source);
  }

  async getCallerIdentity(): Promise<CallerIdentity> {
    const r = await this.transport.call({ api: this.api, action: 'GetCallerIdentity', params: {} });
    return { arn: str(r.Arn), accountId: str(r.AccountId), userId: str(r.UserId), principalId: str(r.PrincipalId), type: str(r.Type) };
  }

  private temporary(action: string, reply: Json, source: string): TemporaryCredentials {
    const keys = reply.Credentials;
    if (!isObject(keys) || !str(keys.TmpSecretId) || !str(keys.TmpSecretKey) || !str(keys.Token)) {
      throw malformedReply({ action, api: this.api }, 'no Credentials with TmpSecretId, TmpSecretKey and Token');
    }
    // ExpiredTime is epoch seconds; Expiration the same instant in ISO 8601 (either may be missing).
    const expiresAt = num(reply.ExpiredTime) * 1000 || Date.parse(str(reply.Expiration));
    if (!Number.isFinite(expiresAt) || expiresAt <= 0) throw malformedReply({ action, api: this.api }, 'no ExpiredTime or Expiration');
    const fields = { secretId: `the temporary SecretId of ${source}`, secretKey: `the temporary SecretKey of ${source}`, token: `the session token of ${source}` };
    return { credentials: new Credentials(str(keys.TmpSecretId), str(keys.TmpSecretKey), str(keys.Token), source, fields), expiresAt };
  }
}

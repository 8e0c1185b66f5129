// STS (2018-08-13) as the emulated account answers it: AssumeRoleWithWebIdentity (unsigned: the token proves who
// asks) for the identity providers it was given, AssumeRole for signed callers, GetCallerIdentity. The temporary
// keys it issues sign requests to every service of the emulator until they expire; then they are refused as
// the cloud refuses them (AuthFailure.TokenFailure).
import { createHash, randomBytes } from 'crypto';
import { ApiFault } from '../api-fault';
import { type Params, str } from '../scf/params';
import { type IdentityProvider, verifyWebIdentityToken } from './jwt';

export interface StsOptions {
  /** Identity providers AssumeRoleWithWebIdentity accepts tokens of, by name (ProviderId). */
  providers?: IdentityProvider[];
  /** Role names that exist; none given: every role of the account exists. */
  roles?: string[];
}

export interface TemporaryKey {
  secretId: string;
  secretKey: string;
  token: string;
  /** Epoch ms. */
  expiresAt: number;
  roleName: string;
  sessionName: string;
}

/** Who signed a request: the account's own keys, a temporary key, or nobody (an unsigned request). */
export type Caller = { kind: 'account' } | { kind: 'role'; key: TemporaryKey } | { kind: 'anonymous' };

const MAX_DURATION_S = 43200;
const DEFAULT_DURATION_S = 7200;
const SESSION_NAME = /^[\w+=,.@-]{2,128}$/;
/** Keys kept at most (the oldest go first); expired ones are kept an hour to be refused as expired, not unknown. */
const MAX_KEYS = 10_000;
const KEEP_EXPIRED_MS = 3600_000;
export const UNSIGNED_ACTIONS = new Set(['AssumeRoleWithWebIdentity']);
/** STS's actions: its version (2018-08-13) is the Tag API's too, and the action tells them apart. */
export const STS_ACTIONS = new Set(['AssumeRole', 'AssumeRoleWithWebIdentity', 'AssumeRoleWithSAML', 'GetCallerIdentity', 'GetFederationToken', 'QueryApiKey', 'GetSessionToken']);

export class StsRoom {
  private readonly keys = new Map<string, TemporaryKey>();

  constructor(
    private readonly account: { uin: string },
    private readonly options: StsOptions = {},
    private readonly now: () => number = Date.now,
  ) {}

  /** Every key issued so far (tests check none reached any output). */
  issued(): TemporaryKey[] {
    return [...this.keys.values()];
  }

  /** The temporary key with this SecretId, or undefined when it was never issued (or long gone). */
  key(secretId: string): TemporaryKey | undefined {
    return this.keys.get(secretId);
  }

  async handle(action: string, params: Params, caller: Caller): Promise<Params> {
    switch (action) {
      case 'AssumeRoleWithWebIdentity':
        return this.assumeRoleWithWebIdentity(params);
      case 'AssumeRole':
        if (caller.kind === 'anonymous') throw new ApiFault('AuthFailure.InvalidAuthorization', 'AssumeRole must be signed.');
        return this.assumeRole(params);
      case 'GetCallerIdentity':
        return this.callerIdentity(caller);
      default:
        throw new ApiFault('InvalidAction', `The STS action \`${action.slice(0, 60)}\` is not supported by this endpoint.`);
    }
  }

  private assumeRoleWithWebIdentity(params: Params): Params {
    const providerId = str(params, 'ProviderId', true)!;
    const token = str(params, 'WebIdentityToken', true)!;
    const provider = (this.options.providers ?? []).find((p) => p.name === providerId);
    if (!provider) {
      throw new ApiFault('InvalidParameter.ParamError', `The identity provider \`${providerId.slice(0, 64)}\` does not exist in this account (start the emulator with --oidc-provider ${providerId.slice(0, 64)}=ISSUER).`);
    }
    const { roleName, sessionName, duration } = this.role(params);
    verifyWebIdentityToken(token, provider, Math.floor(this.now() / 1000));
    return this.issue(roleName, sessionName, duration);
  }

  private assumeRole(params: Params): Params {
    const { roleName, sessionName, duration } = this.role(params);
    return this.issue(roleName, sessionName, duration);
  }

  private role(params: Params): { roleName: string; sessionName: string; duration: number } {
    const arn = str(params, 'RoleArn', true)!;
    const sessionName = str(params, 'RoleSessionName', true)!;
    const match = /^qcs::cam::uin\/(\d+):(role|roleName)\/(.+)$/.exec(arn);
    if (!match) throw new ApiFault('InvalidParameter.ParamError', `RoleArn \`${arn.slice(0, 120)}\` is not a role ARN (qcs::cam::uin/UIN:roleName/NAME).`);
    const roleName = match[3];
    if (match[1] !== this.account.uin || (this.options.roles && !this.options.roles.includes(roleName))) {
      throw new ApiFault('ResourceNotFound.RoleNotFound', `The role \`${arn.slice(0, 120)}\` does not exist in account ${this.account.uin}.`);
    }
    if (!SESSION_NAME.test(sessionName)) throw new ApiFault('InvalidParameter.ParamError', 'RoleSessionName must be 2 to 128 of [\\w+=,.@-].');
    const raw = params.DurationSeconds;
    const duration = raw === undefined || raw === null || raw === '' ? DEFAULT_DURATION_S : Number(raw);
    if (!Number.isInteger(duration) || duration < 1) throw new ApiFault('InvalidParameter.ParamError', 'DurationSeconds must be a whole number of seconds.');
    if (duration > MAX_DURATION_S) throw new ApiFault('InvalidParameter.OverTimeError', `DurationSeconds is at most ${MAX_DURATION_S}.`);
    return { roleName, sessionName, duration };
  }

  private issue(roleName: string, sessionName: string, durationS: number): Params {
    this.sweep();
    const expiresAt = this.now() + durationS * 1000;
    const key: TemporaryKey = {
      secretId: 'AKIDtmp' + randomBytes(14).toString('hex'),
      secretKey: randomBytes(24).toString('base64url'),
      token: randomBytes(48).toString('base64url'),
      expiresAt,
      roleName,
      sessionName,
    };
    this.keys.set(key.secretId, key);
    const seconds = Math.floor(expiresAt / 1000);
    return { Credentials: { Token: key.token, TmpSecretId: key.secretId, TmpSecretKey: key.secretKey }, ExpiredTime: seconds, Expiration: new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') };
  }

  private callerIdentity(caller: Caller): Params {
    const uin = this.account.uin;
    if (caller.kind === 'role') {
      const roleId = roleIdOf(caller.key.roleName);
      return { Arn: `qcs::sts:${uin}:assumed-role/${roleId}`, AccountId: uin, UserId: `${roleId}:${caller.key.sessionName}`, PrincipalId: uin, Type: 'CAMRole' };
    }
    if (caller.kind === 'anonymous') throw new ApiFault('AuthFailure.InvalidAuthorization', 'GetCallerIdentity must be signed.');
    return { Arn: `qcs::cam::uin/${uin}:uin/${uin}`, AccountId: uin, UserId: uin, PrincipalId: uin, Type: 'CAMUser' };
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, key] of this.keys) if (key.expiresAt + KEEP_EXPIRED_MS < now) this.keys.delete(id);
    while (this.keys.size >= MAX_KEYS) this.keys.delete(this.keys.keys().next().value!);
  }
}

/** A role's id as CAM numbers them (4611686018…), derived from its name. */
function roleIdOf(name: string): string {
  const digits = BigInt('0x' + createHash('sha256').update(name).digest('hex').slice(0, 12)) % 10n ** 9n;
  return `4611686018${String(digits).padStart(9, '0')}`;
}

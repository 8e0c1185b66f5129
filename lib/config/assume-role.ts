// Which role a command acts as, when it acts as one: `provider.assumeRole`, else the environment a CI system (or
// TKE) sets. With a web identity token (an OIDC token of the CI run) the role is assumed with
// AssumeRoleWithWebIdentity and no key is needed at all; without one, AssumeRole is called with the keys the
// credential chain finds. Pure: the caller hands in serverless.yml's value and the environment.
import { inputError } from '../cloud/errors';
import { DEFAULT_SESSION_SECONDS, MAX_SESSION_SECONDS } from '../cloud/sts';

interface RoleCommon {
  roleArn: string;
  sessionName: string;
  durationSeconds: number;
  /** Where the role was named, for messages. */
  where: string;
}

export interface WebIdentityRole extends RoleCommon {
  kind: 'webIdentity';
  /** The identity provider's name in CAM (ProviderId). */
  providerId: string;
  /** The token's file (read again at every refresh: CI systems and TKE rotate it), or the token itself. */
  tokenFile?: string;
  token?: string;
}

export interface KeyedRole extends RoleCommon {
  kind: 'assumeRole';
  externalId?: string;
}

export type RoleSpec = WebIdentityRole | KeyedRole;

/**
 * The environment variables read, first found wins: ours, then the spellings of Terraform's tencentcloud provider
 * (TENCENTCLOUD_ASSUME_ROLE_*), then TKE's pod identity (TKE_*).
 */
export const ROLE_ENV = {
  roleArn: ['TENCENTCLOUD_ROLE_ARN', 'TENCENTCLOUD_ASSUME_ROLE_ARN', 'TKE_ROLE_ARN'],
  tokenFile: ['TENCENTCLOUD_WEB_IDENTITY_TOKEN_FILE', 'TENCENTCLOUD_ASSUME_ROLE_WEB_IDENTITY_TOKEN_FILE', 'TKE_WEB_IDENTITY_TOKEN_FILE'],
  token: ['TENCENTCLOUD_WEB_IDENTITY_TOKEN', 'TENCENTCLOUD_ASSUME_ROLE_WEB_IDENTITY_TOKEN'],
  providerId: ['TENCENTCLOUD_PROVIDER_ID', 'TENCENTCLOUD_ASSUME_ROLE_PROVIDER_ID', 'TKE_PROVIDER_ID'],
  sessionName: ['TENCENTCLOUD_ROLE_SESSION_NAME', 'TENCENTCLOUD_ASSUME_ROLE_SESSION_NAME'],
  duration: ['TENCENTCLOUD_ROLE_SESSION_DURATION', 'TENCENTCLOUD_ASSUME_ROLE_SESSION_DURATION'],
  externalId: ['TENCENTCLOUD_ROLE_EXTERNAL_ID', 'TENCENTCLOUD_ASSUME_ROLE_EXTERNAL_ID'],
} as const;

/** Terraform's provider (and so the CAM console's examples) names the identity provider "OIDC" when none is given. */
export const DEFAULT_PROVIDER_ID = 'OIDC';

const ROLE_ARN = /^qcs::cam::uin\/\d+:(role|roleName)\/\S+$/;
const SESSION_NAME = /^[\w+=,.@-]{2,128}$/;
const ASSUME_ROLE_KEYS = ['roleArn', 'sessionName', 'durationSeconds', 'externalId', 'webIdentityTokenFile', 'providerId'];

function fromEnv(env: Record<string, string | undefined>, names: readonly string[]): { value: string; name: string } | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { value, name };
  }
  return undefined;
}

/** The role to act as, or undefined for the plain credential chain. Bad values: one error line each. */
export function roleSpec(assumeRole: unknown, env: Record<string, string | undefined>, defaults: { sessionName: string }): RoleSpec | undefined {
  const problems: string[] = [];
  let yml: Record<string, unknown> | undefined;
  if (typeof assumeRole === 'string') yml = { roleArn: assumeRole };
  else if (assumeRole !== undefined && assumeRole !== null) {
    if (typeof assumeRole !== 'object' || Array.isArray(assumeRole)) throw inputError(`provider.assumeRole must be a role ARN or a map with roleArn, not ${JSON.stringify(assumeRole)}.`);
    yml = assumeRole as Record<string, unknown>;
    for (const key of Object.keys(yml)) if (!ASSUME_ROLE_KEYS.includes(key)) problems.push(`provider.assumeRole.${key} is not a setting: use ${ASSUME_ROLE_KEYS.join(', ')}.`);
  }
  const envArn = fromEnv(env, ROLE_ENV.roleArn);
  const envTokenFile = fromEnv(env, ROLE_ENV.tokenFile);
  const envToken = fromEnv(env, ROLE_ENV.token);
  const tokenFile = typeof yml?.webIdentityTokenFile === 'string' && yml.webIdentityTokenFile.trim() ? { value: yml.webIdentityTokenFile.trim(), name: 'provider.assumeRole.webIdentityTokenFile' } : envTokenFile;
  const roleArn = yml ? { value: yml.roleArn, name: 'provider.assumeRole.roleArn' } : envArn;
  if (!roleArn) {
    if (tokenFile || envToken) {
      throw inputError(`${(tokenFile ?? envToken)!.name} is set, but no role to assume with it: set TENCENTCLOUD_ROLE_ARN (or provider.assumeRole.roleArn) to the role's ARN, like qcs::cam::uin/100000000001:roleName/deployer.`);
    }
    return undefined;
  }
  if (typeof roleArn.value !== 'string' || !ROLE_ARN.test(roleArn.value.trim())) {
    problems.push(`${roleArn.name} must be a role ARN like qcs::cam::uin/100000000001:roleName/deployer, not ${JSON.stringify(roleArn.value)}.`);
  }
  const sessionName = pick(yml?.sessionName, 'provider.assumeRole.sessionName', fromEnv(env, ROLE_ENV.sessionName)) ?? { value: defaults.sessionName, name: 'the default session name' };
  if (!SESSION_NAME.test(sessionName.value)) problems.push(`${sessionName.name} must be 2 to 128 letters, digits or + = , . @ _ -, not ${JSON.stringify(sessionName.value)}.`);
  const durationRaw = yml?.durationSeconds !== undefined ? { value: yml.durationSeconds, name: 'provider.assumeRole.durationSeconds' } : fromEnv(env, ROLE_ENV.duration);
  let durationSeconds = DEFAULT_SESSION_SECONDS;
  if (durationRaw) {
    const n = Number(durationRaw.value);
    if (!Number.isInteger(n) || n < 1 || n > MAX_SESSION_SECONDS) problems.push(`${durationRaw.name} must be a whole number of seconds from 1 to ${MAX_SESSION_SECONDS}, not ${JSON.stringify(durationRaw.value)}.`);
    else durationSeconds = n;
  }
  const where = roleArn.name;
  if (tokenFile || envToken) {
    const providerId = pick(yml?.providerId, 'provider.assumeRole.providerId', fromEnv(env, ROLE_ENV.providerId))?.value ?? DEFAULT_PROVIDER_ID;
    if (yml?.externalId !== undefined) problems.push('provider.assumeRole.externalId goes with a role assumed with keys, not with a web identity token.');
    if (problems.length) throw inputError(problems.join('\n'));
    return { kind: 'webIdentity', roleArn: String(roleArn.value).trim(), sessionName: sessionName.value, durationSeconds, providerId, tokenFile: tokenFile?.value, token: tokenFile ? undefined : envToken!.value, where };
  }
  if (yml?.providerId !== undefined) problems.push('provider.assumeRole.providerId goes with a web identity token: set webIdentityTokenFile (or TENCENTCLOUD_WEB_IDENTITY_TOKEN_FILE) too.');
  const externalId = pick(yml?.externalId, 'provider.assumeRole.externalId', fromEnv(env, ROLE_ENV.externalId));
  if (problems.length) throw inputError(problems.join('\n'));
  return { kind: 'assumeRole', roleArn: String(roleArn.value).trim(), sessionName: sessionName.value, durationSeconds, externalId: externalId?.value, where };
}

function pick(value: unknown, name: string, fallback: { value: string; name: string } | undefined): { value: string; name: string } | undefined {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string' || !value.trim()) throw inputError(`${name} must be a non-empty string, not ${JSON.stringify(value)}.`);
  return { value: value.trim(), name };
}

/**
 * The token in a token file: the token alone (as GitHub Actions, GitLab and TKE write it), or Terraform's JSON form
 * `{"web_identity_token": "..."}`.
 */
export function tokenFromFile(text: string, file: string): string {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw inputError(`The web identity token file ${file} starts with { but is not JSON: it must hold the token alone, or {"web_identity_token": "..."}.`);
    }
    const token = (parsed as Record<string, unknown>)?.web_identity_token;
    if (typeof token !== 'string' || !token.trim()) throw inputError(`The web identity token file ${file} has no web_identity_token.`);
    return token.trim();
  }
  if (!trimmed) throw inputError(`The web identity token file ${file} is empty.`);
  if (/\s/.test(trimmed)) throw inputError(`The web identity token file ${file} must hold one token (no spaces or line breaks inside it).`);
  return trimmed;
}

/** A session name that says where a deploy ran: the CI run when there is one. */
export function defaultSessionName(env: Record<string, string | undefined>, now: number): string {
  const run = env.GITHUB_RUN_ID ?? env.CI_JOB_ID ?? env.BUILD_ID ?? env.BUILD_NUMBER;
  const suffix = run && /^[\w.-]{1,60}$/.test(run) ? run : String(Math.floor(now / 1000));
  return `serverless-scf-${suffix}`;
}

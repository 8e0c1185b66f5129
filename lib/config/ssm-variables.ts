// The `${tencent-ssm:NAME}` and `${tencent-ssm:NAME:VERSION}` variable source (serverless's
// configurationVariablesSources): a secret of Secrets Manager, read with GetSecretValue when serverless resolves
// the variable, with the account access the rest of the plugin uses (provider.region, endpoints, provider.assumeRole,
// profile). `${tencent-ssm(ap-shanghai):NAME}` reads it in another region. Every value read is handed to the
// redactor first: the plugin never shows it.
import { inputError, isScfError, plainText, ScfError } from '../cloud/errors';
import type { SecretValue } from '../cloud/ssm';
import type { Redactor } from './redact';
import type { ProviderConfig } from './settings';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** What serverless hands a variable source's resolver (v3 and osls alike). */
export interface VariableContext {
  address?: string;
  params?: string[];
  options?: Record<string, unknown>;
  resolveConfigurationProperty(path: string[]): Promise<unknown>;
}

export interface SsmSourceContext {
  redactor: Redactor;
  env: Record<string, string | undefined>;
  serviceDir: () => string;
  warn(message: string): void;
  verbose(message: string): void;
}

/** `NAME` or `NAME:VERSION`, checked. */
export function parseSecretAddress(address: string | undefined): { name: string; version?: string } {
  const text = String(address ?? '').trim();
  const colon = text.indexOf(':');
  const name = colon < 0 ? text : text.slice(0, colon);
  const version = colon < 0 ? undefined : text.slice(colon + 1);
  if (!NAME.test(name)) throw inputError(`\${tencent-ssm:${plainText(text).slice(0, 140)}} does not name a secret: \${tencent-ssm:NAME} or \${tencent-ssm:NAME:VERSION}, NAME being 1 to 128 letters, digits, - or _.`);
  if (version !== undefined && !VERSION.test(version)) throw inputError(`\${tencent-ssm:${name}:${plainText(version).slice(0, 70)}}: the version must be 1 to 64 letters, digits, -, _ or .`);
  return { name, version };
}

/** The source serverless registers under `tencent-ssm`. */
export function ssmVariableSource(ctx: SsmSourceContext): { resolve(variable: VariableContext): Promise<{ value: string | null }> } {
  const clients = new Map<string, Promise<import('../cloud/ssm').SsmClient>>();
  const values = new Map<string, Promise<SecretValue>>();

  const clientFor = async (variable: VariableContext, regionParam: string | undefined) => {
    const read = async (key: string) => variable.resolveConfigurationProperty(['provider', key]);
    const provider: ProviderConfig = {};
    for (const key of ['region', 'endpoint', 'ssmEndpoint', 'stsEndpoint', 'legacyApi', 'credentials', 'profile', 'assumeRole'] as const) {
      const value = await read(key);
      if (value !== undefined && value !== null) (provider as Record<string, unknown>)[key] = value;
    }
    const { resolveRegion, resolveEndpoint, resolveServiceEndpoint } = require('./settings') as typeof import('./settings');
    const region = resolveRegion({ region: regionParam ?? (variable.options?.region as string | undefined) }, provider, ctx.env);
    const cached = clients.get(region);
    if (cached) return cached;
    const made = (async () => {
      const { accountCredentials } = require('./access') as typeof import('./access');
      const { Transport } = require('../cloud/transport') as typeof import('../cloud/transport');
      const { SsmClient } = require('../cloud/ssm') as typeof import('../cloud/ssm');
      const endpoint = resolveServiceEndpoint('ssm', provider, ctx.env, resolveEndpoint(provider, ctx.env))!;
      const credentials = accountCredentials(provider, { env: ctx.env, serviceDir: ctx.serviceDir(), region, warn: ctx.warn, verbose: ctx.verbose });
      return new SsmClient(new Transport({ region, credentials }), endpoint);
    })();
    clients.set(region, made);
    return made;
  };

  return {
    async resolve(variable) {
      const { name, version } = parseSecretAddress(variable.address);
      const regionParam = variable.params?.[0];
      const client = await clientFor(variable, regionParam);
      const key = `${regionParam ?? ''}\u0000${name}\u0000${version ?? ''}`;
      let pending = values.get(key);
      if (!pending) {
        pending = version === undefined ? client.currentValue(name) : client.getSecretValue(name, version);
        values.set(key, pending);
      }
      let secret: SecretValue;
      try {
        secret = await pending;
      } catch (error) {
        // No such secret or version: no value, as serverless's own sources answer, so a fallback
        // (`${tencent-ssm:NAME, 'default'}`) applies; without one serverless says only that the value was not
        // found, so why is said here, whatever follows.
        if (isScfError(error) && (error.code === 'ResourceNotFound.SecretNotExist' || error.code === 'ResourceNotFound')) {
          ctx.warn(`\${tencent-ssm:${version ? `${name}:${version}` : name}}: ${secretReason(error.code, name, version) ?? 'not found'}; the variable's fallback applies, if it has one.`);
          return { value: null };
        }
        throw secretError(error, name, version);
      }
      const label = version ? `${name}:${version}` : name;
      if (!ctx.redactor.add(secret.value, `<secret \${tencent-ssm:${label}}>`)) {
        ctx.warn(`The secret ${label} (\${tencent-ssm:${label}}) is shorter than 4 characters: the plugin cannot keep it out of its output reliably.`);
      }
      ctx.verbose(`\${tencent-ssm:${label}}: version ${plainText(secret.versionId)} read from Secrets Manager${secret.binary ? ' (binary: its base64)' : ''}`);
      return { value: secret.value };
    },
  };
}

/** A failed read as one sentence serverless shows (the plugin's error type becomes serverless's own there). */
function secretError(error: unknown, name: string, version: string | undefined): Error {
  const label = version ? `${name}:${version}` : name;
  if (!isScfError(error)) return error as Error;
  const reason = secretReason(error.code, name, version) ?? error.message.replace(/\.+$/, '');
  return new ScfError(error.code, `Could not resolve \${tencent-ssm:${label}}: ${reason}.`, error.context);
}

function secretReason(code: string, name: string, version: string | undefined): string | undefined {
  const why: Record<string, string> = {
    'ResourceNotFound.SecretNotExist': `secret "${name}" does not exist in Secrets Manager (in this region)`,
    ResourceNotFound: version ? `secret "${name}" has no version "${version}"` : `secret "${name}" was not found`,
    'ResourceUnavailable.ResourceDisabled': `secret "${name}" is disabled`,
    'ResourceUnavailable.ResourcePendingDeleted': `secret "${name}" is scheduled for deletion`,
    'ResourceUnavailable.NotPurchased': 'Secrets Manager is not activated for this account',
    UnauthorizedOperation: 'the credentials may not read it (ssm:GetSecretValue)',
    'AuthFailure.UnauthorizedOperation': 'the credentials may not read it (ssm:GetSecretValue)',
  };
  return Object.prototype.hasOwnProperty.call(why, code) ? why[code] : undefined;
}

/**
 * A value serverless will take as it is: serverless reads variables in what a source gives back, so `${` in a
 * secret would be resolved (or refused, quoting the value). Escaped the way its parser undoes: n backslashes
 * before `${` become 2n + 1.
 */
export function escapeVariableSyntax(value: string): string {
  return value.replace(/(\\*)\$\{/g, (_match, slashes: string) => `${slashes}${slashes}\\\${`);
}

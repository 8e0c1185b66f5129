// How a command reaches the account, from provider settings and the environment alone: the credential chain's
// keys, or a role's refreshed temporary keys. Used by the provider (every command) and by the `${tencent-ssm:}`
// variable source, which runs before serverless has resolved the rest of serverless.yml.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { CredentialSource } from '../cloud/transport';
import { defaultSessionName, roleSpec } from './assume-role';
import { type Credentials, resolveCredentials } from './credentials';
import { type ProviderConfig, resolveEndpoint, resolveServiceEndpoint } from './settings';

export interface AccessContext {
  env: Record<string, string | undefined>;
  /** Relative files (credentials, token files) are found from here. */
  serviceDir: string;
  region: string;
  warn(message: string): void;
  verbose(message: string): void;
}

/** The credential chain's keys: environment, profile file, the older plugin's file. */
export function chainCredentials(provider: ProviderConfig, ctx: AccessContext): Credentials {
  return resolveCredentials({
    env: ctx.env,
    homeDir: os.homedir(),
    profile: provider.profile,
    legacyFile: provider.credentials,
    baseDir: ctx.serviceDir,
    readFile: (file) => {
      try {
        return { text: fs.readFileSync(file, 'utf8'), mode: fs.statSync(file).mode };
      } catch (error: any) {
        if (error?.code === 'ENOENT' || error?.code === 'EISDIR' || error?.code === 'ENOTDIR') return undefined;
        throw error;
      }
    },
    warn: ctx.warn,
  });
}

/**
 * What requests are signed with: a role's temporary keys (provider.assumeRole, or a CI's role and web identity
 * token in the environment), refreshed before they expire; else the credential chain's keys.
 */
export function accountCredentials(provider: ProviderConfig, ctx: AccessContext): Credentials | CredentialSource {
  const { credentialSource } = require('../cloud/role-credentials') as typeof import('../cloud/role-credentials');
  return credentialSource({
    spec: roleSpec(provider.assumeRole, ctx.env, { sessionName: defaultSessionName(ctx.env, Date.now()) }),
    keys: () => chainCredentials(provider, ctx),
    region: ctx.region,
    stsEndpoint: resolveServiceEndpoint('sts', provider, ctx.env, resolveEndpoint(provider, ctx.env))!,
    readFile: (file) => {
      try {
        return fs.readFileSync(path.resolve(ctx.serviceDir, file), 'utf8');
      } catch (error: any) {
        if (error?.code === 'ENOENT') return undefined;
        throw error;
      }
    },
    notice: ctx.verbose,
  });
}

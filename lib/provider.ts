// The `tencent` provider serverless sees: resolves region, stage, namespaces, function names, endpoint and
// credentials from the CLI options, serverless.yml and the environment, and hands out the one SCF client all
// commands go through. The client module (and got) is loaded on first use, not at plugin start-up.
import type { Credentials } from './config/credentials';
import {
  type CommonOptions,
  type Endpoint,
  type FunctionConfig,
  type ProviderConfig,
  resolveServiceEndpoint,
  resolveEndpoint,
  resolveFunction,
  resolveRegion,
  resolveStage,
  type ServiceConfig,
} from './config/settings';
import type { Clients } from './cloud/clients';
import type { CredentialSource } from './cloud/transport';
import type { ScfClient } from './cloud/scf';
import type { FunctionTarget } from './cloud/types';
import { Redactor } from './config/redact';

export interface Logger {
  notice(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warning(...args: unknown[]): void;
  error(...args: unknown[]): void;
  verbose(...args: unknown[]): void;
  debug(...args: unknown[]): void;
}

export interface Progress {
  update(message: string): void;
  remove(): void;
}

/** What serverless v3 hands a plugin for output. */
export interface PluginIo {
  log: Logger;
  writeText(text: string | string[]): void;
  progress: { create(options: { message: string }): Progress };
}

export class TencentProvider {
  static getProviderName(): string {
    return 'tencent';
  }

  private cachedClients?: Clients;
  /** Functions this run released (their new versions were smoke-checked then): the deploy's smoke checks skip them. */
  readonly released = new Set<string>();
  /** What a deploy did, told as it goes (lib/deploy/report.ts): set when the run writes a report. */
  recorder?: import('./deploy/report').DeployRecorder;
  /**
   * Values never shown (resolved secrets; with --conceal, environment values). `io` applies it to every line; a
   * file the plugin writes applies it to its data before rendering, since a format's escaping would hide a value
   * from it.
   */
  redactor = new Redactor();

  constructor(
    readonly serverless: any,
    readonly options: CommonOptions & Record<string, unknown>,
    readonly io: PluginIo,
    readonly env: Record<string, string | undefined> = process.env,
  ) {}

  get providerConfig(): ProviderConfig {
    return this.serverless.service.provider ?? {};
  }

  get serviceConfig(): ServiceConfig {
    const service = this.serverless.service;
    return { service: service.service, provider: this.providerConfig, functions: (service.functions ?? {}) as Record<string, FunctionConfig> };
  }

  get serviceDir(): string {
    return this.serverless.serviceDir ?? process.cwd();
  }

  getRegion(): string {
    return resolveRegion(this.options, this.providerConfig, this.env);
  }

  getStage(): string {
    return resolveStage(this.options, this.providerConfig);
  }

  getEndpoint(): Endpoint {
    return resolveEndpoint(this.providerConfig, this.env);
  }

  /** The deployed name and namespace of a function key of serverless.yml. */
  functionTarget(key: string): FunctionTarget {
    return resolveFunction(this.serviceConfig, key, this.getStage(), this.options);
  }

  functionKeys(): string[] {
    return Object.keys(this.serverless.service.functions ?? {});
  }

  functionConfig(key: string): FunctionConfig {
    return (this.serverless.service.functions ?? {})[key] ?? {};
  }

  resolveCredentials(): Credentials {
    const { chainCredentials } = require('./config/access') as typeof import('./config/access');
    return chainCredentials(this.providerConfig, this.access());
  }

  /**
   * What requests are signed with: a role's temporary keys (provider.assumeRole, or a CI's role and web identity
   * token in the environment), refreshed before they expire; else the credential chain's keys.
   */
  credentialSource(): Credentials | CredentialSource {
    const { accountCredentials } = require('./config/access') as typeof import('./config/access');
    return accountCredentials(this.providerConfig, this.access());
  }

  private access() {
    return { env: this.env, serviceDir: this.serviceDir, region: this.getRegion(), warn: (m: string) => this.io.log.warning(m), verbose: (m: string) => this.io.log.verbose(m) };
  }

  /**
   * The one transport and its facades. Region and endpoints are checked now (bad input fails before anything
   * is sent); credentials are read on the first request. The client modules (and got) load on first use.
   */
  clients(): Clients {
    if (!this.cachedClients) {
      const { createClients } = require('./cloud/clients') as typeof import('./cloud/clients');
      const region = this.getRegion();
      const scf = this.getEndpoint();
      this.cachedClients = createClients({
        endpoints: {
          scf,
          cls: resolveServiceEndpoint('cls', this.providerConfig, this.env, scf),
          tag: resolveServiceEndpoint('tag', this.providerConfig, this.env, scf),
          monitor: resolveServiceEndpoint('monitor', this.providerConfig, this.env, scf),
          cos: resolveServiceEndpoint('cos', this.providerConfig, this.env, scf),
          sts: resolveServiceEndpoint('sts', this.providerConfig, this.env, scf),
          ssm: resolveServiceEndpoint('ssm', this.providerConfig, this.env, scf),
        },
        region,
        credentials: () => this.credentialSource(),
        legacyApi: this.providerConfig.legacyApi === true,
        debug: (message) => this.io.log.debug(message),
      });
    }
    return this.cachedClients;
  }

  /** The SCF facade of the one transport. */
  client(): ScfClient {
    return this.clients().scf;
  }
}

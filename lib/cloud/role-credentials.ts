// A role's temporary keys as a credential source: asked for on the first request, kept, and asked for again a while
// before they expire (a long deploy outlives them), one request at a time however many calls wait. A web
// identity token file is read again at every refresh (CI systems and TKE rotate it).
import type { Credentials } from '../config/credentials';
import { type RoleSpec, tokenFromFile } from '../config/assume-role';
import type { Endpoint } from '../config/settings';
import { ScfError } from './errors';
import { type Clock, systemClock } from './limiter';
import { StsClient, type TemporaryCredentials } from './sts';
import { type CredentialSource, Transport } from './transport';

/** Refresh this long before expiry, at most; at least a fifth of the keys' lifetime, so short sessions refresh too. */
const REFRESH_MARGIN_MS = 5 * 60_000;

export interface RoleCredentialsOptions {
  spec: RoleSpec;
  sts: StsClient;
  /** The file's text (a token file), or undefined when it does not exist. */
  readFile(file: string): string | undefined;
  clock?: Clock;
  /** Told (verbose) when keys are issued: the role, the session, until when; never the keys. */
  notice?(message: string): void;
}

export class RoleCredentials implements CredentialSource {
  private current?: TemporaryCredentials & { refreshAt: number };
  private pending?: Promise<Credentials>;
  private readonly clock: Clock;

  constructor(private readonly options: RoleCredentialsOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /** What requests are signed as: `role ARN (session NAME)`. */
  get source(): string {
    const { spec } = this.options;
    const how = spec.kind === 'webIdentity' ? `with the web identity token ${spec.tokenFile ? `in ${spec.tokenFile}` : 'from the environment'}` : 'with AssumeRole';
    return `role ${spec.roleArn} (session ${spec.sessionName}, assumed ${how})`;
  }

  async get(): Promise<Credentials> {
    const now = this.clock.now();
    if (this.current && now < this.current.refreshAt) return this.current.credentials;
    this.pending ??= this.refresh().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async refresh(): Promise<Credentials> {
    const { spec, sts } = this.options;
    const issuedAt = this.clock.now();
    let issued: TemporaryCredentials;
    try {
      issued =
        spec.kind === 'webIdentity'
          ? await sts.assumeRoleWithWebIdentity(
              { providerId: spec.providerId, webIdentityToken: this.token(), roleArn: spec.roleArn, sessionName: spec.sessionName, durationSeconds: spec.durationSeconds },
              this.source,
            )
          : await sts.assumeRole({ roleArn: spec.roleArn, sessionName: spec.sessionName, durationSeconds: spec.durationSeconds, externalId: spec.externalId }, this.source);
    } catch (error) {
      // Keys that still work for a while are better than a failed deploy: the next request asks again.
      if (this.current && this.current.expiresAt - this.clock.now() > 10_000) return this.current.credentials;
      if (error instanceof ScfError && !error.code.startsWith('Plugin.')) {
        throw new ScfError(error.code, `Could not assume ${spec.roleArn} (${spec.where}): ${error.message}`, error.context);
      }
      throw error;
    }
    const lifetime = Math.max(0, issued.expiresAt - issuedAt);
    const margin = Math.min(REFRESH_MARGIN_MS, Math.max(lifetime / 5, 0));
    this.current = { ...issued, refreshAt: issued.expiresAt - margin };
    this.options.notice?.(`Acting as ${this.source} until ${new Date(issued.expiresAt).toISOString()}`);
    return issued.credentials;
  }

  private token(): string {
    const { spec } = this.options;
    if (spec.kind !== 'webIdentity') throw new ScfError('Plugin.Internal', 'No web identity token for a keyed role.');
    if (spec.token !== undefined) return spec.token;
    let text: string | undefined;
    try {
      text = this.options.readFile(spec.tokenFile!);
    } catch (error) {
      // A directory, a file this user may not read: a line naming it, not a stack.
      const code = (error as NodeJS.ErrnoException)?.code;
      if (typeof code !== 'string') throw error;
      throw new ScfError('Plugin.Credentials', `The web identity token file ${spec.tokenFile} could not be read (${code}) (${spec.where}).`);
    }
    if (text === undefined) throw new ScfError('Plugin.Credentials', `The web identity token file ${spec.tokenFile} does not exist (${spec.where}).`);
    return tokenFromFile(text, spec.tokenFile!);
  }
}

export interface SourceInput {
  spec: RoleSpec | undefined;
  /** The credential chain's keys: what AssumeRole signs with, or what every request signs with without a role. */
  keys(): Credentials;
  region: string;
  stsEndpoint: Endpoint;
  readFile(file: string): string | undefined;
  notice?(message: string): void;
  clock?: Clock;
}

/** The keys requests are signed with: a role's (refreshed) when one is named, else the chain's own. */
export function credentialSource(input: SourceInput): Credentials | CredentialSource {
  if (!input.spec) return input.keys();
  const spec = input.spec;
  // AssumeRoleWithWebIdentity is unsigned: its transport has no keys to give.
  const transport = new Transport({
    region: input.region,
    credentials: spec.kind === 'assumeRole' ? () => input.keys() : () => {
      throw new ScfError('Plugin.Internal', 'AssumeRoleWithWebIdentity is sent unsigned.');
    },
    clock: input.clock,
  });
  return new RoleCredentials({ spec, sts: new StsClient(transport, input.stsEndpoint), readFile: input.readFile, notice: input.notice, clock: input.clock });
}

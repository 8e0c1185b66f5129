// The Tag facade: the one action the plugin needs of the Tag API, to change an existing function's tags
// (SCF's own actions set tags only at creation).
import type { Endpoint } from '../config/settings';
import type { ServiceApi, Transport } from './transport';

export const TAG_API_VERSION = '2018-08-13';

/** At most this many tags change in one call. */
const TAGS_PER_CALL = 10;

export class TagClient {
  readonly api: ServiceApi;

  constructor(
    private readonly transport: Transport,
    endpoint: Endpoint,
  ) {
    this.api = { service: 'tag', version: TAG_API_VERSION, endpoint };
  }

  /**
   * The resource name of a function, as the vendor's current tools give it to the Tag API (Terraform's provider;
   * the toolkit dropped the older `lam/<FunctionId>` form in 2021): by namespace and name, the account left empty
   * (the caller's).
   */
  static functionResource(region: string, namespace: string, functionName: string): string {
    return `qcs::scf:${region}:uin/:namespace/${namespace}/function/${functionName}`;
  }

  async modifyResourceTags(resource: string, replace: Record<string, string>, remove: string[], target?: { functionName?: string; namespace?: string }): Promise<void> {
    const replaceTags = Object.entries(replace).map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
    const deleteTags = remove.map((TagKey) => ({ TagKey }));
    for (let i = 0; i < Math.max(replaceTags.length, deleteTags.length); i += TAGS_PER_CALL) {
      const r = replaceTags.slice(i, i + TAGS_PER_CALL);
      const d = deleteTags.slice(i, i + TAGS_PER_CALL);
      await this.transport.call({ api: this.api, action: 'ModifyResourceTags', params: { Resource: resource, ReplaceTags: r.length ? r : undefined, DeleteTags: d.length ? d : undefined }, target });
    }
  }
}

// The Tag API (service `tag`, version 2018-08-13) as far as functions need it: ModifyResourceTags on a function
// named as the vendor's current tools name it, `qcs::scf:<region>:uin/<uin>:namespace/<ns>/function/<name>` (the
// account may be left empty: the caller's), or in the older `...:lam/<FunctionId>` form (with or without
// `uin/<uin>`). A dispatch table of its own; the HTTP layer routes to it by version.
import { ApiFault } from '../api-fault';
import type { FunctionRecord } from '../store/account';
import type { ScfContext } from './context';
import type { Params } from './params';
import { checkTag, QUOTAS } from './validate';

export { TAG_API_VERSION } from '../../cloud/tag';

type TagAction = (ctx: ScfContext, params: Params) => Params | Promise<Params>;

const RESOURCE = /^qcs::scf:([a-z]+-[a-z]+(?:-\d+)?):(?:uin\/(\d*))?:(?:lam\/(lam-[A-Za-z0-9]+)|namespace\/([A-Za-z0-9_-]+)\/function\/([A-Za-z0-9_-]+))$/;
const TAG_CODES = { key: 'InvalidParameterValue.TagKeyLengthExceeded', value: 'InvalidParameterValue.TagValueLengthExceeded', reserved: 'InvalidParameter.ReservedTagKey' };

function functionOf(ctx: ScfContext, resource: unknown): FunctionRecord {
  const bad = (message: string) => new ApiFault('InvalidParameterValue.ResourceDescriptionError', message);
  if (typeof resource !== 'string') throw bad('Resource must be a six-segment resource description.');
  const match = RESOURCE.exec(resource);
  if (!match) throw bad(`\`${resource.slice(0, 120)}\` is not an SCF function resource (qcs::scf:<region>:uin/<uin>:namespace/<namespace>/function/<name>).`);
  const [, region, uin, functionId, namespace, name] = match;
  if (region !== ctx.behaviour.region && ctx.behaviour.region !== undefined) throw bad(`The resource is in region ${region}, not in this account's ${ctx.behaviour.region}.`);
  if (uin && uin !== ctx.account.identity.uin) throw bad(`The resource belongs to uin ${uin}, not to this account.`);
  const fn = functionId ? ctx.account.findById(functionId) : ctx.account.getFunction(namespace, name);
  if (!fn) throw bad(`No function \`${(functionId ?? `${namespace}/${name}`).slice(0, 120)}\` in this account.`);
  return fn;
}

function tagList(value: unknown, name: string, keyOnly: boolean): Array<{ key: string; value: string }> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length === 0) throw new ApiFault('InvalidParameter.Tag', `${name} must be a non-empty list when given.`);
  if (value.length > 10) throw new ApiFault('InvalidParameter.Tag', `${name} holds at most 10 tags.`);
  return value.map((tag) => {
    const key: unknown = tag?.TagKey;
    if (key === '' || key === undefined) throw new ApiFault('InvalidParameterValue.TagKeyEmpty', 'A tag key must not be empty.');
    const tagValue: unknown = keyOnly ? '' : tag?.TagValue;
    checkTag(key, tagValue, TAG_CODES);
    return { key: key as string, value: tagValue as string };
  });
}

export function modifyResourceTags(ctx: ScfContext, params: Params): Params {
  const fn = functionOf(ctx, params.Resource);
  const replace = tagList(params.ReplaceTags, 'ReplaceTags', false);
  const remove = tagList(params.DeleteTags, 'DeleteTags', true);
  if (!replace && !remove) throw new ApiFault('InvalidParameter.Tag', 'Give ReplaceTags or DeleteTags.');
  if (replace && remove?.some((r) => replace.some((t) => t.key === r.key))) {
    throw new ApiFault('InvalidParameterValue.DeleteTagsParamError', 'ReplaceTags and DeleteTags name the same key.');
  }
  const tags = new Map(fn.tags);
  for (const { key, value } of replace ?? []) tags.set(key, value);
  for (const { key } of remove ?? []) tags.delete(key);
  if (tags.size > QUOTAS.tagsPerResource) throw new ApiFault('LimitExceeded.ResourceAttachedTags', `A resource has at most ${QUOTAS.tagsPerResource} tags.`);
  fn.tags = tags;
  ctx.commit();
  return {};
}

export const TAG_ACTIONS = new Map<string, TagAction>([['ModifyResourceTags', modifyResourceTags]]);

// Namespaces: CreateNamespace, ListNamespaces, DeleteNamespace, with SCF's name rules and quota.
import { ApiFault } from '../api-fault';
import { formatCst } from '../../time/cst';
import type { ScfContext } from './context';
import { type Params, str } from './params';
import { checkNamespaceName, QUOTAS, wholeNumber } from './validate';

export function createNamespace(ctx: ScfContext, params: Params): Params {
  const name = str(params, 'Namespace', true)!;
  if (name === 'default') throw new ApiFault('InvalidParameterValue.DefaultNamespace', 'The default namespace exists already and cannot be created.');
  checkNamespaceName(name);
  if (ctx.account.namespaces.has(name)) throw new ApiFault('ResourceInUse.Namespace', `Namespace \`${name}\` already exists.`);
  if (ctx.account.namespaces.size >= QUOTAS.namespaces) throw new ApiFault('LimitExceeded.Namespace', `An account has at most ${QUOTAS.namespaces} namespaces.`);
  const description = str(params, 'Description') ?? '';
  if (description.length > QUOTAS.descriptionChars) throw new ApiFault('InvalidParameterValue.Description', 'Description is too long.');
  ctx.account.addNamespace(name, description);
  ctx.commit();
  return {};
}

export function listNamespaces(ctx: ScfContext, params: Params): Params {
  const offset = wholeNumber(params.Offset, 'Offset') ?? 0;
  const limit = wholeNumber(params.Limit, 'Limit') ?? 20;
  if (offset < 0) throw new ApiFault('InvalidParameterValue.Offset', 'Offset must not be negative.');
  if (limit < 1 || limit > 100) throw new ApiFault('InvalidParameterValue.Limit', 'Limit must be 1 to 100.');
  const orderBy = str(params, 'Orderby') ?? 'Name';
  if (orderBy !== 'Name' && orderBy !== 'Updatetime') throw new ApiFault('InvalidParameterValue.OrderBy', 'Orderby must be Name or Updatetime.');
  const order = str(params, 'Order') ?? 'ASC';
  if (order !== 'ASC' && order !== 'DESC') throw new ApiFault('InvalidParameterValue.Order', 'Order must be ASC or DESC.');
  const searches = params.SearchKey ?? [];
  if (!Array.isArray(searches)) throw new ApiFault('InvalidParameterValue.SearchKey', 'SearchKey must be a list of {Key, Value}.');
  const tests = searches.map((search: any) => {
    const value = typeof search?.Value === 'string' ? search.Value.toLowerCase() : undefined;
    if (value === undefined || (search?.Key !== 'Namespace' && search?.Key !== 'Description')) {
      throw new ApiFault('InvalidParameterValue.SearchKey', 'SearchKey entries are {Key: Namespace or Description, Value}.');
    }
    return search.Key === 'Namespace'
      ? (n: { name: string; description: string }) => n.name.toLowerCase().includes(value)
      : (n: { name: string; description: string }) => n.description.toLowerCase().includes(value);
  });
  const direction = order === 'ASC' ? 1 : -1;
  const found = [...ctx.account.namespaces.values()]
    .filter((n) => tests.every((test: (n: { name: string; description: string }) => boolean) => test(n)))
    .sort((a, b) => (orderBy === 'Name' ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.modTime - b.modTime) * direction);
  return {
    TotalCount: found.length,
    Namespaces: found.slice(offset, offset + limit).map((n) => ({ Name: n.name, Description: n.description, AddTime: formatCst(n.addTime), ModTime: formatCst(n.modTime), Type: 'default' })),
  };
}

export function deleteNamespace(ctx: ScfContext, params: Params): Params {
  const name = str(params, 'Namespace', true)!;
  if (name === 'default') throw new ApiFault('FailedOperation.DeleteNamespace', 'The default namespace cannot be deleted.');
  if (!ctx.account.namespaces.has(name)) throw new ApiFault('ResourceNotFound.Namespace', `Namespace \`${name.slice(0, 60)}\` does not exist.`);
  if (ctx.account.functionsIn(name).length) throw new ApiFault('ResourceInUse.Namespace', `Namespace \`${name}\` still holds functions.`);
  ctx.account.namespaces.delete(name);
  ctx.commit();
  return {};
}

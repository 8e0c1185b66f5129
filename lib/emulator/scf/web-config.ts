// A web function's own settings (CreateFunction Type HTTP): the WebSocket protocol (ProtocolType WS, at creation
// only) with its idle timeout, and the requests one instance serves at once (InstanceConcurrencyConfig), both for
// web functions only, as SCF has them; and how GetFunction reports them.
import { ApiFault } from '../api-fault';
import type { FunctionConfiguration } from '../../cloud/types';
import type { FunctionRecord } from '../store/account';
import type { Params } from './params';
import { wholeNumber } from './validate';

function idleTimeout(params: Params): number | undefined {
  const protocol = params.ProtocolParams;
  if (protocol === undefined || protocol === null) return undefined;
  const ws = typeof protocol === 'object' && !Array.isArray(protocol) ? protocol.WSParams : undefined;
  if (ws === undefined || ws === null || typeof ws !== 'object') throw new ApiFault('InvalidParameterValue.ProtocolParams', 'ProtocolParams holds WSParams {IdleTimeOut}.');
  const seconds = wholeNumber(ws.IdleTimeOut, 'IdleTimeOut') ?? 15;
  if (seconds < 1 || seconds > 1800) throw new ApiFault('InvalidParameterValue.ProtocolParams', 'WSParams.IdleTimeOut is 1 to 1800 seconds.');
  return seconds;
}

function instanceConcurrency(params: Params): number | undefined {
  const config = params.InstanceConcurrencyConfig;
  if (config === undefined || config === null) return undefined;
  if (typeof config !== 'object' || Array.isArray(config)) throw new ApiFault('InvalidParameterValue.InstanceConcurrencyConfig', 'InstanceConcurrencyConfig is {DynamicEnabled, MaxConcurrency}.');
  // DynamicEnabled '' cancels the setting: one request at a time again.
  if (config.DynamicEnabled === '') return 1;
  const max = wholeNumber(config.MaxConcurrency, 'MaxConcurrency') ?? 1;
  if (max < 1 || max > 100) throw new ApiFault('InvalidParameterValue.MaxConcurrency', 'MaxConcurrency is 1 to 100.');
  return max;
}

function webOnly(params: Params, web: boolean): void {
  if (web) return;
  for (const name of ['ProtocolType', 'ProtocolParams', 'InstanceConcurrencyConfig']) {
    if (params[name] !== undefined && params[name] !== null && params[name] !== '') {
      throw new ApiFault(`InvalidParameterValue.${name}`, `${name} applies to web functions (Type HTTP) only.`);
    }
  }
}

/** CreateFunction's web settings. */
export function webCreate(params: Params, type: string): Partial<FunctionConfiguration> {
  const web = type === 'HTTP';
  webOnly(params, web);
  if (!web) return {};
  const protocol = params.ProtocolType;
  if (protocol !== undefined && protocol !== null && protocol !== '' && protocol !== 'WS') throw new ApiFault('InvalidParameterValue.ProtocolType', 'ProtocolType is WS.');
  const changes: Partial<FunctionConfiguration> = { web: true };
  const ws = idleTimeout(params);
  if (protocol === 'WS') changes.webSocketIdleTimeout = ws ?? 15;
  else if (ws !== undefined) throw new ApiFault('InvalidParameterValue.ProtocolParams', 'ProtocolParams needs ProtocolType WS.');
  const concurrency = instanceConcurrency(params);
  if (concurrency !== undefined) changes.instanceConcurrency = concurrency;
  return changes;
}

/** UpdateFunctionConfiguration's web settings (the protocol itself stays as created). */
export function webChanges(params: Params, fn: FunctionRecord): Partial<FunctionConfiguration> {
  webOnly(params, fn.type === 'HTTP');
  const changes: Partial<FunctionConfiguration> = {};
  const ws = idleTimeout(params);
  if (ws !== undefined) {
    if (fn.config.webSocketIdleTimeout === undefined) throw new ApiFault('InvalidParameterValue.ProtocolParams', 'The function was not created with ProtocolType WS.');
    changes.webSocketIdleTimeout = ws;
  }
  const concurrency = instanceConcurrency(params);
  if (concurrency !== undefined) changes.instanceConcurrency = concurrency;
  return changes;
}

/** GetFunction's fields for them. */
export function webOut(config: FunctionConfiguration): Params {
  const ws = config.webSocketIdleTimeout;
  return {
    ProtocolType: ws !== undefined ? 'WS' : '',
    ProtocolParams: ws !== undefined ? { WSParams: { IdleTimeOut: ws } } : null,
    InstanceConcurrencyConfig: config.web ? { DynamicEnabled: 'FALSE', MaxConcurrency: config.instanceConcurrency ?? 1 } : null,
  };
}

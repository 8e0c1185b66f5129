// One transport, a facade per service: what a command (or a test) gets to talk to Tencent Cloud.
import type { Endpoint } from '../config/settings';
import { ClsClient } from './cls';
import { ScfClient } from './scf';
import { Transport, type TransportConfig } from './transport';

export interface ClientsConfig extends TransportConfig {
  endpoints: { scf: Endpoint; cls?: Endpoint };
  legacyApi?: boolean;
  invokeTimeoutMs?: number;
}

export interface Clients {
  transport: Transport;
  scf: ScfClient;
  /** CLS, when an endpoint for it is known. */
  cls: ClsClient;
}

export function createClients(config: ClientsConfig): Clients {
  const transport = new Transport(config);
  return {
    transport,
    scf: new ScfClient(transport, { endpoint: config.endpoints.scf, legacy: config.legacyApi, invokeTimeoutMs: config.invokeTimeoutMs }),
    cls: new ClsClient(transport, config.endpoints.cls ?? config.endpoints.scf),
  };
}

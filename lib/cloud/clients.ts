// One transport, a facade per service: what a command (or a test) gets to talk to Tencent Cloud.
import type { Endpoint } from '../config/settings';
import { ClsClient } from './cls';
import { MonitorClient } from './monitor';
import { ScfClient } from './scf';
import { SsmClient } from './ssm';
import { StsClient } from './sts';
import { TagClient } from './tag';
import { Transport, type TransportConfig } from './transport';

export interface ClientsConfig extends TransportConfig {
  endpoints: { scf: Endpoint; cls?: Endpoint; tag?: Endpoint; monitor?: Endpoint; cos?: Endpoint; sts?: Endpoint; ssm?: Endpoint };
  legacyApi?: boolean;
  invokeTimeoutMs?: number;
}

export interface Clients {
  transport: Transport;
  scf: ScfClient;
  cls: ClsClient;
  tag: TagClient;
  monitor: MonitorClient;
  sts: StsClient;
  ssm: SsmClient;
  /** Where COS uploads go; undefined: the COS SDK's own domain for the bucket. */
  cosEndpoint?: Endpoint;
}

export function createClients(config: ClientsConfig): Clients {
  const transport = new Transport(config);
  return {
    transport,
    scf: new ScfClient(transport, { endpoint: config.endpoints.scf, legacy: config.legacyApi, invokeTimeoutMs: config.invokeTimeoutMs }),
    cls: new ClsClient(transport, config.endpoints.cls ?? config.endpoints.scf),
    tag: new TagClient(transport, config.endpoints.tag ?? config.endpoints.scf),
    monitor: new MonitorClient(transport, config.endpoints.monitor ?? config.endpoints.scf),
    sts: new StsClient(transport, config.endpoints.sts ?? config.endpoints.scf),
    ssm: new SsmClient(transport, config.endpoints.ssm ?? config.endpoints.scf),
    cosEndpoint: config.endpoints.cos,
  };
}

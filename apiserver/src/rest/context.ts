/** What every REST handler gets: the exchange, the parsed request line, and the registry. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { KubeletConnector } from '../kubelets/connector.js';
import type { Authorizer } from '../auth/authorizer.js';
import type { UserInfo } from '../auth/user.js';
import type { Registry } from '../registry/types.js';
import type { MediaRange } from './media.js';
import type { TokenIssuer } from '../serviceaccount/token-request.js';
import type { ApiMetrics } from '../telemetry/requests.js';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  url: URL;
  query: URLSearchParams;
  accept: MediaRange[];
  registry: Registry;
  /** The authenticated caller (anonymous on the public paths). */
  user: UserInfo;
  /** What the request was authorized by (SelfSubjectAccessReviews ask it too). */
  authorizer?: Authorizer;
  log: Logger;
  /** Aborted when the client goes away or the server shuts down. */
  signal: AbortSignal;
  /** The way to the kubelets (pods/log, exec, port-forward); absent in tests without nodes. */
  kubelets?: KubeletConnector;
  /** Signs TokenRequests (serviceaccounts/token); absent without a service-account key. */
  tokens?: TokenIssuer;
  /** The apiserver's request metrics (GET /metrics); absent in tests that do not ask for them. */
  metrics?: ApiMetrics;
}

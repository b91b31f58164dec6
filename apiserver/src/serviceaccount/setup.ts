/**
 * The apiserver's ServiceAccount token machinery from its PKI's key pair (sa.key, sa.pub: the same
 * files for every apiserver of an HA lab, so any of them verifies what another signed): the
 * TokenRequest issuer and the bearer-token authenticator.
 */
import { createPublicKey } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '@kubelab/api';
import type { Registry } from '../registry/types.js';
import type { UserInfo } from '../auth/user.js';
import { serviceAccountTokenAuthenticator } from './authenticator.js';
import { signingKey } from './jwt.js';
import type { TokenIssuer } from './token-request.js';

export interface ServiceAccountTokens {
  issuer: TokenIssuer;
  authenticate: (token: string) => Promise<UserInfo | undefined>;
}

export function serviceAccountTokens(
  registry: Pick<Registry, 'get'>,
  pair: { key: string; pub: string },
  issuer: string,
  clock: Clock,
  log: Logger,
): ServiceAccountTokens {
  const audiences = [issuer];
  const key = signingKey(pair.key);
  return {
    issuer: { issuer, audiences, key, clock },
    authenticate: serviceAccountTokenAuthenticator({
      registry,
      publicKeys: [createPublicKey(pair.pub)],
      issuer,
      audiences,
      clock,
      log,
    }),
  };
}

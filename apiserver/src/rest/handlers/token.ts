/** `serviceaccounts/{name}/token` (authentication.k8s.io/v1 TokenRequest, as `kubectl create token` sends it). */
import { ApiError } from '@kubelab/proto';
import type { RequestContext } from '../context.js';
import { readBody } from '../body.js';
import { readTypedBody } from '../decode/object-body.js';
import type { ResourceRoute } from '../paths.js';
import { sendObject } from '../respond.js';
import { requestToken } from '../../serviceaccount/token-request.js';

export async function createToken(ctx: RequestContext, route: ResourceRoute, name: string): Promise<void> {
  const body = readTypedBody(
    ctx.res,
    ctx.query,
    await readBody(ctx.req),
    ctx.req.headers['content-type'],
    { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', group: 'authentication.k8s.io' },
    'CreateOptions',
  );
  if (body['kind'] !== undefined && body['kind'] !== 'TokenRequest')
    throw new ApiError('BadRequest', `the body of a token request must be a TokenRequest, not ${String(body['kind'])}`);
  if (!ctx.tokens)
    throw new ApiError(
      'ServiceUnavailable',
      'this apiserver has no service-account signing key (sa.key in its PKI directory): it issues no tokens',
    );
  sendObject(ctx.res, 201, await requestToken(ctx.registry, ctx.tokens, route.namespace, name, body, ctx.user));
}

import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { ApiError } from '@kubelab/proto';
import type { Attributes } from '../auth/attributes.js';
import type { Authorizer } from '../auth/authorizer.js';
import { impersonate } from './impersonation.js';

const req = (headers: Record<string, string | string[]>) => ({ headers }) as unknown as IncomingMessage;
const asked: Attributes[] = [];
const only = (allowed: (a: Attributes) => boolean): Authorizer => ({
  authorize: (a) => (
    asked.push(a), allowed(a) ? { decision: 'allow', reason: '' } : { decision: 'noopinion', reason: '' }
  ),
});
const bob = { name: 'bob', groups: ['system:authenticated'] };

describe('impersonation headers', () => {
  it('no headers: the caller; groups without a user: 400', async () => {
    assert.equal(
      await impersonate(
        req({}),
        bob,
        only(() => false),
      ),
      bob,
    );
    await assert.rejects(
      impersonate(
        req({ 'impersonate-group': 'g' }),
        bob,
        only(() => true),
      ),
      (e: unknown) => e instanceof ApiError && e.reason === 'BadRequest',
    );
  });

  it('a user and groups, each checked; system:authenticated added', async () => {
    asked.length = 0;
    const u = await impersonate(
      req({ 'impersonate-user': 'jane', 'impersonate-group': ['devs', 'ops'], 'impersonate-extra-scopes': 'a' }),
      bob,
      only(() => true),
    );
    assert.deepEqual(u, { name: 'jane', groups: ['devs', 'ops', 'system:authenticated'], extra: { scopes: ['a'] } });
    assert.deepEqual(
      asked.map((a) => `${a.apiGroup}/${a.resource}/${a.subresource}:${a.name}`),
      ['/users/:jane', '/groups/:devs', '/groups/:ops', 'authentication.k8s.io/userextras/scopes:a'],
    );
  });

  it('a ServiceAccount is checked as serviceaccounts in its namespace and gets its groups', async () => {
    const u = await impersonate(
      req({ 'impersonate-user': 'system:serviceaccount:dev:robot' }),
      bob,
      only((a) => a.resource === 'serviceaccounts' && a.namespace === 'dev' && a.name === 'robot'),
    );
    assert.deepEqual(u.groups, ['system:serviceaccounts', 'system:serviceaccounts:dev', 'system:authenticated']);
  });

  it("refused with upstream's 403", async () => {
    await assert.rejects(
      impersonate(
        req({ 'impersonate-user': 'jane', 'impersonate-group': 'system:masters' }),
        bob,
        only((a) => a.resource === 'users'),
      ),
      {
        message:
          'groups "system:masters" is forbidden: User "bob" cannot impersonate resource "groups" in API group "" at the cluster scope',
      },
    );
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classView, isOurs, wantedClasses } from './classes.js';
import { buildTable, match, prefixMatches, tlsSecretFor, type Ingress } from './routes.js';

const be = (service: string, port: number | string = 80) => ({
  service: { name: service, port: typeof port === 'number' ? { number: port } : { name: port } },
});
const ing = (name: string, spec: Ingress['spec'], created = '2024-01-01T00:00:00Z'): Ingress => ({
  metadata: { name, namespace: 'default', creationTimestamp: created },
  spec,
});

test('prefix matching is element-wise', () => {
  assert.ok(prefixMatches('/a', '/a'));
  assert.ok(prefixMatches('/a', '/a/b'));
  assert.ok(prefixMatches('/a/', '/a'));
  assert.ok(!prefixMatches('/a', '/ab'));
  assert.ok(prefixMatches('/', '/anything'));
});

test('hosts, Exact before Prefix, longest Prefix, ImplementationSpecific as Prefix', () => {
  const t = buildTable([
    ing('one', {
      rules: [
        {
          host: 'a.example',
          http: {
            paths: [
              { path: '/', pathType: 'Prefix', backend: be('root') },
              { path: '/a', pathType: 'Prefix', backend: be('a') },
              { path: '/a/x', pathType: 'Exact', backend: be('ax') },
              { path: '/b', pathType: 'ImplementationSpecific', backend: be('b') },
            ],
          },
        },
        { host: '*.wild.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: be('wild') }] } },
        { http: { paths: [{ path: '/', pathType: 'Prefix', backend: be('nohost') }] } },
      ],
    }),
  ]);
  const svc = (host: string, path: string) => match(t, host, path)?.backend.service;
  assert.equal(svc('a.example', '/a/b'), 'a');
  assert.equal(svc('a.example', '/a/x'), 'ax');
  assert.equal(svc('a.example:80', '/b/c?q=1'), 'b');
  assert.equal(svc('A.Example', '/zzz'), 'root');
  assert.equal(svc('x.wild.example', '/'), 'wild');
  assert.equal(svc('x.y.wild.example', '/'), 'nohost', 'a wildcard covers one label');
  assert.equal(svc('other.example', '/'), 'nohost');
});

test('defaultBackend answers what no rule does; a host with rules does not fall to rules without host', () => {
  const t = buildTable([
    ing('def', { defaultBackend: be('fallback') }, '2024-01-01T00:00:00Z'),
    ing(
      'h',
      {
        rules: [
          { host: 'h.example', http: { paths: [{ path: '/only', pathType: 'Exact', backend: be('only') }] } },
          { http: { paths: [{ path: '/n', pathType: 'Prefix', backend: be('n') }] } },
        ],
      },
      '2024-01-02T00:00:00Z',
    ),
  ]);
  assert.equal(match(t, 'h.example', '/only')?.backend.service, 'only');
  assert.equal(match(t, 'h.example', '/n')?.backend.service, 'fallback');
  assert.equal(match(t, 'x', '/n')?.backend.service, 'n');
  assert.equal(match(buildTable([]), 'x', '/'), undefined);
});

test('the older Ingress wins a host and path; TLS hosts map to their secret', () => {
  const t = buildTable([
    ing(
      'new',
      {
        rules: [{ host: 'a', http: { paths: [{ path: '/', pathType: 'Prefix', backend: be('new') }] } }],
        tls: [{ hosts: ['a'], secretName: 'new-tls' }],
      },
      '2024-02-01T00:00:00Z',
    ),
    ing(
      'old',
      {
        rules: [{ host: 'a', http: { paths: [{ path: '/', pathType: 'Prefix', backend: be('old', 'http') }] } }],
        tls: [{ hosts: ['a', '*.b'], secretName: 'old-tls' }],
      },
      '2024-01-01T00:00:00Z',
    ),
  ]);
  assert.deepEqual(match(t, 'a', '/'), {
    backend: { namespace: 'default', service: 'old', port: 'http' },
    ingress: 'default/old',
  });
  assert.equal(tlsSecretFor(t, 'a'), 'default/old-tls');
  assert.equal(tlsSecretFor(t, 'x.b'), 'default/old-tls');
  assert.equal(tlsSecretFor(t, 'c'), undefined);
});

test('classes: kubelab (default) and nginx are ours; an Ingress without class is ours while the default is', () => {
  const view = classView(wantedClasses());
  assert.ok(isOurs(ing('a', { ingressClassName: 'nginx' }), view));
  assert.ok(isOurs(ing('a', {}), view));
  assert.ok(!isOurs(ing('a', { ingressClassName: 'traefik' }), view));
  const annotated: Ingress = {
    metadata: { name: 'x', annotations: { 'kubernetes.io/ingress.class': 'nginx' } },
    spec: {},
  };
  assert.ok(isOurs(annotated, view));
  assert.ok(!isOurs(ing('a', {}), classView([])), "no default class: an Ingress without class is nobody's");
});

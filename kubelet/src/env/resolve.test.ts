import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Service } from '@kubelab/api';
import { makePod } from '../testing/fakes.js';
import { expand } from './expand.js';
import type { EnvObjects } from './objects.js';
import { resolveEnv, type EnvContext } from './resolve.js';
import { serviceEnv } from './services.js';

function objects(
  cms: Record<string, Record<string, string>> = {},
  secrets: Record<string, Record<string, string>> = {},
  services: Service[] = [],
): EnvObjects {
  return {
    configMap: (_ns, name) => Promise.resolve(cms[name]),
    secret: (_ns, name) => Promise.resolve(secrets[name]),
    services: (ns) => Promise.resolve(services.filter((s) => s.metadata.namespace === ns)),
    service: (ns, name) =>
      Promise.resolve(services.find((s) => s.metadata.namespace === ns && s.metadata.name === name)),
  };
}

function svc(name: string, ns: string, ip: string, ports: Service['spec']['ports']): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { clusterIP: ip, ports } };
}

const CTX: EnvContext = { podIP: '10.244.0.7', hostIP: '10.244.0.2', allocatable: { cpu: 4, memory: 8 * 1024 ** 3 } };

function asMap(env: [string, string][]): Record<string, string> {
  return Object.fromEntries(env);
}

describe('$(VAR) expansion', () => {
  it('follows upstream: known names replaced, unknown kept, $$ escapes, stray $ literal', () => {
    const m = (n: string) => ({ A: 'x', B: 'y' })[n];
    assert.equal(expand('$(A)-$(B)', m), 'x-y');
    assert.equal(expand('$(C)', m), '$(C)');
    assert.equal(expand('$$(A)', m), '$(A)');
    assert.equal(expand('cost $5 $', m), 'cost $5 $');
    assert.equal(expand('$(A', m), '$(A');
    assert.equal(expand('$()', m), '$()');
  });
});

describe('resolveEnv', () => {
  const base = (c: Partial<Pod['spec']['containers'][number]>, spec: Partial<Pod['spec']> = {}) =>
    makePod(
      'web',
      'node-1',
      { containers: [{ name: 'app', image: 'img:1', ...c }], serviceAccountName: 'robot', ...spec },
      { labels: { app: 'web' }, annotations: { team: 'blue' } },
    );

  it('resolves fieldRef paths', async () => {
    const paths = [
      'metadata.name',
      'metadata.namespace',
      'metadata.uid',
      "metadata.labels['app']",
      "metadata.annotations['team']",
      "metadata.labels['none']",
      'spec.nodeName',
      'spec.serviceAccountName',
      'status.hostIP',
      'status.podIP',
      'status.podIPs',
    ];
    const pod = base({ env: paths.map((p, i) => ({ name: `V${i}`, valueFrom: { fieldRef: { fieldPath: p } } })) });
    const r = await resolveEnv(pod, pod.spec.containers[0]!, CTX);
    assert.deepEqual(
      r.env.map(([, v]) => v),
      [
        'web',
        'default',
        pod.metadata.uid,
        'web',
        'blue',
        '',
        'node-1',
        'robot',
        '10.244.0.2',
        '10.244.0.7',
        '10.244.0.7',
      ],
    );
  });

  it('resolves resourceFieldRef with divisors, falling back to node allocatable for limits', async () => {
    const pod = base({
      resources: { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '250m' } },
      env: [
        { name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
        { name: 'CPU_MILLI', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
        { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
        { name: 'MEM_REQ', valueFrom: { resourceFieldRef: { resource: 'requests.memory' } } },
      ],
    });
    const r = asMap((await resolveEnv(pod, pod.spec.containers[0]!, CTX)).env);
    assert.deepEqual(r, { CPU_LIMIT: '1', CPU_MILLI: '250', MEM_MI: '64', MEM_REQ: String(64 * 1024 * 1024) });
    const bare = base({
      env: [
        { name: 'C', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
        {
          name: 'M',
          valueFrom: { resourceFieldRef: { containerName: 'app', resource: 'limits.memory', divisor: '1Gi' } },
        },
      ],
    });
    assert.deepEqual(asMap((await resolveEnv(bare, bare.spec.containers[0]!, CTX)).env), { C: '4', M: '8' });
  });

  it('reads ConfigMap and Secret keys, honours optional, and fails with upstream messages', async () => {
    const objs = objects({ cfg: { mode: 'fast' } }, { creds: { password: 's3cret' } });
    const pod = base({
      env: [
        { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'mode' } } },
        { name: 'PASS', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
        { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'absent', key: 'x', optional: true } } },
        { name: 'OPTKEY', valueFrom: { secretKeyRef: { name: 'creds', key: 'nope', optional: true } } },
      ],
    });
    assert.deepEqual(asMap((await resolveEnv(pod, pod.spec.containers[0]!, { ...CTX, objects: objs })).env), {
      MODE: 'fast',
      PASS: 's3cret',
    });
    const missing = base({ env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'x', key: 'k' } } }] });
    await assert.rejects(resolveEnv(missing, missing.spec.containers[0]!, { ...CTX, objects: objs }), {
      name: 'EnvConfigError',
      message: 'configmap "x" not found',
    });
    const noKey = base({ env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'creds', key: 'user' } } }] });
    await assert.rejects(resolveEnv(noKey, noKey.spec.containers[0]!, { ...CTX, objects: objs }), {
      message: "couldn't find key user in Secret default/creds",
    });
    const noSecret = base({ envFrom: [{ secretRef: { name: 'gone' } }] });
    await assert.rejects(resolveEnv(noSecret, noSecret.spec.containers[0]!, { ...CTX, objects: objs }), {
      message: 'secret "gone" not found',
    });
  });

  it('applies envFrom with prefixes before env, which may override and expand', async () => {
    const objs = objects({ cfg: { HOST: 'db', PORT: '5432', 'bad key': 'x' } }, { creds: { user: 'admin' } });
    const pod = base({
      envFrom: [
        { configMapRef: { name: 'cfg' } },
        { secretRef: { name: 'creds' }, prefix: 'DB_' },
        { configMapRef: { name: 'none', optional: true } },
      ],
      env: [
        { name: 'PORT', value: '6543' },
        { name: 'URL', value: 'pg://$(DB_user)@$(HOST):$(PORT)/$(MISSING)' },
        { name: 'ESC', value: '$$(HOST)' },
      ],
      command: ['sh', '-c', 'echo $(URL)'],
      args: ['$(HOST)', '$(NOPE)'],
    });
    const r = await resolveEnv(pod, pod.spec.containers[0]!, { ...CTX, objects: objs });
    assert.deepEqual(r.env, [
      ['HOST', 'db'],
      ['PORT', '6543'],
      ['DB_user', 'admin'],
      ['URL', 'pg://admin@db:6543/$(MISSING)'],
      ['ESC', '$(HOST)'],
    ]);
    assert.deepEqual(r.command, ['sh', '-c', 'echo pg://admin@db:6543/$(MISSING)']);
    assert.deepEqual(r.args, ['db', '$(NOPE)']);
  });

  it('adds service links of the namespace and the kubernetes service, unless the container sets the name', async () => {
    const services = [
      svc('kubernetes', 'default', '10.244.128.1', [{ name: 'https', port: 443, protocol: 'TCP' }]),
      svc('web-api', 'default', '10.244.128.9', [{ name: 'http', port: 80, protocol: 'TCP' }]),
      svc('headless', 'default', 'None', [{ port: 80 }]),
      svc('other', 'prod', '10.244.128.10', [{ port: 81 }]),
    ];
    const pod = base({
      env: [
        { name: 'WEB_API_SERVICE_PORT', value: 'mine' },
        { name: 'HOSTPORT', value: '$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)' },
      ],
    });
    const r = asMap(
      (await resolveEnv(pod, pod.spec.containers[0]!, { ...CTX, objects: objects({}, {}, services) })).env,
    );
    assert.equal(r['KUBERNETES_SERVICE_HOST'], '10.244.128.1');
    assert.equal(r['KUBERNETES_SERVICE_PORT'], '443');
    assert.equal(r['KUBERNETES_SERVICE_PORT_HTTPS'], '443');
    assert.equal(r['KUBERNETES_PORT'], 'tcp://10.244.128.1:443');
    assert.equal(r['KUBERNETES_PORT_443_TCP_ADDR'], '10.244.128.1');
    assert.equal(r['WEB_API_SERVICE_HOST'], '10.244.128.9');
    assert.equal(r['WEB_API_SERVICE_PORT'], 'mine');
    assert.equal(r['HOSTPORT'], '10.244.128.1:443', 'service vars are visible to expansion');
    assert.equal(r['HEADLESS_SERVICE_HOST'], undefined);
    assert.equal(r['OTHER_SERVICE_HOST'], undefined);

    const noLinks = makePod('p', 'node-1', { enableServiceLinks: false }, { namespace: 'prod' });
    const r2 = asMap(
      (await resolveEnv(noLinks, noLinks.spec.containers[0]!, { ...CTX, objects: objects({}, {}, services) })).env,
    );
    assert.equal(r2['KUBERNETES_SERVICE_HOST'], '10.244.128.1', 'the master service is always there');
    assert.equal(r2['OTHER_SERVICE_HOST'], undefined);
  });

  it('formats docker-links variables', () => {
    assert.deepEqual(serviceEnv([svc('db', 'default', '10.244.128.5', [{ port: 5432, protocol: 'TCP' }])]), [
      ['DB_SERVICE_HOST', '10.244.128.5'],
      ['DB_SERVICE_PORT', '5432'],
      ['DB_PORT', 'tcp://10.244.128.5:5432'],
      ['DB_PORT_5432_TCP', 'tcp://10.244.128.5:5432'],
      ['DB_PORT_5432_TCP_PROTO', 'tcp'],
      ['DB_PORT_5432_TCP_PORT', '5432'],
      ['DB_PORT_5432_TCP_ADDR', '10.244.128.5'],
    ]);
  });
});

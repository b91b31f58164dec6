/**
 * Integration test: the real kubectl binaries (1.27, the default 1.32, 1.33) against the REST
 * facade over an in-memory registry. Not part of the unit run; run with
 *   node --test apiserver/dist/rest/kubectl.itest.js
 * All traffic stays on 127.0.0.1.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { parse as parseYaml } from 'yaml';
import type { KubeObject } from '@kubelab/api';
import { findKubectl, TestCluster } from './testing/harness.js';

const DEPLOY = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        env: [{name: A, value: "1"}, {name: KEEP, value: "k"}]
        ports: [{containerPort: 80}]
`;

const DEPLOY_CHANGED = DEPLOY.replace('replicas: 2', 'replicas: 3')
  .replace('nginx:1.25', 'nginx:1.26')
  .replace('{name: A, value: "1"}', '{name: B, value: "2"}');

const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: web-svc
spec:
  selector: {app: web}
  ports: [{port: 8080, targetPort: 80}]
`;

const NO_SELECTOR = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: broken
spec:
  replicas: 1
  template:
    metadata:
      labels: {app: broken}
    spec:
      containers:
      - name: c
        image: nginx
`;

const UNKNOWN_KIND = `apiVersion: v1
kind: Foo
metadata:
  name: x
`;

const VERSIONS = ['kubectl.1.27', 'kubectl', 'kubectl.1.33'];

/** What `kubectl create <kind>` stored under 1.27 (JSON bodies), to compare 1.32+ (protobuf) with. */
let createdBy27: Record<string, unknown> | undefined;

/** A stored object without what the server generates (uid, times, versions, allocated IPs/ports). */
function comparable(o: KubeObject): KubeObject {
  const c = JSON.parse(JSON.stringify(o)) as KubeObject;
  const meta = c.metadata as Record<string, unknown>;
  for (const k of ['uid', 'creationTimestamp', 'resourceVersion', 'managedFields']) delete meta[k];
  const spec = (c.spec ?? {}) as Record<string, unknown>;
  if (c.kind === 'Service' || 'clusterIP' in spec) {
    delete spec['clusterIP'];
    delete spec['clusterIPs'];
    for (const p of (spec['ports'] ?? []) as Record<string, unknown>[]) delete p['nodePort'];
  }
  return c;
}

function containers(d: KubeObject): { image: string; env?: { name: string; value: string }[] }[] {
  return (d.spec as { template: { spec: { containers: never[] } } }).template.spec.containers;
}

for (const name of VERSIONS) {
  const bin = findKubectl(name);
  describe(`${name} against the REST facade`, { skip: bin ? false : `${name} not installed` }, () => {
    const cluster = new TestCluster();
    const kubectl = (...args: string[]) => cluster.run(bin!, args);
    let minor = 0;

    before(async () => {
      await cluster.start();
      const v = await kubectl('version', '--client', '-o', 'json');
      minor = Number(
        (JSON.parse(v.stdout) as { clientVersion: { minor: string } }).clientVersion.minor.replace(/\D.*$/, ''),
      );
    });
    after(() => cluster.stop());

    test('apply -f creates; apply -f with a change sends a strategic merge patch', async () => {
      const f = cluster.file('deploy.yaml', DEPLOY);
      const r1 = await kubectl('apply', '-f', f);
      assert.equal(r1.code, 0, r1.stderr);
      assert.equal(r1.stdout.trim(), 'deployment.apps/web created');
      const created = await cluster.registry.get('deployments', 'default', 'web');
      assert.ok(
        created.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'],
        'last-applied stored verbatim',
      );

      const r2 = await kubectl('apply', '-f', cluster.file('deploy2.yaml', DEPLOY_CHANGED));
      assert.equal(r2.code, 0, r2.stderr);
      assert.equal(r2.stdout.trim(), 'deployment.apps/web configured');
      const d = await cluster.registry.get('deployments', 'default', 'web');
      assert.equal((d.spec as { replicas: number }).replicas, 3);
      assert.equal(containers(d)[0]!.image, 'nginx:1.26');
      assert.deepEqual(
        containers(d)[0]!.env,
        [
          { name: 'B', value: '2' },
          { name: 'KEEP', value: 'k' },
        ],
        'env merged by name, A deleted',
      );
      assert.equal(d.metadata.generation, 2);

      const r3 = await kubectl('apply', '-f', cluster.file('deploy2.yaml', DEPLOY_CHANGED));
      assert.equal(r3.stdout.trim(), 'deployment.apps/web unchanged');
    });

    test('get pods,deploy,rs,svc,nodes prints the server-side tables', async () => {
      const r = await kubectl('get', 'pods,deploy,rs,svc,nodes');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/);
      assert.match(r.stdout, /pod\/running\s+1\/1\s+Running\s+3 \(5m\d*s? ago\)/);
      assert.match(r.stdout, /pod\/crashing\s+0\/1\s+CrashLoopBackOff\s+0/);
      assert.match(r.stdout, /pod\/creating\s+0\/1\s+ContainerCreating/);
      assert.match(r.stdout, /NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);
      assert.match(r.stdout, /deployment\.apps\/web\s+0\/3\s+0\s+0/);
      assert.match(r.stdout, /node\/node-1\s+Ready\s+control-plane\s+\S+\s+v1\.32\.0-kubelab/);

      const wide = await kubectl('get', 'pods', '-o', 'wide');
      assert.match(wide.stdout, /running\s+1\/1\s+Running\s+.*10\.244\.0\.9\s+node-1\s+<none>\s+<none>/);
      const all = await kubectl('get', 'pods', '-A', '--show-labels');
      assert.match(all.stdout, /^NAMESPACE\s+NAME/m);
      assert.match(all.stdout, /default\s+running/);
    });

    test('get deploy -o yaml returns the object', async () => {
      const r = await kubectl('get', 'deploy', 'web', '-o', 'yaml');
      assert.equal(r.code, 0, r.stderr);
      const d = parseYaml(r.stdout) as KubeObject;
      assert.equal(d.kind, 'Deployment');
      assert.equal(d.apiVersion, 'apps/v1');
      assert.equal(containers(d)[0]!.image, 'nginx:1.26');
      const list = parseYaml((await kubectl('get', 'deploy', '-o', 'yaml')).stdout) as {
        kind: string;
        items: KubeObject[];
      };
      assert.equal(list.kind, 'List');
      assert.equal(list.items[0]!.metadata.name, 'web');
    });

    test('get ns', async () => {
      const r = await kubectl('get', 'ns');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /NAME\s+STATUS\s+AGE/);
      assert.match(r.stdout, /default\s+Active/);
      assert.match(r.stdout, /kube-system\s+Active/);
    });

    test('create -f creates; a second create is AlreadyExists', async () => {
      const f = cluster.file('svc.yaml', SERVICE);
      const r = await kubectl('create', '-f', f);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'service/web-svc created');
      const again = await kubectl('create', '-f', f);
      assert.notEqual(again.code, 0);
      assert.match(again.stderr, /Error from server \(AlreadyExists\).*services "web-svc" already exists/);
    });

    test('expose deployment web --type=NodePort --port=80', async () => {
      const r = await kubectl('expose', 'deployment', 'web', '--type=NodePort', '--port=80');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'service/web exposed');
      const svc = await cluster.registry.get('services', 'default', 'web');
      assert.deepEqual((svc.spec as { selector: unknown }).selector, { app: 'web' });
      const get = await kubectl('get', 'svc', 'web');
      // An address of the service range 10.244.128.0/17, picked at random as upstream's allocator does.
      assert.match(get.stdout, /web\s+NodePort\s+10\.244\.(12[89]|1[3-9]\d|2[0-5]\d)\.\d+\s+<none>\s+80:\d+\/TCP/);
    });

    test('a Deployment without spec.selector is rendered as the Invalid error, and nothing is stored', async () => {
      const f = cluster.file('broken.yaml', NO_SELECTOR);
      for (const verb of ['apply', 'create']) {
        const r = await kubectl(verb, '-f', f);
        assert.notEqual(r.code, 0);
        // Both errors upstream reports (the fake registry checked only the first).
        assert.match(
          r.stderr,
          /The Deployment "broken" is invalid: \n\* spec\.selector: Required value\n\* spec\.template\.metadata\.labels: Invalid value: .*`selector` does not match template `labels`/,
          verb,
        );
      }
      await assert.rejects(cluster.registry.get('deployments', 'default', 'broken'));
    });

    test('NotFound and unknown kinds', async () => {
      const r = await kubectl('get', 'pod', 'nope');
      assert.notEqual(r.code, 0);
      assert.equal(r.stderr.trim(), 'Error from server (NotFound): pods "nope" not found');
      const u = await kubectl('apply', '-f', cluster.file('foo.yaml', UNKNOWN_KIND));
      assert.notEqual(u.code, 0);
      assert.match(u.stderr, /no matches for kind "Foo" in version "v1"/);
      const t = await kubectl('get', 'foos');
      assert.match(t.stderr, /the server doesn't have a resource type "foos"/);
    });

    test('scale and label go through the scale subresource and merge patches', async () => {
      const s = await kubectl('scale', 'deployment', 'web', '--replicas=4');
      assert.equal(s.code, 0, s.stderr);
      assert.equal(s.stdout.trim(), 'deployment.apps/web scaled');
      const l = await kubectl('label', 'deployment', 'web', 'tier=fe');
      assert.equal(l.stdout.trim(), 'deployment.apps/web labeled');
      const d = await cluster.registry.get('deployments', 'default', 'web');
      assert.equal((d.spec as { replicas: number }).replicas, 4);
      assert.equal(d.metadata.labels?.['tier'], 'fe');
    });

    test('create deployment: JSON before 1.32, protobuf from 1.32, created either way', async () => {
      const r = await kubectl('create', 'deployment', 'made', '--image=nginx');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'deployment.apps/made created');
    });

    test('get pods -w streams changes', async () => {
      const child = spawn(bin!, ['get', 'pods', '-w'], { env: cluster.env() });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (out += b.toString()));
      const until = async (what: RegExp): Promise<void> => {
        for (let i = 0; i < 200 && !what.test(out); i++) await new Promise((r) => setTimeout(r, 50));
        assert.match(out, what);
      };
      try {
        await until(/crashing/);
        await until(/creating/);
        // The watch request must be open before the change, or the new pod would only be seen by a re-list.
        for (let i = 0; i < 100 && cluster.registry.activeWatches === 0; i++)
          await new Promise((r) => setTimeout(r, 50));
        assert.equal(cluster.registry.activeWatches, 1);
        await cluster.registry.create('pods', 'default', {
          metadata: { name: 'watched' },
          spec: { containers: [{ name: 'c', image: 'i' }] },
          status: { phase: 'Pending' },
        });
        await until(/watched\s+0\/1\s+Pending/);
      } finally {
        child.kill();
      }
      for (let i = 0; i < 100 && cluster.registry.activeWatches > 0; i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(cluster.registry.activeWatches, 0, 'client disconnect ends the registry watch');
    });

    test('explain walks the published schemas: kinds, fields, required ones, --recursive, unknown fields', async () => {
      const pod = await kubectl('explain', 'pods');
      assert.equal(pod.code, 0, pod.stderr);
      assert.match(pod.stdout, /^KIND:\s+Pod\nVERSION:\s+v1\n\nDESCRIPTION:\n\s+A Pod is/);
      assert.match(pod.stdout, /\n {2}spec\t<PodSpec>\n/);
      const c = await kubectl('explain', 'pods.spec.containers');
      assert.match(c.stdout, /FIELD: containers <\[\]Container>/);
      assert.match(c.stdout, /\n {2}name\t<string> -required-\n/);
      assert.match(c.stdout, /\n {2}resources\t<ResourceRequirements>\n/);
      const d = await kubectl('explain', 'deployment.spec', '--recursive');
      assert.match(d.stdout, /^GROUP:\s+apps\nKIND:\s+Deployment\n/);
      assert.match(d.stdout, /\n {2}template\t<PodTemplateSpec> -required-\n/);
      assert.match(d.stdout, /\n {6}maxSurge\t<IntOrString>\n/);
      assert.match(d.stdout, /\n {10}limits\t<map\[string\]Quantity>\n/);
      const sc = await kubectl('explain', 'storageclass');
      assert.match(sc.stdout, /\n {2}provisioner\t<string> -required-\n/);
      // kubectl prints a field's allowed values from 1.30 on.
      const policy = await kubectl('explain', 'pods.spec.restartPolicy');
      assert.match(policy.stdout, /FIELD: restartPolicy <string>\n/);
      if (minor >= 30) assert.match(policy.stdout, /\nENUM:\n {4}Always\n {4}Never\n {4}OnFailure\n/);
      const missing = await kubectl('explain', 'pods.spec.foo');
      assert.notEqual(missing.code, 0);
      assert.equal(missing.stderr.trim(), 'error: field "foo" does not exist');
    });

    test('delete --dry-run=server deletes nothing', async () => {
      const r = await kubectl('delete', 'pod', 'running', '--dry-run=server');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'pod "running" deleted (server dry run)');
      await cluster.registry.get('pods', 'default', 'running');
    });

    test('delete -f deletes (and waits for the object to be gone)', async () => {
      const r = await kubectl('delete', '-f', cluster.file('deploy.yaml', DEPLOY));
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'deployment.apps "web" deleted');
      await assert.rejects(cluster.registry.get('deployments', 'default', 'web'));
      assert.ok(cluster.registry.calls.includes('delete deployments default/web Background'));
      const svc = await kubectl('delete', 'svc', 'web', 'web-svc');
      assert.equal(svc.code, 0, svc.stderr);
      assert.match(svc.stdout, /service "web" deleted/);
    });

    test('kubectl create deployment|namespace|service nodeport store the same objects on every version', async () => {
      const cases: { args: string[]; out: string; resource: string; namespace: string; name: string }[] = [
        {
          args: ['deployment', 'web', '--image=kubelab/echo', '--replicas=2'],
          out: 'deployment.apps/web created',
          resource: 'deployments',
          namespace: 'default',
          name: 'web',
        },
        { args: ['namespace', 'x'], out: 'namespace/x created', resource: 'namespaces', namespace: '', name: 'x' },
        {
          args: ['service', 'nodeport', 's', '--tcp=80:80'],
          out: 'service/s created',
          resource: 'services',
          namespace: 'default',
          name: 's',
        },
      ];
      const stored: Record<string, unknown> = {};
      for (const c of cases) {
        const r = await kubectl('create', ...c.args);
        assert.equal(r.code, 0, `${c.args.join(' ')}: ${r.stderr}`);
        assert.equal(r.stdout.trim(), c.out);
        stored[c.resource] = comparable(await cluster.registry.get(c.resource, c.namespace, c.name));
      }
      const d = stored['deployments'] as KubeObject;
      assert.equal((d.spec as { replicas: number }).replicas, 2);
      assert.equal(containers(d)[0]!.image, 'kubelab/echo');
      if (minor === 27) createdBy27 = stored;
      else if (createdBy27) assert.deepEqual(stored, createdBy27, `kubectl 1.${minor} stores what 1.27 (JSON) stores`);
      if (minor >= 32) {
        if (findKubectl('kubectl.1.27')) assert.ok(createdBy27, 'the 1.27 (JSON) baseline ran first');
        // These versions really send protobuf bodies (kubectl logs request headers at -v=7).
        const v = await kubectl('create', 'namespace', 'y', '-v=7');
        assert.equal(v.code, 0, v.stderr);
        assert.match(v.stderr, /Content-Type: application\/vnd\.kubernetes\.protobuf/);
        assert.equal(v.stdout.trim(), 'namespace/y created');
      }
    });
  });
}

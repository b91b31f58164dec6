/**
 * What the lab shows strangers (the walking skeleton checks it on its lab): etcd answers the
 * apiserver and no pod, gRPC is not published on the host, and the gRPC ports refuse callers
 * without the cluster's credentials.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { labSettings } from '@kubelab/cli/lab';
import { generatePki } from '@kubelab/client/pki';
import { issueClientCert } from '@kubelab/client/pki-certs';
import { serviceContainers } from './e2e-lab.js';
import { probeGrpc } from './grpc-probe.js';
import { run } from './kubectl.js';
import { E2E_ENV } from './lab.js';

/** A Node as the gRPC checks need it: its kubelet's address and published serving certificate. */
export interface ExposedNode {
  metadata: { name: string; annotations?: Record<string, string> };
  status: { addresses: { type: string; address: string }[] };
}

/** The apiserver reaches etcd; the container `podContainerId` (a pod's) does not; no gRPC host port. */
export async function assertEtcdFenced(podContainerId: string): Promise<void> {
  const [etcdId] = await serviceContainers('etcd');
  assert.ok(etcdId, 'the lab has an etcd container');
  const ip = (
    await run('docker', ['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}', etcdId])
  ).stdout
    .trim()
    .split(' ')[0]!;
  assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/, `etcd's address: ${ip}`);
  const [api] = await serviceContainers('apiserver');
  assert.ok(api, 'the lab has an apiserver container');
  const fromApi = await run('docker', [
    'exec',
    api,
    '/bin/busybox',
    'timeout',
    '10',
    '/bin/busybox',
    'wget',
    '-qO-',
    `http://${ip}:2379/health`,
  ]);
  assert.equal(fromApi.code, 0, `the apiserver must reach etcd: ${fromApi.stderr}`);
  const fromPod = await run('docker', [
    'exec',
    podContainerId,
    'timeout',
    '5',
    'wget',
    '-qO-',
    `http://${ip}:2379/health`,
  ]);
  assert.notEqual(fromPod.code, 0, `a pod reached etcd at ${ip}:2379: ${fromPod.stdout}`);
  const grpcPort = Number(E2E_ENV.KUBELAB_API_GRPC_PORT);
  const open = await new Promise<boolean>((resolve) => {
    const sock = connect({ host: '127.0.0.1', port: grpcPort }, () => (sock.destroy(), resolve(true)));
    sock.on('error', () => resolve(false));
  });
  assert.equal(open, false, `something listens on the old gRPC host port ${grpcPort}`);
}

/** The apiserver's and `node`'s kubelet's gRPC ports refuse callers without the cluster's credentials. */
export async function assertGrpcRefusesStrangers(node: ExposedNode): Promise<void> {
  const project = E2E_ENV.KUBELAB_PROJECT!;
  const pkiDir = labSettings({ project, env: E2E_ENV }).pkiDir;
  const read = (f: string): string => readFileSync(join(pkiDir, f), 'utf8');
  const ca = read('ca.crt');
  const scheduler = { cert: read('components/scheduler/client.crt'), key: read('components/scheduler/client.key') };
  const other = await generatePki({ serviceCIDR: '10.96.0.0/12' });
  const foreign = await issueClientCert(
    { cert: other.caCert, key: other.caKey },
    { cn: 'kube-apiserver-kubelet-client', o: ['system:masters'] },
  );
  const image = `kubelab/kubelab:${process.env.KUBELAB_IMAGE_TAG || 'dev'}`;
  const net = E2E_ENV.KUBELAB_NETWORK!;
  const api = (c: Omit<Parameters<typeof probeGrpc>[2], 'target' | 'service'>) =>
    probeGrpc(image, net, { target: 'apiserver:7000', service: 'resources', ...c });
  assert.equal((await api({ trust: ca, client: scheduler })).code, 0, 'a component certificate is let in');
  const anon = await api({ trust: ca });
  assert.equal(anon.code, 16, `no credentials: UNAUTHENTICATED (${anon.details})`);
  assert.match(anon.details, /only with a client certificate signed by the cluster CA/);
  assert.equal((await api({ trust: ca, client: foreign })).code, 16, 'a certificate of another CA: UNAUTHENTICATED');
  assert.equal((await api({ trust: ca, token: 'abcdef.0123456789abcdef' })).code, 16, 'a wrong token: UNAUTHENTICATED');
  assert.equal((await api({})).code, 14, 'plain gRPC: no connection');
  const pin = node.metadata.annotations?.['kubelab.io/kubelet-serving-cert'];
  assert.ok(pin, 'the node publishes its kubelet serving certificate');
  const kubelet = `${node.status.addresses.find((a) => a.type === 'InternalIP')!.address}:10250`;
  const kl = (c: Omit<Parameters<typeof probeGrpc>[2], 'target' | 'service'>) =>
    probeGrpc(image, net, { target: kubelet, service: 'kubelet', pin, ...c });
  const component = await kl({ client: scheduler });
  assert.equal(component.code, 7, `a component certificate at the kubelet: PERMISSION_DENIED (${component.details})`);
  assert.equal((await kl({})).code, 14, 'no certificate at the kubelet: refused in the handshake');
  assert.equal(
    (await kl({ client: foreign })).code,
    14,
    "another CA's apiserver-named certificate at the kubelet: refused in the handshake",
  );
  assert.equal(
    (await probeGrpc(image, net, { target: kubelet, service: 'kubelet' })).code,
    14,
    'plain gRPC at the kubelet: no connection',
  );
}

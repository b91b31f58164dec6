/**
 * Calls the lab's gRPC ports as a stranger on the lab network would: a one-off container of the
 * kubelab image (its grpc-js and proto loader) on the lab's network, with the credentials given,
 * answering with the gRPC status code of one call. Used to show who is refused where.
 */
import { run } from './kubectl.js';

export interface ProbeCall {
  /** `apiserver:7000` (Resources/List namespaces) or `<node IP>:10250` (Kubelet/Stats). */
  target: string;
  service: 'resources' | 'kubelet';
  /** none: plain gRPC; otherwise TLS trusting this CA (PEM)... */
  trust?: string;
  /** ...and, for the kubelet, only this exact certificate (PEM). */
  pin?: string;
  /** Client certificate and key (PEM). */
  client?: { cert: string; key: string };
  token?: string;
}

const SCRIPT = `
const grpc = (await import('/app/node_modules/@grpc/grpc-js/build/src/index.js')).default;
const proto = await import('/app/proto/dist/index.js');
const c = JSON.parse(process.env.PROBE);
let creds = grpc.credentials.createInsecure();
if (c.trust) {
  const opts = c.pin ? { checkServerIdentity: () => undefined } : {};
  creds = grpc.credentials.createSsl(Buffer.from(c.trust), c.client ? Buffer.from(c.client.key) : null, c.client ? Buffer.from(c.client.cert) : null, opts);
}
const Ctor = c.service === 'kubelet' ? proto.kubeletService() : proto.resourcesService();
const client = new Ctor(c.target, creds, proto.CHANNEL_OPTIONS);
const md = new grpc.Metadata();
if (c.token) md.set('authorization', 'Bearer ' + c.token);
const req = c.service === 'kubelet' ? { pod: null } : { target: { resource: 'namespaces', namespace: '', name: '' } };
const method = c.service === 'kubelet' ? 'Stats' : 'List';
client[method](req, md, { deadline: Date.now() + 8000 }, (err) => {
  console.log(JSON.stringify({ code: err ? err.code : 0, details: err ? err.details : '' }));
  process.exit(0);
});
`;

export async function probeGrpc(
  image: string,
  network: string,
  call: ProbeCall,
): Promise<{ code: number; details: string }> {
  const r = await run(
    'docker',
    [
      'run',
      '--rm',
      '--network',
      network,
      '-e',
      `PROBE=${JSON.stringify({ ...call, trust: call.pin ?? call.trust })}`,
      image,
      'node',
      '--input-type=module',
      '-e',
      SCRIPT,
    ],
    { timeoutMs: 60_000 },
  );
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as { code: number; details: string };
  } catch {
    throw new Error(`the probe container failed (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
}

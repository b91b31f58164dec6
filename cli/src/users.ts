/**
 * `kubelab user add`: a practice user as the RBAC tutorials make one, through the lab's own CSR
 * API: a new key and a PKCS#10 request (CN the user, O the groups), a CertificateSigningRequest for
 * the kubernetes.io/kube-apiserver-client signer, approved (as `kubectl certificate approve`) with
 * the admin token, the signed certificate read back from its status, and a kubeconfig context
 * `NAME@<lab>` with it. The key never leaves this machine.
 */
import { makeCsr } from '@kubelab/client/pki-certs';
import { apiRequest, type ApiAccess } from './api-get.js';

const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
const USER_RE = /^[^\s/%:][^\s/%]*$/;

export interface IssuedUser {
  cert: string;
  key: string;
  csrName: string;
}

type Body = Record<string, unknown>;

async function call(
  api: ApiAccess,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Body }> {
  const r = await apiRequest(api, method, path, body, 10_000);
  if (!r) throw new Error(`the lab's API at ${api.url} does not answer (is the lab up? ./kubelab status)`);
  return { status: r.status, body: (typeof r.body === 'object' && r.body !== null ? r.body : {}) as Body };
}

const fail = (what: string, r: { status: number; body: Body }) =>
  new Error(`${what}: ${String(r.body['message'] ?? `HTTP ${r.status}`)}`);

export function checkUserName(name: string): string {
  if (!USER_RE.test(name) || name.startsWith('system:'))
    throw new Error(
      `user name ${JSON.stringify(name)}: Invalid value: must be non-empty, without spaces, '/' or '%', and not in the system: namespace`,
    );
  return name;
}

/** Issues a client certificate for the user through the CSR API (waits up to timeoutMs for the signer). */
export async function issueUser(
  api: ApiAccess,
  name: string,
  groups: string[],
  o: { days?: number; timeoutMs?: number } = {},
): Promise<IssuedUser> {
  const { csr, key } = await makeCsr({ cn: checkUserName(name), o: groups });
  const csrName = `kubelab-user-${name.toLowerCase().replace(/[^a-z0-9.-]/g, '-')}`;
  await call(api, 'DELETE', `${CSRS}/${csrName}`);
  const spec = {
    request: Buffer.from(csr).toString('base64'),
    signerName: 'kubernetes.io/kube-apiserver-client',
    usages: ['digital signature', 'client auth'],
    expirationSeconds: (o.days ?? 365) * 86400,
  };
  const created = await call(api, 'POST', CSRS, {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name: csrName },
    spec,
  });
  if (created.status !== 201) throw fail(`creating CertificateSigningRequest ${csrName}`, created);
  const status = {
    conditions: [
      {
        type: 'Approved',
        status: 'True',
        reason: 'KubelabUserAdd',
        message: `approved by kubelab user add for ${name}`,
      },
    ],
  };
  const approved = await call(api, 'PUT', `${CSRS}/${csrName}/approval`, { ...created.body, status });
  if (approved.status !== 200) throw fail(`approving CertificateSigningRequest ${csrName}`, approved);
  const deadline = Date.now() + (o.timeoutMs ?? 30_000);
  for (;;) {
    const r = await call(api, 'GET', `${CSRS}/${csrName}`);
    const cert = (r.body['status'] as Body | undefined)?.['certificate'];
    if (typeof cert === 'string' && cert) return { cert: Buffer.from(cert, 'base64').toString('utf8'), key, csrName };
    if (Date.now() > deadline)
      throw new Error(
        `CertificateSigningRequest ${csrName} was approved but not signed within ${(o.timeoutMs ?? 30_000) / 1000}s (does the apiserver have the CA key? kubectl get csr ${csrName})`,
      );
    await new Promise((res) => setTimeout(res, 200));
  }
}

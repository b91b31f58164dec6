/**
 * The compose file's one-shot `pki` service: makes what is missing of the lab's PKI in
 * KUBELAB_PKI_DIR (the CA once, the apiserver's certificate, the tokens, each component's own
 * directory; see @kubelab/client/component-pki) and exits 0, so that every component starts after
 * it (`condition: service_completed_successfully`). Idempotent: `kubelab up` made it all already
 * on the host, and a second `docker compose up` finds it all there.
 */
import { ensureClusterPki } from '@kubelab/client/component-pki';

const dir = process.env.KUBELAB_PKI_DIR?.trim();
const cidr = process.env.KUBELAB_SERVICE_CIDR?.trim() || '10.244.128.0/18';
if (!dir) {
  console.error("KUBELAB_PKI_DIR: Required value: the directory to make the lab's PKI in");
  process.exit(2);
}
try {
  const r = await ensureClusterPki(dir, cidr);
  console.log(
    r.made.length ? `pki: made ${r.made.join(', ')} in ${dir}` : `pki: everything in ${dir} is present and valid`,
  );
} catch (err) {
  console.error(`pki: cannot make the lab's PKI in ${dir}: ${(err as Error).message}`);
  process.exit(1);
}

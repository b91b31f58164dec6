/**
 * A practice user's entries in a kubeconfig (pure): the context `NAME@<lab>` on the lab's cluster
 * entry, with a user entry `NAME@<lab>` holding the client certificate and key, as the RBAC
 * tutorials set one up with `kubectl config set-credentials` / `set-context`. The lab's cluster
 * entry is added when missing; the current context is left as it was.
 */
import { isMap, isSeq } from 'yaml';
import { indexByName, KubeconfigConflict, parse, STYLE } from './kubeconfig.js';

export interface UserEntry {
  /** The lab's cluster entry name (kubeconfigName). */
  cluster: string;
  server: string;
  caCert: string;
  user: string;
  cert: string;
  key: string;
  namespace?: string;
}

export const userContextName = (user: string, cluster: string): string => `${user}@${cluster}`;

export function mergeUserContext(text: string | undefined, e: UserEntry, file = 'kubeconfig'): string {
  const doc = parse(text, file);
  const name = userContextName(e.user, e.cluster);
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const at = indexByName(doc, 'clusters', e.cluster);
  const server = at >= 0 ? String(doc.getIn(['clusters', at, 'cluster', 'server']) ?? '') : undefined;
  if (server !== undefined && server !== e.server)
    throw new KubeconfigConflict(
      `${file}: cluster "${e.cluster}" points at ${server || '(no server)'}, not at this lab (${e.server}): nothing written`,
    );
  const put = (list: string, entryName: string, value: object) => {
    const node = doc.createNode(value);
    const seq = doc.get(list);
    if (!isSeq(seq)) return doc.set(list, doc.createNode([value]));
    const i = indexByName(doc, list, entryName);
    if (i >= 0) seq.items[i] = node;
    else seq.items.push(node);
  };
  if (server === undefined)
    put('clusters', e.cluster, {
      name: e.cluster,
      cluster: { server: e.server, 'certificate-authority-data': b64(e.caCert) },
    });
  put('users', name, { name, user: { 'client-certificate-data': b64(e.cert), 'client-key-data': b64(e.key) } });
  put('contexts', name, {
    name,
    context: { cluster: e.cluster, user: name, ...(e.namespace ? { namespace: e.namespace } : {}) },
  });
  if (!isMap(doc.contents)) throw new Error(`${file} is not a kubeconfig`);
  return doc.toString(STYLE);
}

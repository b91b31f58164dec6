/**
 * Kubeconfig documents (pure): the lab's own, and merging it into / removing it from a user's file
 * while keeping everything else (other entries, comments, preferences) as it was.
 */
import YAML, { isMap, isSeq, type Document } from 'yaml';

export interface KubeconfigTarget {
  /** Name of the cluster, context and user entries. */
  name: string;
  server: string;
  /** The cluster CA (PEM): certificate-authority-data. */
  caCert?: string;
  /** The user's bearer token. */
  token?: string;
}

const LISTS = ['clusters', 'contexts', 'users'] as const;
/** Lists flush with their key, as kubectl writes them. */
export const STYLE = { indentSeq: false } as const;

function entries(t: KubeconfigTarget): Record<(typeof LISTS)[number], object> {
  return {
    clusters: {
      name: t.name,
      cluster: {
        server: t.server,
        ...(t.caCert ? { 'certificate-authority-data': Buffer.from(t.caCert).toString('base64') } : {}),
      },
    },
    contexts: { name: t.name, context: { cluster: t.name, user: t.name } },
    users: { name: t.name, user: t.token ? { token: t.token } : {} },
  };
}

/** The lab's own kubeconfig, with its context current. */
export function labKubeconfig(t: KubeconfigTarget): string {
  const e = entries(t);
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [e.clusters],
    contexts: [e.contexts],
    users: [e.users],
    'current-context': t.name,
    preferences: {},
  };
  return YAML.stringify(config, STYLE);
}

export function parse(text: string | undefined, file: string): Document {
  if (!text?.trim())
    return new YAML.Document({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [],
      contexts: [],
      users: [],
      'current-context': '',
      preferences: {},
    });
  const doc = YAML.parseDocument(text);
  if (doc.errors.length > 0) throw new Error(`${file} is not valid YAML: ${doc.errors[0]!.message}`);
  if (doc.contents !== null && !isMap(doc.contents))
    throw new Error(`${file} is not a kubeconfig (expected a mapping at the top)`);
  return doc;
}

export function indexByName(doc: Document, list: string, name: string): number {
  const seq = doc.get(list);
  if (!isSeq(seq)) return -1;
  return seq.items.findIndex((item) => isMap(item) && item.get('name') === name);
}

/** The entries' name in a user's kubeconfig: "kubelab" for the default lab, else "kubelab-<project>" (as kind-, k3d-). */
export function kubeconfigName(project: string): string {
  return project === 'kubelab' ? 'kubelab' : `kubelab-${project}`;
}

/** A same-named entry in the user's file that is not the lab's: it stays, and this says why. */
export class KubeconfigConflict extends Error {}

const serverOf = (doc: Document, name: string): string | undefined => {
  const at = indexByName(doc, 'clusters', name);
  return at >= 0 ? String(doc.getIn(['clusters', at, 'cluster', 'server']) ?? '') : undefined;
};

/** Both the https:// server and the http:// one of an older kubelab count as the lab's. */
const isOwn = (found: string, server: string): boolean => [server, server.replace(/^https:/, 'http:')].includes(found);

/**
 * Adds or replaces the lab's cluster, context and user entries (by name), and makes it current.
 * An existing cluster entry of that name for another server is not the lab's: KubeconfigConflict,
 * nothing changed. The namespace the user set on the context stays.
 */
export function mergeKubeconfig(text: string | undefined, t: KubeconfigTarget, file = 'kubeconfig'): string {
  const doc = parse(text, file);
  const e = entries(t);
  const found = serverOf(doc, t.name);
  if (found !== undefined && !isOwn(found, t.server)) {
    throw new KubeconfigConflict(
      `${file}: cluster "${t.name}" points at ${found || '(no server)'}, not at this lab (${t.server}): left untouched; ` +
        `rename or delete it (kubectl config delete-cluster ${t.name}; kubectl config delete-context ${t.name}) to have kubelab add its own, or use KUBECONFIG=<the lab's own file>`,
    );
  }
  const ctxAt = indexByName(doc, 'contexts', t.name);
  const namespace = ctxAt >= 0 ? doc.getIn(['contexts', ctxAt, 'context', 'namespace']) : undefined;
  if (typeof namespace === 'string' && namespace)
    (e.contexts as { context: Record<string, string> }).context.namespace = namespace;
  for (const list of LISTS) {
    const node = doc.createNode(e[list]);
    const seq = doc.get(list);
    if (!isSeq(seq)) {
      doc.set(list, doc.createNode([e[list]]));
      continue;
    }
    const i = indexByName(doc, list, t.name);
    if (i >= 0) seq.items[i] = node;
    else seq.items.push(node);
  }
  doc.set('current-context', t.name);
  return doc.toString(STYLE);
}

/**
 * Removes the entries named `name` (only when its cluster points at `server`, so that a user's own
 * context of that name stays); clears current-context if it was theirs. Null when nothing changed.
 */
export function removeFromKubeconfig(
  text: string | undefined,
  name: string,
  server: string,
  file = 'kubeconfig',
): string | null {
  if (!text?.trim()) return null;
  const doc = parse(text, file);
  const found = serverOf(doc, name);
  if (found === undefined || !isOwn(found, server)) return null;
  let changed = false;
  for (const list of LISTS) {
    const seq = doc.get(list);
    const i = indexByName(doc, list, name);
    if (isSeq(seq) && i >= 0) {
      seq.items.splice(i, 1);
      changed = true;
    }
  }
  if (doc.get('current-context') === name) {
    doc.set('current-context', '');
    changed = true;
  }
  return changed ? doc.toString(STYLE) : null;
}

// What a V8 heap snapshot (Chrome DevTools' .heapsnapshot format) of the apiserver says about its
// watch cache: per WatchHub (one per resource), the bytes reachable from its state's map (every
// cached object: decoded, its raw bytes, their ArrayBuffers) and from its history of recent
// events (counted on their own, so objects shared with the state count in both). Reachability
// stops at code, closures, contexts, shapes and at other hubs. An estimate, not a retained size.
import { readFileSync } from 'node:fs';

const STOP_TYPES = new Set(['code', 'closure', 'hidden', 'object shape', 'synthetic']);
const STOP_NAMES = new Set(['WatchHub', 'CacheState', 'system / Context']);

export function watchCacheShare(file) {
  const s = JSON.parse(readFileSync(file, 'utf8'));
  const m = s.snapshot.meta;
  const NF = m.node_fields.length;
  const EF = m.edge_fields.length;
  const [nType, nName, nSelf, nEdges] = ['type', 'name', 'self_size', 'edge_count'].map((f) =>
    m.node_fields.indexOf(f),
  );
  const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((f) => m.edge_fields.indexOf(f));
  const { nodes, edges, strings } = s;
  const n = nodes.length / NF;
  const first = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) first[i + 1] = first[i] + nodes[i * NF + nEdges] * EF;
  const type = (i) => m.node_types[0][nodes[i * NF + nType]];
  const name = (i) => strings[nodes[i * NF + nName]];
  const weak = m.edge_types[0].indexOf('weak');
  const edgeTo = (i, label) => {
    for (let e = first[i]; e < first[i + 1]; e += EF)
      if (strings[edges[e + eName]] === label) return edges[e + eTo] / NF;
    return -1;
  };
  const text = (i) =>
    type(i) === 'concatenated string' ? text(edgeTo(i, 'first')) + text(edgeTo(i, 'second')) : name(i);
  const reach = (root) => {
    if (root < 0) return 0;
    const seen = new Uint8Array(n);
    const stack = [root];
    seen[root] = 1;
    let bytes = 0;
    while (stack.length) {
      const i = stack.pop();
      bytes += nodes[i * NF + nSelf];
      for (let e = first[i]; e < first[i + 1]; e += EF) {
        const t = edges[e + eTo] / NF;
        if (edges[e + eType] === weak || seen[t] || STOP_TYPES.has(type(t)) || STOP_NAMES.has(name(t))) continue;
        seen[t] = 1;
        stack.push(t);
      }
    }
    return bytes;
  };
  const hubs = [];
  for (let i = 0; i < n; i++) {
    if (name(i) !== 'WatchHub' || type(i) !== 'object') continue;
    const state = edgeTo(i, 'state');
    const objects = state < 0 ? -1 : edgeTo(state, 'objects');
    const prefix = edgeTo(i, 'prefix');
    hubs.push({
      prefix: prefix < 0 ? '?' : text(prefix),
      state: reach(objects),
      history: reach(edgeTo(i, 'history')),
    });
  }
  return hubs.sort((a, b) => b.state + b.history - a.state - a.history);
}

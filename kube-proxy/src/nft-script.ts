/**
 * nftables rules of one Service (pure): the text of an `nft -f` transaction that replaces what
 * was applied for it last time. Layout (table `ip kubelab`):
 *   map svc_ports  : ClusterIP/LB IP . proto . port → goto pool chain
 *   map node_ports : proto . port → goto pool chain (on any local address)
 *   pool chain     : [affinity: ip saddr @aff-… goto ep-…] [Local: ip saddr @node-… goto …]
 *                    numgen inc mod N vmap { i : goto ep-… } (round robin)
 *   ep chain       : [update @aff-… { ip saddr }] dnat to ip:port
 *   postrouting    : ct status dnat masquerade (replies come back through kube-proxy)
 * A pool without endpoints gets no map element: the packet reaches kube-proxy's own stack,
 * where nothing listens, and the client is refused at once.
 */
import { createHash } from 'node:crypto';
import type { Backend } from './balancer.js';
import type { ServiceDesired } from './desired.js';

export const TABLE = 'ip kubelab';

export interface NftApplied {
  elements: string[];
  chains: string[];
  sets: string[];
}

export const EMPTY_APPLIED: NftApplied = { elements: [], chains: [], sets: [] };

const h = (s: string): string => createHash('sha1').update(s).digest('hex').slice(0, 10);
export const nodeSet = (node: string): string => `node-${h(node)}`;

/** The table, its maps, base chains and the node sets, made anew (at start). */
export function baseScript(nodes: Map<string, string[]>): string[] {
  const out = [
    `add table ${TABLE}`,
    `delete table ${TABLE}`,
    `add table ${TABLE}`,
    `add map ${TABLE} svc_ports { type ipv4_addr . inet_proto . inet_service : verdict; }`,
    `add map ${TABLE} node_ports { type inet_proto . inet_service : verdict; }`,
    `add chain ${TABLE} prerouting { type nat hook prerouting priority -100; policy accept; }`,
    `add rule ${TABLE} prerouting ip daddr . meta l4proto . th dport vmap @svc_ports`,
    `add rule ${TABLE} prerouting fib daddr type local meta l4proto . th dport vmap @node_ports`,
    `add chain ${TABLE} output { type nat hook output priority -100; policy accept; }`,
    `add rule ${TABLE} output ip daddr . meta l4proto . th dport vmap @svc_ports`,
    `add chain ${TABLE} postrouting { type nat hook postrouting priority 100; policy accept; }`,
    `add rule ${TABLE} postrouting ct status dnat masquerade`,
  ];
  for (const [node, ips] of nodes) out.push(...nodeSetScript(node, ips, []));
  return out;
}

/** Creates (if missing) the set of a node's pod IPs and adds/removes elements. */
export function nodeSetScript(node: string, add: string[], del: string[]): string[] {
  const set = nodeSet(node);
  const out = [`add set ${TABLE} ${set} { type ipv4_addr; }`];
  if (add.length) out.push(`add element ${TABLE} ${set} { ${add.join(', ')} }`);
  if (del.length) out.push(`delete element ${TABLE} ${set} { ${del.join(', ')} }`);
  return out;
}

function epChain(pool: string, b: Backend): string {
  return `ep-${h(`${pool}|${b.ip}:${b.port}`)}`;
}

/** The transaction that takes a service from `prev` to `d`, and what it leaves applied. */
export function serviceScript(
  prev: NftApplied,
  d: ServiceDesired,
  nodePortHost: string,
): { script: string[]; applied: NftApplied } {
  const chains = new Map<string, string[]>();
  const sets = new Map<string, string>();
  const elements: string[] = [];
  const poolChain = (key: string): string => `pool-${h(key)}`;
  for (const [key, spec] of d.pools) {
    const { backends, policy } = spec;
    if (backends.length === 0) continue;
    const proto = key.endsWith('@external')
      ? key.slice(0, -'@external'.length).split('/').pop()!
      : key.split('/').pop()!;
    const l4 = proto.toLowerCase();
    const rules: string[] = [];
    const aff = policy.affinitySeconds;
    for (const b of backends) {
      const ep = epChain(key, b);
      const epRules: string[] = [];
      if (aff !== undefined) {
        const set = `aff-${ep.slice(3)}`;
        sets.set(set, `add set ${TABLE} ${set} { type ipv4_addr; flags dynamic,timeout; timeout ${aff}s; }`);
        rules.push(`ip saddr @${set} goto ${ep}`);
        epRules.push(`update @${set} { ip saddr }`);
      }
      epRules.push(`meta l4proto ${l4} dnat to ${b.ip}:${b.port}`);
      chains.set(ep, epRules);
    }
    const spread = (bs: Backend[]): string =>
      bs.length === 1
        ? `goto ${epChain(key, bs[0]!)}`
        : `numgen inc mod ${bs.length} vmap { ${bs.map((b, i) => `${i} : goto ${epChain(key, b)}`).join(', ')} }`;
    if (policy.local) {
      const byNode = new Map<string, Backend[]>();
      for (const b of backends) if (b.nodeName) byNode.set(b.nodeName, [...(byNode.get(b.nodeName) ?? []), b]);
      for (const [node, bs] of [...byNode].sort()) {
        const sub = `${poolChain(key)}-${h(node).slice(0, 6)}`;
        chains.set(sub, [spread(bs)]);
        sets.set(nodeSet(node), `add set ${TABLE} ${nodeSet(node)} { type ipv4_addr; }`);
        rules.push(`ip saddr @${nodeSet(node)} goto ${sub}`);
      }
      rules.push('drop');
    } else rules.push(spread(backends));
    chains.set(poolChain(key), rules);
  }
  for (const l of d.listeners) {
    if (!chains.has(poolChain(l.pool))) continue;
    const proto = l.protocol.toLowerCase();
    if (l.host === nodePortHost) elements.push(`node_ports { ${proto} . ${l.port} : goto ${poolChain(l.pool)} }`);
    else elements.push(`svc_ports { ${l.host} . ${proto} . ${l.port} : goto ${poolChain(l.pool)} }`);
  }
  const script: string[] = [];
  const keepElements = new Set(elements);
  for (const e of prev.elements)
    if (!keepElements.has(e)) script.push(`delete element ${TABLE} ${e.replace(/ : goto \S+ \}$/, ' }')}`);
  for (const c of prev.chains) script.push(`flush chain ${TABLE} ${c}`);
  for (const c of prev.chains) if (!chains.has(c)) script.push(`delete chain ${TABLE} ${c}`);
  const nodeSets = (s: string): boolean => s.startsWith('node-');
  for (const s of prev.sets) if (!sets.has(s) && !nodeSets(s)) script.push(`delete set ${TABLE} ${s}`);
  for (const [, def] of sets) script.push(def);
  for (const c of chains.keys()) script.push(`add chain ${TABLE} ${c}`);
  // Endpoint chains first: pool chains jump to them.
  for (const [c, rules] of [...chains].sort(
    ([a], [b]) => Number(a.startsWith('pool-')) - Number(b.startsWith('pool-')),
  ))
    for (const r of rules) script.push(`add rule ${TABLE} ${c} ${r}`);
  const prevElements = new Set(prev.elements);
  for (const e of elements) {
    // A changed verdict for the same key: the element must go before it is added again.
    if (prevElements.has(e)) continue;
    script.push(`add element ${TABLE} ${e}`);
  }
  return { script, applied: { elements, chains: [...chains.keys()], sets: [...sets.keys()] } };
}

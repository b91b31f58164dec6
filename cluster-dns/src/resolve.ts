/**
 * The answer to one question from the zone (pure: a zone and a question in, the sections of the
 * reply out). Inside the cluster domain the server is authoritative: records, else NOERROR with no
 * answer when the name exists with other types (NODATA), else NXDOMAIN; both negative answers
 * carry the zone's SOA. PTR names of the cluster's own networks are answered the same way. Every
 * other name is for the upstream resolvers ("forward"), except single-label names, which no
 * public resolver knows (and Docker's embedded DNS would answer with the lab's own containers).
 */
import type { Answer, Question, RecordType } from 'dns-packet';
import { cidrContains, type Cidr } from '@kubelab/api';
import { canonicalName, inZone, ipOfDashed, ipOfReverseName, labelsBelow, reverseZoneOf } from './names.js';
import type { NameRecords } from './records.js';
import type { Zone } from './zone.js';

export const DNS_SCHEMA_VERSION = '1.1.0';

export interface ResolveOptions {
  /** TTL of every record and of negative answers (CoreDNS's default: 5 s). */
  ttl: number;
  /** Networks whose reverse names this server answers for (pod network, service CIDR). */
  reverseCidrs: Cidr[];
  /** The Service behind `ns.dns.<zone>` (the zone's NS). */
  dnsService: string;
}

export type Rcode = 'NOERROR' | 'NXDOMAIN' | 'REFUSED' | 'NOTIMP' | 'SERVFAIL' | 'FORMERR';

export interface Resolution {
  rcode: Rcode;
  authoritative: boolean;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
  /** A CNAME led out of the zone: the server asks the upstream resolvers this and appends their answer. */
  chase?: Question;
}

export type Outcome = { forward: true } | ({ forward?: false } & Resolution);

const MAX_CNAME_CHAIN = 8;

const empty = (rcode: Rcode, authoritative: boolean): Resolution => ({
  rcode,
  authoritative,
  answers: [],
  authorities: [],
  additionals: [],
});

export function soaRecord(zone: Zone, apex: string, ttl: number): Answer {
  return {
    name: apex,
    type: 'SOA',
    class: 'IN',
    ttl,
    data: {
      mname: `ns.dns.${zone.domain}`,
      rname: `hostmaster.${zone.domain}`,
      serial: zone.serial,
      refresh: 7200,
      retry: 1800,
      expire: 86400,
      minimum: ttl,
    },
  };
}

export function resolve(zone: Zone, q: Question, o: ResolveOptions): Outcome {
  if (q.class && q.class !== 'IN' && q.class !== 'ANY') return empty('REFUSED', false);
  const name = canonicalName(q.name);
  if (inZone(name, zone.domain)) return inClusterZone(zone, q, name, o, 0);
  const reverseApex = reverseApexOf(name, o.reverseCidrs);
  if (reverseApex) return inReverseZone(zone, q, name, reverseApex, o);
  if (name !== '' && !name.includes('.')) return { ...empty('NXDOMAIN', false) };
  return { forward: true };
}

/** The reverse zone of one of the cluster's networks that holds `name`, if any. */
function reverseApexOf(name: string, cidrs: Cidr[]): string | undefined {
  if (!name.endsWith('in-addr.arpa')) return undefined;
  const ip = ipOfReverseName(name);
  for (const c of cidrs) {
    const apex = reverseZoneOf(c);
    if (ip ? cidrContains(c, ip) : inZone(name, apex)) return apex;
  }
  return undefined;
}

function inReverseZone(zone: Zone, q: Question, name: string, apex: string, o: ResolveOptions): Resolution {
  const ip = ipOfReverseName(name);
  const targets = ip ? zone.ptr(ip) : [];
  const out = empty(targets.length || !ip ? 'NOERROR' : 'NXDOMAIN', true);
  if (targets.length && (q.type === 'PTR' || (q.type as string) === 'ANY')) {
    for (const t of targets) out.answers.push({ name: q.name, type: 'PTR', class: 'IN', ttl: o.ttl, data: t });
  } else if (name === apex && q.type === 'SOA') {
    out.answers.push(soaRecord(zone, q.name, o.ttl));
  }
  if (out.answers.length === 0) out.authorities.push(soaRecord(zone, apex, o.ttl));
  return out;
}

/** Records the zone has for a name besides the Services' (apex, schema version, NS host, pods). */
function syntheticRecords(
  zone: Zone,
  name: string,
  labels: string[],
  o: ResolveOptions,
): { records?: NameRecords; txt?: string; exists: boolean } {
  const d = zone.domain;
  if (name === `dns-version.${d}`) return { txt: DNS_SCHEMA_VERSION, exists: true };
  if (name === `ns.dns.${d}`) return { records: { a: zone.serviceAddresses(o.dnsService) }, exists: true };
  if (labels.length === 1 && ['svc', 'pod', 'dns'].includes(labels[0]!)) return { exists: true };
  if (labels.length === 2 && labels[1] === 'pod') return { exists: true };
  if (labels.length === 3 && labels[2] === 'pod') {
    const ip = ipOfDashed(labels[0]!);
    if (ip) return { records: { a: [ip] }, exists: true };
  }
  return { exists: name === d };
}

function inClusterZone(zone: Zone, q: Question, name: string, o: ResolveOptions, depth: number): Outcome {
  const d = zone.domain;
  const labels = labelsBelow(name, d);
  const synthetic = syntheticRecords(zone, name, labels, o);
  const records = zone.records(name) ?? synthetic.records;
  const exists = records !== undefined || synthetic.exists || zone.isEmptyNonTerminal(name);
  const out = empty(exists ? 'NOERROR' : 'NXDOMAIN', true);
  const type: RecordType | 'ANY' = q.type as RecordType | 'ANY';
  const want = (t: RecordType): boolean => type === t || type === 'ANY';
  const rr = (t: 'A' | 'CNAME' | 'NS' | 'PTR', data: string): Answer => ({
    name: q.name,
    type: t,
    class: 'IN',
    ttl: o.ttl,
    data,
  });
  if (records?.cname) {
    out.answers.push(rr('CNAME', records.cname));
    if (type === 'CNAME' || type === 'ANY') return out;
    const target: Question = { name: records.cname, type: q.type, class: 'IN' };
    if (!inZone(records.cname, d)) return { ...out, chase: target };
    if (depth >= MAX_CNAME_CHAIN) return { ...out, rcode: 'SERVFAIL' };
    const next = inClusterZone(zone, target, records.cname, o, depth + 1);
    if (next.forward) return out;
    return { ...next, answers: [...out.answers, ...next.answers] };
  }
  if (want('A')) for (const ip of records?.a ?? []) out.answers.push(rr('A', ip));
  if (want('SRV')) {
    const targets = new Set<string>();
    for (const s of records?.srv ?? []) {
      out.answers.push({ name: q.name, type: 'SRV', class: 'IN', ttl: o.ttl, data: { ...s } });
      targets.add(s.target);
    }
    for (const t of targets)
      for (const ip of zone.records(t)?.a ?? [])
        out.additionals.push({ name: t, type: 'A', class: 'IN', ttl: o.ttl, data: ip });
  }
  if (want('TXT') && synthetic.txt)
    out.answers.push({ name: q.name, type: 'TXT', class: 'IN', ttl: o.ttl, data: [synthetic.txt] });
  if (name === d) {
    if (want('SOA')) out.answers.push(soaRecord(zone, q.name, o.ttl));
    if (want('NS')) {
      out.answers.push(rr('NS', `ns.dns.${d}`));
      for (const ip of zone.serviceAddresses(o.dnsService))
        out.additionals.push({ name: `ns.dns.${d}`, type: 'A', class: 'IN', ttl: o.ttl, data: ip });
    }
  }
  if (out.answers.length === 0) out.authorities.push(soaRecord(zone, d, o.ttl));
  return out;
}

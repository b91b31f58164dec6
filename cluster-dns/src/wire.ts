/**
 * Replies on the wire, through dns-packet: header flags and RCODE, EDNS(0), and the size rule of
 * UDP (512 bytes, or what the client's OPT record allows): a reply that does not fit keeps the
 * answers that do and sets TC, so the client asks again over TCP.
 */
import dnsPacket, { type Answer, type DecodedPacket, type OptAnswer, type Packet, type Question } from 'dns-packet';
import type { Rcode, Resolution } from './resolve.js';

const RCODES: Record<Rcode, number> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };

/** What this server offers in its own OPT record. */
export const EDNS_PAYLOAD = 1232;
/** The most a UDP reply may hold without EDNS. */
export const CLASSIC_UDP_LIMIT = 512;

export function optOf(p: Packet): OptAnswer | undefined {
  return p.additionals?.find((a): a is OptAnswer => a.type === 'OPT');
}

/** The largest UDP reply the client takes. */
export function udpLimit(query: Packet): number {
  const opt = optOf(query);
  if (!opt) return CLASSIC_UDP_LIMIT;
  return Math.min(Math.max(opt.udpPayloadSize || CLASSIC_UDP_LIMIT, CLASSIC_UDP_LIMIT), EDNS_PAYLOAD);
}

function flagsFor(query: Packet, rcode: Rcode, authoritative: boolean): number {
  let f = RCODES[rcode] | dnsPacket.RECURSION_AVAILABLE;
  if (authoritative) f |= dnsPacket.AUTHORITATIVE_ANSWER;
  if ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) f |= dnsPacket.RECURSION_DESIRED;
  return f;
}

function ourOpt(): OptAnswer {
  return {
    name: '.',
    type: 'OPT',
    udpPayloadSize: EDNS_PAYLOAD,
    extendedRcode: 0,
    ednsVersion: 0,
    flags: 0,
    flag_do: false,
    options: [],
  };
}

/**
 * Encodes the reply to `query`; with `limit` (UDP), answers past the limit are left out and TC
 * set (additional and authority records go first).
 */
export function encodeReply(query: DecodedPacket, r: Resolution, limit?: number): Buffer {
  const opt = optOf(query) ? [ourOpt()] : [];
  const packet: Packet = {
    id: query.id,
    type: 'response',
    flags: flagsFor(query, r.rcode, r.authoritative),
    questions: query.questions ?? [],
    answers: r.answers,
    authorities: r.authorities,
    additionals: [...r.additionals, ...opt],
  };
  const whole = dnsPacket.encode(packet);
  if (limit === undefined || whole.length <= limit) return whole;
  packet.flags = (packet.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE;
  packet.additionals = opt;
  packet.authorities = [];
  const all: Answer[] = r.answers;
  let lo = 0;
  let hi = all.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    packet.answers = all.slice(0, mid);
    if (dnsPacket.encodingLength(packet) <= limit) lo = mid;
    else hi = mid - 1;
  }
  packet.answers = all.slice(0, lo);
  return dnsPacket.encode(packet);
}

/** A reply with only an RCODE, to a query that decoded. */
export function errorReply(query: DecodedPacket, rcode: Rcode): Buffer {
  return encodeReply(query, { rcode, authoritative: false, answers: [], authorities: [], additionals: [] });
}

/**
 * FORMERR to a message that would not decode, when at least its header is there; else undefined
 * (nothing to answer). dns-packet decodes a header only together with the sections it counts, so
 * the two fields a reply needs are read from their fixed places (RFC 1035 4.1.1: the ID in bytes
 * 0-1, QR and RD in byte 2); a message that is itself a response gets no reply.
 */
export function formErrReply(raw: Buffer): Buffer | undefined {
  if (raw.length < 12 || (raw[2]! & 0x80) !== 0) return undefined;
  const flags = (raw[2]! & 0x01) !== 0 ? dnsPacket.RECURSION_DESIRED : 0;
  return dnsPacket.encode({
    id: raw.readUInt16BE(0),
    type: 'response',
    flags: flagsFor({ flags }, 'FORMERR', false),
    questions: [],
    answers: [],
    authorities: [],
    additionals: [],
  });
}

/** A recursive query for one question, to send upstream (the CNAME chase). */
export function encodeQuery(q: Question, withOpt: boolean): Buffer {
  return dnsPacket.encode({
    id: 0,
    type: 'query',
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [q],
    additionals: withOpt ? [ourOpt()] : [],
  });
}

/**
 * One query in, one reply out (or none, for what is not a query): decode, answer from the zone or
 * forward, encode. Forwarding failures become SERVFAIL (REFUSED when there is no resolver to ask)
 * as soon as they are known, so a client never waits past the forwarder's deadline.
 */
import dnsPacket, { type DecodedPacket, type Question } from 'dns-packet';
import type { Forwarder, Upstream } from './forward.js';
import { canonicalName } from './names.js';
import { resolve, type Resolution, type ResolveOptions } from './resolve.js';
import { encodeQuery, encodeReply, errorReply, formErrReply, optOf, udpLimit } from './wire.js';
import type { Zone } from './zone.js';

export type Transport = 'udp' | 'tcp';

export interface HandlerDeps {
  zone: Zone;
  options: ResolveOptions;
  forwarder: Forwarder;
  /** The resolvers for a canonical name outside the zone (may be none). */
  upstreams(name: string): Upstream[];
  /** Counts what was answered how, for the log's periodic summary. */
  count?(what: 'zone' | 'forwarded' | 'failed' | 'bad'): void;
}

/** Replies kept at most; past it the cache starts again empty. */
const REPLY_CACHE_SIZE = 10_000;

export class QueryHandler {
  /**
   * Zone replies by the query's bytes after its ID (flags, question, OPT) and transport: the
   * same query gets the same reply but for the ID, until the zone changes (its serial moves).
   */
  private readonly replies = new Map<string, Buffer>();
  private repliesSerial = -1;

  constructor(private readonly d: HandlerDeps & { replyCache?: boolean }) {}

  async handle(raw: Buffer, transport: Transport): Promise<Buffer | undefined> {
    if (this.d.replyCache === false || raw.length < 12) return this.answer(raw, transport);
    if (this.repliesSerial !== this.d.zone.serial) {
      this.replies.clear();
      this.repliesSerial = this.d.zone.serial;
    }
    const key = transport + raw.toString('latin1', 2);
    const hit = this.replies.get(key);
    if (hit) {
      this.d.count?.('zone');
      const reply = Buffer.from(hit);
      reply.writeUInt16BE(raw.readUInt16BE(0), 0); // the ID: the first two bytes (RFC 1035 4.1.1)
      return reply;
    }
    const serial = this.d.zone.serial;
    const reply = await this.answer(raw, transport, (r) => {
      if (serial !== this.d.zone.serial) return;
      if (this.replies.size >= REPLY_CACHE_SIZE) this.replies.clear();
      this.replies.set(key, r);
    });
    return reply;
  }

  /** `cache` is given the replies made from the zone alone (not forwarded, no CNAME chased out of it). */
  private async answer(
    raw: Buffer,
    transport: Transport,
    cache?: (reply: Buffer) => void,
  ): Promise<Buffer | undefined> {
    let query: DecodedPacket;
    try {
      query = dnsPacket.decode(raw);
    } catch {
      this.d.count?.('bad');
      return formErrReply(raw);
    }
    if (query.type === 'response') return undefined;
    const opcode = (query as DecodedPacket & { opcode?: string }).opcode;
    if (opcode !== undefined && opcode !== 'QUERY') return errorReply(query, 'NOTIMP');
    const q = query.questions?.[0];
    if (!q || query.questions!.length !== 1) {
      this.d.count?.('bad');
      return errorReply(query, 'FORMERR');
    }
    const limit = transport === 'udp' ? udpLimit(query) : undefined;
    const outcome = resolve(this.d.zone, q, this.d.options);
    if (outcome.forward) return this.forward(raw, query, q, transport);
    this.d.count?.('zone');
    if (outcome.chase)
      return encodeReply(query, await this.chase(outcome, outcome.chase, transport, optOf(query) !== undefined), limit);
    const reply = encodeReply(query, outcome, limit);
    cache?.(reply);
    return reply;
  }

  private async forward(raw: Buffer, query: DecodedPacket, q: Question, transport: Transport): Promise<Buffer> {
    const ups = this.d.upstreams(canonicalName(q.name));
    if (ups.length === 0) {
      this.d.count?.('failed');
      return errorReply(query, 'REFUSED');
    }
    const r = await this.d.forwarder.forward(raw, q, ups, transport);
    if ('reply' in r) {
      this.d.count?.('forwarded');
      return r.reply;
    }
    this.d.count?.('failed');
    return errorReply(query, 'SERVFAIL');
  }

  /** A CNAME that left the zone: the upstream's answer for its target goes after it. */
  private async chase(r: Resolution, target: Question, transport: Transport, edns: boolean): Promise<Resolution> {
    const ups = this.d.upstreams(canonicalName(target.name));
    if (ups.length === 0) return r;
    const res = await this.d.forwarder.forward(encodeQuery(target, edns), target, ups, transport);
    if (!('reply' in res)) return r;
    try {
      const reply = dnsPacket.decode(res.reply);
      const rcode = (reply as DecodedPacket & { rcode?: string }).rcode;
      return {
        ...r,
        rcode: rcode === 'NXDOMAIN' ? 'NXDOMAIN' : r.rcode,
        answers: [...r.answers, ...(reply.answers ?? [])],
        authorities: reply.answers?.length ? [] : (reply.authorities ?? []),
      };
    } catch {
      return r;
    }
  }
}

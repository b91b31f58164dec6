/**
 * Forwarding to upstream resolvers: each query from a socket of its own (a fresh source port)
 * with an ID of its own, the upstreams tried in turn, the whole attempt bounded by one deadline,
 * and the number of queries in flight bounded: past the bound or the deadline the caller answers
 * SERVFAIL at once instead of letting the client wait.
 */
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type Question } from 'dns-packet';

export interface Upstream {
  host: string;
  port: number;
}

export interface ForwarderOptions {
  /** Deadline of one forwarded query over all its upstreams (default 2000 ms). */
  timeoutMs?: number;
  /** Queries in flight at most (default 256). */
  maxInFlight?: number;
}

export type ForwardResult = { reply: Buffer } | { failure: 'busy' | 'timeout' | 'unreachable' };

/** The query with another ID; the reply's ID is set back by the caller. */
function withId(packet: Buffer, id: number): Buffer {
  const copy = Buffer.from(packet);
  copy.writeUInt16BE(id, 0);
  return copy;
}

/** A reply that answers our query: same ID, the response bit, and the same question. */
function answers(id: number, question: Question, reply: Buffer): boolean {
  try {
    const p = dnsPacket.decode(reply);
    const q = p.questions?.[0];
    return (
      p.id === id &&
      p.type === 'response' &&
      q !== undefined &&
      q.type === question.type &&
      q.name.toLowerCase() === question.name.toLowerCase()
    );
  } catch {
    return false;
  }
}

export class Forwarder {
  private inFlight = 0;
  private readonly timeoutMs: number;
  private readonly maxInFlight: number;

  constructor(o: ForwarderOptions = {}) {
    this.timeoutMs = o.timeoutMs ?? 2000;
    this.maxInFlight = o.maxInFlight ?? 256;
  }

  get pending(): number {
    return this.inFlight;
  }

  async forward(
    packet: Buffer,
    question: Question,
    upstreams: Upstream[],
    transport: 'udp' | 'tcp',
  ): Promise<ForwardResult> {
    if (upstreams.length === 0) return { failure: 'unreachable' };
    if (this.inFlight >= this.maxInFlight) return { failure: 'busy' };
    this.inFlight++;
    const deadline = Date.now() + this.timeoutMs;
    let failure: 'timeout' | 'unreachable' = 'unreachable';
    try {
      for (const [i, up] of upstreams.entries()) {
        const left = deadline - Date.now();
        if (left <= 0) return { failure: 'timeout' };
        // An upstream that does not answer gets its share of the time left, the last one all of it.
        const budget = i === upstreams.length - 1 ? left : Math.max(200, Math.floor(left / (upstreams.length - i)));
        const id = randomInt(0, 65536);
        const check = (reply: Buffer): boolean => answers(id, question, reply);
        const query = withId(packet, id);
        const r =
          transport === 'udp'
            ? await udpExchange(query, check, up, budget)
            : await tcpExchange(query, check, up, budget);
        if (r === 'timeout') failure = 'timeout';
        else if (r !== 'error') {
          r.writeUInt16BE(packet.readUInt16BE(0), 0);
          return { reply: r };
        }
      }
      return { failure };
    } finally {
      this.inFlight--;
    }
  }
}

function udpExchange(
  query: Buffer,
  check: (reply: Buffer) => boolean,
  up: Upstream,
  timeoutMs: number,
): Promise<Buffer | 'timeout' | 'error'> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    let done = false;
    const finish = (r: Buffer | 'timeout' | 'error'): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.close();
      resolve(r);
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    // A connected socket hears only from that upstream, and an ICMP "port unreachable" as an error.
    sock.on('error', () => finish('error'));
    sock.on('message', (msg) => {
      if (check(msg)) finish(Buffer.from(msg));
    });
    sock.connect(up.port, up.host, () => sock.send(query, (err) => err && finish('error')));
  });
}

function tcpExchange(
  query: Buffer,
  check: (reply: Buffer) => boolean,
  up: Upstream,
  timeoutMs: number,
): Promise<Buffer | 'timeout' | 'error'> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: up.host, port: up.port });
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (r: Buffer | 'timeout' | 'error'): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    sock.on('error', () => finish('error'));
    sock.on('close', () => finish('error'));
    sock.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(query.length, 0);
      sock.write(Buffer.concat([len, query]));
    });
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 2) return;
      const n = buf.readUInt16BE(0);
      if (buf.length < 2 + n) return;
      const msg = buf.subarray(2, 2 + n);
      finish(check(msg) ? Buffer.from(msg) : 'error');
    });
  });
}

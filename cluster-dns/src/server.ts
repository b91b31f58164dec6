/**
 * The DNS listeners: UDP (one datagram, one reply) and TCP (RFC 7766: two-byte length prefixes,
 * several queries per connection answered as they complete, idle connections closed, a bound on
 * open connections).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type { Logger } from 'pino';
import type { QueryHandler } from './handler.js';

export interface DnsServerOptions {
  host: string;
  port: number;
  handler: QueryHandler;
  log: Logger;
  /** Idle TCP connections are closed after this long (default 10 s). */
  tcpIdleMs?: number;
  /** Open TCP connections at most (default 512); past it new ones are closed at once. */
  maxTcpConnections?: number;
}

export class DnsServer {
  private udp: dgram.Socket | undefined;
  private tcp: net.Server | undefined;
  private readonly conns = new Set<net.Socket>();

  constructor(private readonly o: DnsServerOptions) {}

  /**
   * Binds both sockets; resolves with the ports they got. Port 0 picks one for UDP and takes the
   * same for TCP, trying again with another when that TCP port is in use (it may be some
   * connection's local port).
   */
  async start(): Promise<{ udpPort: number; tcpPort: number }> {
    for (let attempt = 1; ; attempt++) {
      this.udp = await this.bindUdp(this.o.host, this.o.port);
      const udpPort = this.udp.address().port;
      try {
        const tcp = await this.listenTcp(this.o.port === 0 ? udpPort : this.o.port);
        return { udpPort, tcpPort: (tcp.address() as net.AddressInfo).port };
      } catch (err) {
        this.udp.close(); // not left bound when the TCP port is taken
        this.udp = undefined;
        const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
        if (this.o.port !== 0 || !inUse || attempt >= 10) throw err;
      }
    }
  }

  private async listenTcp(port: number): Promise<net.Server> {
    const tcp = net.createServer((sock) => this.onConnection(sock));
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(port, this.o.host, () => {
        tcp.off('error', reject);
        resolve();
      });
    });
    tcp.on('error', (err) => this.o.log.error({ err }, 'dns: TCP server error'));
    this.tcp = tcp;
    return tcp;
  }

  private async bindUdp(host: string, port: number): Promise<dgram.Socket> {
    // reuseAddr: a socket on one address beside the wildcard one on the same port needs it on both.
    const udp = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    udp.on('message', (msg, rinfo) => {
      this.o.handler.handle(msg, 'udp').then(
        (reply) => reply && udp.send(reply, rinfo.port, rinfo.address),
        (err: unknown) => this.o.log.error({ err }, 'dns: a UDP query failed'),
      );
    });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(port, host, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    udp.on('error', (err) => this.o.log.error({ err, host }, 'dns: UDP socket error'));
    return udp;
  }

  private onConnection(sock: net.Socket): void {
    if (this.conns.size >= (this.o.maxTcpConnections ?? 512)) {
      sock.destroy();
      return;
    }
    this.conns.add(sock);
    sock.setNoDelay(true);
    sock.setTimeout(this.o.tcpIdleMs ?? 10_000, () => sock.destroy());
    sock.on('close', () => this.conns.delete(sock));
    sock.on('error', () => sock.destroy());
    let buf: Buffer = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      while (buf.length >= 2) {
        const n = buf.readUInt16BE(0);
        if (buf.length < 2 + n) break;
        const msg = Buffer.from(buf.subarray(2, 2 + n));
        buf = buf.subarray(2 + n);
        this.o.handler.handle(msg, 'tcp').then(
          (reply) => {
            if (!reply) return;
            if (reply.length > 65535 || sock.destroyed) return;
            const len = Buffer.alloc(2);
            len.writeUInt16BE(reply.length, 0);
            sock.write(Buffer.concat([len, reply]));
          },
          (err: unknown) => {
            this.o.log.error({ err }, 'dns: a TCP query failed');
            sock.destroy();
          },
        );
      }
    });
  }

  async close(): Promise<void> {
    this.udp?.close();
    for (const c of this.conns) c.destroy();
    await new Promise<void>((r) => (this.tcp ? this.tcp.close(() => r()) : r()));
  }
}

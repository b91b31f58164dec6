/**
 * A TCP delay proxy for `kubelab chaos latency` on kernels without sch_netem. The CLI runs it in
 * the target container's network namespace (nsenter -n, as uid 65534) and sends the target's new
 * connections to some peers into it with iptables REDIRECT; the proxy's own upstream connections
 * are exempt by its uid. Each chunk the target sends towards the peer is held DELAY (± JITTER) and
 * then forwarded, never before an earlier chunk (byte order is kept), so a round trip gains DELAY,
 * as netem on the target's egress would. The peer's answers pass at once.
 *
 *   node delay-proxy.js --delay MS [--jitter MS] LISTEN_PORT=PEER_IP:PEER_PORT ...
 *
 * Listens on 127.0.0.1, prints "ready" once every port listens, and runs until killed. Imports
 * nothing but node:net: it is run from the host, by the host's node.
 */
import net from 'node:net';

/** When a chunk received at `now` may leave: now + delay ± jitter, but never before the previous chunk. */
export function releaseAt(now: number, previous: number, delayMs: number, jitterMs: number, rand: number): number {
  const d = Math.max(0, delayMs + (rand * 2 - 1) * jitterMs);
  return Math.max(now + d, previous);
}

export interface ProxyMap {
  listen: number;
  host: string;
  port: number;
}

export function parseProxyArgs(argv: readonly string[]): { delayMs: number; jitterMs: number; maps: ProxyMap[] } {
  let delayMs = Number.NaN;
  let jitterMs = 0;
  const maps: ProxyMap[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--delay') delayMs = Number(argv[++i]);
    else if (a === '--jitter') jitterMs = Number(argv[++i]);
    else {
      const m = /^(\d+)=([\d.]+):(\d+)$/.exec(a);
      if (!m) throw new Error(`delay-proxy: bad argument "${a}": want LISTEN_PORT=PEER_IP:PEER_PORT`);
      maps.push({ listen: Number(m[1]), host: m[2]!, port: Number(m[3]) });
    }
  }
  if (!(delayMs >= 0) || !(jitterMs >= 0)) throw new Error('delay-proxy: --delay MS (and --jitter MS) must be numbers');
  if (maps.length === 0) throw new Error('delay-proxy: no LISTEN_PORT=PEER_IP:PEER_PORT given');
  return { delayMs, jitterMs, maps };
}

/** Proxies one accepted connection to host:port, delaying what the client sends. */
function relay(client: net.Socket, host: string, port: number, delayMs: number, jitterMs: number): void {
  const upstream = net.connect({ host, port, allowHalfOpen: true });
  let last = 0;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const close = () => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    client.destroy();
    upstream.destroy();
  };
  // Chunks leave in order from one queue, each at its own time.
  const queue: { at: number; chunk: Buffer | null }[] = [];
  const drain = () => {
    timer = undefined;
    while (queue.length > 0 && queue[0]!.at <= Date.now()) {
      const { chunk } = queue.shift()!;
      if (closed) return;
      if (chunk) upstream.write(chunk);
      else upstream.end();
    }
    if (queue.length > 0) timer = setTimeout(drain, queue[0]!.at - Date.now());
  };
  const push = (chunk: Buffer | null) => {
    last = chunk ? releaseAt(Date.now(), last, delayMs, jitterMs, Math.random()) : Math.max(last, Date.now());
    queue.push({ at: last, chunk });
    timer ??= setTimeout(drain, Math.max(0, queue[0]!.at - Date.now()));
  };
  client.on('data', (chunk) => push(chunk));
  // The client's FIN follows its data, delayed as it is.
  client.on('end', () => push(null));
  upstream.pipe(client);
  client.on('error', close);
  upstream.on('error', close);
  client.on('close', () => {
    if (queue.length === 0) close();
    else setTimeout(close, Math.max(0, last - Date.now()) + 10);
  });
  upstream.on('close', close);
}

export async function serve(
  maps: readonly ProxyMap[],
  delayMs: number,
  jitterMs: number,
  address = '127.0.0.1',
): Promise<net.Server[]> {
  return Promise.all(
    maps.map(
      (m) =>
        new Promise<net.Server>((resolve, reject) => {
          const s = net.createServer({ allowHalfOpen: true }, (c) => relay(c, m.host, m.port, delayMs, jitterMs));
          s.once('error', reject);
          s.listen(m.listen, address, () => resolve(s));
        }),
    ),
  );
}

const main = process.argv[1] && /delay-proxy\.js$/.test(process.argv[1]);
if (main) {
  try {
    const { delayMs, jitterMs, maps } = parseProxyArgs(process.argv.slice(2));
    await serve(maps, delayMs, jitterMs);
    process.stdout.write('ready\n');
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
  process.on('SIGTERM', () => process.exit(0));
  // The CLI that started it goes away: its pipes with it.
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
}

#!/usr/bin/env node
// Benchmark: what TLS and per-call authentication cost on the apiserver's gRPC hot paths, plain
// gRPC against TLS with a client certificate (in system:masters, as the plain server treats every
// caller, so that authorization costs the same), same process, same store, loopback.
// Prints figures, asserts nothing.
//  connect: a new channel's first call (TLS handshake + authentication), N=50, p50/p99.
//  unary:   Get of one pod on a warm channel, N=2000 one by one (p50/p99) and 16 in flight (calls/s).
//  watch fan-out: W watchers of pods (each its own channel, as each component has its own), then
//           E creates; time from the first create until every watcher has seen every event
//           (events/s delivered in total) and the process CPU time it took.
// One warm-up round per mode, then three rounds of each, alternating (the machine is shared: compare
// neighbouring rounds).
// Usage: npx tsc -b && node bench/grpc-tls.mjs   (W=50 E=200 to change the fan-out)
const pino = (await import('pino')).default;
const { ApiClient } = await import('@kubelab/client');
const { generatePki } = await import('@kubelab/client/pki');
const { issueClientCert } = await import('@kubelab/client/pki-certs');
const { MemoryStore } = await import('@kubelab/apiserver/storage/memory');
const { StoreRegistry } = await import('@kubelab/apiserver/registry/registry');
const { bootstrap } = await import('@kubelab/apiserver/registry/bootstrap');
const { startGrpcServer, stopGrpcServer } = await import('@kubelab/apiserver/grpc/server');

const W = Number(process.env.W ?? 50);
const E = Number(process.env.E ?? 200);
const log = pino({ level: 'silent' });

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (x) => `${x.toFixed(2)} ms`;
const pod = (name) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
});

async function run(mode, pki) {
  const registry = new StoreRegistry(new MemoryStore(), { log });
  await bootstrap(registry);
  const tls =
    mode === 'tls'
      ? { cert: pki.cert, key: pki.key, authn: { caCert: pki.caCert, adminToken: pki.token, tokens: [] } }
      : undefined;
  const { server, port } = await startGrpcServer({
    registry,
    port: 0,
    host: '127.0.0.1',
    log,
    ...(tls ? { tls } : {}),
  });
  const creds =
    mode === 'tls'
      ? {
          ca: pki.caCert,
          ...(await issueClientCert(
            { cert: pki.caCert, key: pki.caKey },
            { cn: 'kubelab-bench', o: ['system:masters'] },
          )),
        }
      : { insecure: true };
  const client = () => new ApiClient(`localhost:${port}`, { credentials: creds });
  const out = { mode };
  try {
    const main = client();
    await main.create('pods', pod('p0'));
    const connects = [];
    for (let i = 0; i < 50; i++) {
      const c = client();
      const t = performance.now();
      await c.get('pods', 'default', 'p0');
      connects.push(performance.now() - t);
      c.close();
    }
    out.connect = `p50 ${ms(pct(connects, 50))}, p99 ${ms(pct(connects, 99))}`;
    const lat = [];
    for (let i = 0; i < 2000; i++) {
      const t = performance.now();
      await main.get('pods', 'default', 'p0');
      lat.push(performance.now() - t);
    }
    const t0 = performance.now();
    let done = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (done < 4000) {
          done++;
          await main.get('pods', 'default', 'p0');
        }
      }),
    );
    out.unary = `p50 ${ms(pct(lat, 50))}, p99 ${ms(pct(lat, 99))}; 16 in flight ${(4000 / ((performance.now() - t0) / 1000)).toFixed(0)} calls/s`;

    const watchers = Array.from({ length: W }, () => client());
    const ac = new AbortController();
    const rv = (await main.list('pods', { namespace: 'default' })).resourceVersion;
    const seen = new Array(W).fill(0);
    let resolveAll;
    const all = new Promise((r) => (resolveAll = r));
    let finished = 0;
    const ready = watchers.map((w, i) =>
      (async () => {
        for await (const ev of w.watch('pods', { namespace: 'default', resourceVersion: rv }, ac.signal)) {
          if (ev.type === 'ADDED' && ++seen[i] === E && ++finished === W) resolveAll();
        }
      })().catch(() => undefined),
    );
    await new Promise((r) => setTimeout(r, 500)); // every watch attached
    const cpu0 = process.cpuUsage();
    const t1 = performance.now();
    for (let i = 1; i <= E; i++) await main.create('pods', pod(`w${i}`));
    await all;
    const secs = (performance.now() - t1) / 1000;
    const cpu = process.cpuUsage(cpu0);
    out.fanout = `${W} watchers x ${E} creates: all delivered in ${secs.toFixed(2)} s (${((W * E) / secs).toFixed(0)} events/s), CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s`;
    ac.abort();
    await Promise.all(ready);
    for (const w of watchers) w.close();
    main.close();
  } finally {
    await stopGrpcServer(server, 200);
    await registry.close();
  }
  return out;
}

const { setMaxListeners } = await import('node:events');
setMaxListeners(0);
const pki = await generatePki({ serviceCIDR: '10.96.0.0/12' });
await run('plain', pki); // warm-up (JIT, crypto), not printed
await run('tls', pki);
for (const mode of ['plain', 'tls', 'plain', 'tls', 'plain', 'tls']) {
  const r = await run(mode, pki);
  console.log(`${r.mode.padEnd(5)} connect+first call ${r.connect}`);
  console.log(`${''.padEnd(5)} unary Get ${r.unary}`);
  console.log(`${''.padEnd(5)} watch fan-out ${r.fanout}`);
}
process.exit(0);

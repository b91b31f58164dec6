// Runs inside a pod (node -e): one measurement against http://HOST:PORT, printed as JSON.
// MODE bulk: GET /bytes?n=BYTES on one connection → bytes/s. MODE rr: sequential keep-alive
// requests for SECONDS → latency p50/p99 (µs); then CONC parallel keep-alive connections → req/s.
// MODE conn: a new connection per request, CONC in parallel, for SECONDS → connections/s.
'use strict';
const http = require('node:http');
const [mode, host, port, arg] = process.argv.slice(1);
const now = () => Number(process.hrtime.bigint()) / 1e3;
const once = (agent, path) => new Promise((resolve, reject) => {
  http.get({ host, port: Number(port), path, agent }, (r) => { r.on('data', () => {}); r.on('end', resolve); r.on('error', reject); }).on('error', reject);
});
async function loop(seconds, conc, agentOf) {
  let n = 0;
  const end = now() + seconds * 1e6;
  await Promise.all(Array.from({ length: conc }, async (_, i) => { const a = agentOf(i); while (now() < end) { await once(a, '/'); n++; } }));
  return n / seconds;
}
async function main() {
  if (mode === 'bulk') {
    const bytes = Number(arg);
    const t0 = now();
    await once(false, `/bytes?n=${bytes}`);
    return { bytesPerSec: bytes / ((now() - t0) / 1e6) };
  }
  const seconds = Number(arg);
  if (mode === 'rr') {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < 200; i++) await once(agent, '/');
    const lat = [];
    const end = now() + seconds * 1e6;
    while (now() < end) { const t = now(); await once(agent, '/'); lat.push(now() - t); }
    lat.sort((a, b) => a - b);
    const agents = Array.from({ length: 4 }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
    const rate = await loop(seconds, 4, (i) => agents[i]);
    return { p50: lat[Math.floor(lat.length / 2)], p99: lat[Math.floor(lat.length * 0.99)], sequentialPerSec: lat.length / seconds, ratePerSec: rate };
  }
  if (mode === 'conn') return { connPerSec: await loop(seconds, 4, () => false) };
  throw new Error(`unknown mode ${mode}`);
}
main().then((r) => console.log(JSON.stringify(r)), (e) => { console.error(e.message); process.exit(1); });

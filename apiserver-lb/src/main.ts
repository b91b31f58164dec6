/**
 * apiserver-lb: the lab's one API endpoint on the host (the published API ports), balancing TCP
 * connections over every apiserver that answers its health check. Docker publishes one host
 * port from one container only; with several apiservers (the HA profile) something must pick
 * one per connection: this small health-checking proxy does (settings in config.ts).
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { runMain, sleep } from '@kubelab/client';
import { BackendPool } from './backends.js';
import { loadConfig } from './config.js';
import { HttpsChecker } from './health.js';
import { LbProxy } from './proxy.js';

const resolveAll = async (name: string): Promise<string[]> =>
  isIP(name) ? [name] : (await lookup(name, { all: true, family: 4 })).map((a) => a.address);

runMain('apiserver-lb', async (signal, log) => {
  const cfg = loadConfig();
  log.info({ backends: cfg.backends, ports: cfg.ports, healthPort: cfg.healthPort }, 'starting');
  const checker = new HttpsChecker(cfg.healthPort, cfg.healthPath, cfg.checkTimeoutMs);
  const pool = new BackendPool(cfg.backends, resolveAll, checker, log.child({ part: 'backends' }));
  await pool.refresh();
  const proxies = cfg.ports.map((p) => new LbProxy(p, p, pool, cfg.connectTimeoutMs, log));
  await Promise.all(proxies.map((p) => p.listen()));
  log.info({ ports: cfg.ports, backends: pool.snapshot() }, 'listening');
  while (!signal.aborted) {
    await sleep(cfg.checkIntervalMs, signal);
    if (!signal.aborted) await pool.refresh();
  }
  for (const p of proxies) p.close();
  checker.close();
});

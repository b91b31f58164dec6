/**
 * The balancer's health check: GET /readyz over HTTPS on each apiserver (open to anonymous
 * callers; the certificate is not checked: this only asks whether the process answers), on one
 * kept-alive connection per apiserver so that a check every second costs no TLS handshake.
 * 200 is ready, any other status unready, no answer within the timeout down.
 */
import https from 'node:https';
import type { Checker, Health } from './backends.js';

export class HttpsChecker implements Checker {
  private readonly agents = new Map<string, https.Agent>();

  constructor(
    private readonly port: number,
    private readonly path: string,
    private readonly timeoutMs: number,
  ) {}

  private agent(address: string): https.Agent {
    let a = this.agents.get(address);
    if (!a) {
      a = new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
      this.agents.set(address, a);
    }
    return a;
  }

  check(address: string): Promise<Exclude<Health, 'unknown'>> {
    return new Promise((resolve) => {
      const req = https.get(
        {
          host: address,
          port: this.port,
          path: this.path,
          agent: this.agent(address),
          timeout: this.timeoutMs,
          headers: { Accept: 'text/plain' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode === 200 ? 'ready' : 'unready'));
          res.on('error', () => resolve('down'));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        this.forget(address); // a fresh connection next time
        resolve('down');
      });
    });
  }

  forget(address: string): void {
    this.agents.get(address)?.destroy();
    this.agents.delete(address);
  }

  close(): void {
    for (const a of this.agents.keys()) this.forget(a);
  }
}

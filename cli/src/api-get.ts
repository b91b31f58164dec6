/** GET requests to the lab's Kubernetes API over HTTPS, trusting the lab's CA, with its admin token. */
import https from 'node:https';

export interface ApiAccess {
  /** https://host:port */
  url: string;
  /** PEM of the cluster CA. */
  caCert: string;
  token: string;
}

/** Status and body (parsed when JSON); undefined when the server does not answer (yet). */
export function apiGet(api: ApiAccess, path: string, timeoutMs = 5000): Promise<{ status: number; body: unknown } | undefined> {
  return new Promise((resolve) => {
    const req = https.get(new URL(path, api.url), { ca: api.caCert, headers: { Authorization: `Bearer ${api.token}`, Accept: 'application/json' }, agent: false, timeout: timeoutMs }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('error', () => resolve(undefined));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          /* not JSON (e.g. "ok") */
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(undefined));
  });
}

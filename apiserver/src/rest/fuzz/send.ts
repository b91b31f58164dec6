/** Sending one fuzz request over a keep-alive agent, with a deadline; transport failures are results too. */
import http from 'node:http';
import type { FuzzRequest } from './generator.js';

export type Outcome = { status: number; body: string } | { error: string };

const MAX_KEPT = 2_000;

export function send(base: URL, req: FuzzRequest, agent: http.Agent, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body) headers['content-length'] = req.body.length;
    const r = http.request(
      { host: base.hostname, port: base.port, method: req.method, path: req.path, headers, agent },
      (res) => {
        const status = res.statusCode ?? 0;
        if (req.watch) {
          // A watch that answered is all we check; drop the stream, as a client going away does.
          res.destroy();
          resolve({ status, body: '' });
          return;
        }
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (body.length < MAX_KEPT) body += c;
        });
        res.on('end', () => resolve({ status, body }));
        res.on('error', (e) => resolve({ error: `response: ${e.message}` }));
      },
    );
    r.setTimeout(timeoutMs, () => r.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    r.on('error', (e) => resolve({ error: e.message }));
    r.end(req.body);
  });
}

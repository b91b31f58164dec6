// Host-side probe: which pod answers a plain GET on a new connection (undefined: none).
import * as http from 'node:http';

export function whoAnswers(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path: '/', agent: false, timeout: timeoutMs }, (res) => {
      let b = '';
      res.on('data', (d) => (b += d));
      res.on('end', () => resolve(/^hello from (\S+)/.exec(b)?.[1] ?? 'other'));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

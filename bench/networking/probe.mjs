// Host-side probes: which pod answers a plain GET (new connection), and whether a TCP port has a
// listener (accepted: ECONNRESET from a listener without endpoints counts as programmed).
import * as http from 'node:http';
import * as net from 'node:net';

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

/** 'listening' (accepted, even if reset later), 'refused', or 'unreachable'. */
export function portState(host, port, timeoutMs = 500) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (v) => {
      s.destroy();
      resolve(v);
    };
    s.setTimeout(timeoutMs, () => done('unreachable'));
    s.once('connect', () => done('listening'));
    s.once('error', (e) => done(e.code === 'ECONNREFUSED' ? 'refused' : 'unreachable'));
  });
}

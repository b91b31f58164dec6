// kubelab/echo: a tiny HTTP server for tutorials and tests, plain Node.js without dependencies.
// Every request gets "hello from <pod name> (<pod ip>)\n". PORT (default 80) picks the port;
// POD_NAME / POD_IP override the host name and the first non-internal IPv4 address.
// Also: READY_PATH (default /ready) answers 200, or 503 after GET /admin/unready (until
// GET /admin/ready), for readiness probes; GET /bytes?n=N streams N zero bytes (benchmarks);
// a WebSocket upgrade on any path echoes every message back; UDP_PORT (default PORT) echoes
// each datagram back prefixed with the pod name ("<pod>: <data>"). LOG_REQUESTS=0 stops the
// per-request log line (benchmarks).
'use strict';
const crypto = require('node:crypto');
const dgram = require('node:dgram');
const http = require('node:http');
const os = require('node:os');

function firstIPv4() {
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return 'unknown';
}

const port = Number(process.env.PORT || 80);
const podName = process.env.POD_NAME || os.hostname();
const podIP = process.env.POD_IP || firstIPv4();

const readyPath = process.env.READY_PATH || '/ready';
const logRequests = process.env.LOG_REQUESTS !== '0';
let ready = true;
const ZEROS = Buffer.alloc(64 * 1024);

function streamZeros(res, n) {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': n });
  let left = n;
  const pump = () => {
    while (left > 0) {
      const chunk = left >= ZEROS.length ? ZEROS : ZEROS.subarray(0, left);
      left -= chunk.length;
      if (!res.write(chunk)) return res.once('drain', pump);
    }
    res.end();
  };
  pump();
}

function special(req, res) {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === readyPath) {
    res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' });
    res.end(ready ? 'ready\n' : 'not ready\n');
    return true;
  }
  if (url.pathname === '/admin/unready' || url.pathname === '/admin/ready') {
    ready = url.pathname === '/admin/ready';
    res.end(`${podName} ${ready ? 'ready' : 'unready'}\n`);
    return true;
  }
  if (url.pathname === '/bytes') {
    const n = Number(url.searchParams.get('n') || 0);
    streamZeros(res, Number.isSafeInteger(n) && n > 0 ? n : 0);
    return true;
  }
  return false;
}

const server = http.createServer((req, res) => {
  if (special(req, res)) return;
  const body = `hello from ${podName} (${podIP})\n`;
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
  if (logRequests) console.log(`${new Date().toISOString()} ${req.socket.remoteAddress} "${req.method} ${req.url} HTTP/${req.httpVersion}" 200`);
});

// WebSocket (RFC 6455) echo: text and binary messages come back as sent; ping → pong; close.
server.on('upgrade', (req, socket) => {
  const key = req.headers['sec-websocket-key'];
  if (String(req.headers.upgrade).toLowerCase() !== 'websocket' || !key) return socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
  const accept = crypto.createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nX-Pod: ${podName}\r\n\r\n`);
  let buf = Buffer.alloc(0);
  socket.on('error', () => socket.destroy());
  socket.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      if (buf.length < 2) return;
      const op = buf[0] & 0x0f;
      let len = buf[1] & 0x7f;
      let off = 2;
      if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
      else if (len === 127) { if (buf.length < 10) return; len = Number(buf.readBigUInt64BE(2)); off = 10; }
      const masked = (buf[1] & 0x80) !== 0;
      const need = off + (masked ? 4 : 0) + len;
      if (buf.length < need) return;
      const mask = masked ? buf.subarray(off, off + 4) : undefined;
      const payload = Buffer.from(buf.subarray(off + (masked ? 4 : 0), need));
      if (mask) for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
      buf = buf.subarray(need);
      if (op === 0x8) return socket.end(frame(0x8, payload));
      socket.write(frame(op === 0x9 ? 0xa : op, payload));
    }
  });
});

function frame(op, payload) {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x80 | op, n]) : n < 65536 ? Buffer.from([0x80 | op, 126, n >> 8, n & 255]) : Buffer.concat([Buffer.from([0x80 | op, 127]), (() => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(n)); return b; })()]);
  return Buffer.concat([head, payload]);
}

const udp = dgram.createSocket('udp4');
udp.on('message', (msg, from) => udp.send(Buffer.concat([Buffer.from(`${podName}: `), msg]), from.port, from.address));
udp.on('error', (err) => console.log(`udp: ${err.message}`));
udp.bind(Number(process.env.UDP_PORT || port));

server.listen(port, () => console.log(`echo listening on :${port} (tcp and udp) as ${podName} (${podIP})`));

function shutdown(signal) {
  console.log(`${signal}: shutting down`);
  udp.close();
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

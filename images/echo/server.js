// kubelab/echo: a tiny HTTP server for tutorials and tests, plain Node.js without dependencies.
// Every request gets "hello from <pod name> (<pod ip>)\n". PORT (default 80) picks the port;
// POD_NAME / POD_IP override the host name and the first non-internal IPv4 address.
'use strict';
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

const server = http.createServer((req, res) => {
  const body = `hello from ${podName} (${podIP})\n`;
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
  console.log(`${new Date().toISOString()} ${req.socket.remoteAddress} "${req.method} ${req.url} HTTP/${req.httpVersion}" 200`);
});

server.listen(port, () => console.log(`echo listening on :${port} as ${podName} (${podIP})`));

function shutdown(signal) {
  console.log(`${signal}: shutting down`);
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tunnelRoutes } from './tunnel.js';

test('tunnel routes: TCP ports of LoadBalancer Services with node ports; first by name wins a port', () => {
  const svc = (name: string, type: string, ports: { port: number; nodePort?: number; protocol?: string }[]) => ({
    metadata: { namespace: 'default', name },
    spec: { type, ports },
  });
  const routes = tunnelRoutes([
    svc('b', 'LoadBalancer', [{ port: 8080, nodePort: 30002 }]),
    svc('a', 'LoadBalancer', [
      { port: 8080, nodePort: 30001 },
      { port: 53, nodePort: 30003, protocol: 'UDP' },
    ]),
    svc('c', 'NodePort', [{ port: 9090, nodePort: 30004 }]),
  ]);
  assert.deepEqual(routes, [{ port: 8080, nodePort: 30001, service: 'default/a' }]);
});

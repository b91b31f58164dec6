/**
 * Integration test: `kubectl top nodes|pods` (1.27 and 1.33) against the REST facade over an
 * in-memory registry, with a KubeletConnector whose gRPC clients are fakes answering Stats.
 * Run with `node --test apiserver/dist/rest/metrics/metrics.itest.js`; traffic stays on 127.0.0.1.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { StatsResponse } from '@kubelab/proto';
import { KubeletConnector, type KubeletClient } from '../../kubelets/connector.js';
import { startRestServer } from '../server.js';
import { MemoryRegistry } from '../testing/memory-registry.js';
import { findKubectl, seed } from '../testing/harness.js';

const reg = new MemoryRegistry();
const ac = new AbortController();
const dir = mkdtempSync(join(tmpdir(), 'kubelab-metrics-'));
let server: Server;
let statsCalls = 0;

function fakeClient(): KubeletClient {
  const pods = reg.stored('pods').filter((p) => (p.spec as { nodeName?: string }).nodeName === 'node-1');
  const answer: StatsResponse = {
    nodeName: 'node-1',
    timestamp: new Date().toISOString(),
    nodeCpu: { usageNanoCores: 250_000_000, usageCoreNanoSeconds: 0 },
    nodeMemory: { workingSetBytes: 512 * 1024 * 1024, usageBytes: 0 },
    pods: pods.map((p) => ({
      pod: { namespace: p.metadata.namespace ?? '', name: p.metadata.name ?? '', uid: p.metadata.uid ?? '' },
      containers: [
        {
          name: 'c',
          startTime: '',
          cpu: { usageNanoCores: 3_000_000, usageCoreNanoSeconds: 0 },
          memory: { workingSetBytes: 20 * 1024 * 1024, usageBytes: 0 },
        },
      ],
    })),
  };
  return {
    Stats: (_req: unknown, cb: (err: null, res: StatsResponse) => void) => {
      statsCalls++;
      cb(null, answer);
    },
    close: () => {},
  } as unknown as KubeletClient;
}

function run(bin: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    HOME: dir,
    KUBECONFIG: join(dir, 'kubeconfig'),
    KUBECACHEDIR: join(dir, 'cache', bin.replace(/\W/g, '')),
  };
  return new Promise((resolve) => {
    execFile(bin, args, { env, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({
        code: err ? Number((err as { code?: unknown }).code) || 1 : 0,
        stdout: String(stdout),
        stderr: String(stderr),
      });
    });
  });
}

before(async () => {
  await seed(reg);
  const n = reg.stored('nodes')[0]!;
  await reg.updateStatus('nodes', '', 'node-1', {
    ...n,
    status: {
      ...(n.status as object),
      allocatable: { cpu: '4', memory: '8Gi' },
      capacity: { cpu: '4', memory: '8Gi' },
    },
  });
  const kubelets = new KubeletConnector({ registry: reg, log: pino({ level: 'silent' }), dial: fakeClient });
  server = await startRestServer({
    registry: reg,
    port: 0,
    host: '127.0.0.1',
    log: pino({ level: process.env['LOG_LEVEL'] ?? 'silent' }),
    signal: ac.signal,
    kubelets,
  });
  const port = (server.address() as AddressInfo).port;
  writeFileSync(
    join(dir, 'kubeconfig'),
    `apiVersion: v1\nkind: Config\nclusters:\n- cluster: {server: "http://127.0.0.1:${port}"}\n  name: k\ncontexts:\n- context: {cluster: k, user: me, namespace: default}\n  name: k\ncurrent-context: k\nusers:\n- name: me\n  user: {}\n`,
  );
});

after(async () => {
  const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
  ac.abort();
  await closed;
  rmSync(dir, { recursive: true, force: true });
});

for (const name of ['kubectl.1.27', 'kubectl.1.33']) {
  const bin = findKubectl(name);
  test(`${name} top nodes / pods`, { skip: bin ? false : `${name} not found` }, async () => {
    const nodes = await run(bin!, ['top', 'nodes']);
    assert.equal(nodes.code, 0, nodes.stderr);
    const lines = nodes.stdout
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/));
    // 1.27 heads the percentages CPU% / MEMORY%, newer ones CPU(%) / MEMORY(%).
    assert.deepEqual(
      lines[0]?.map((h) => h.replace(/\((%)\)/, '$1')),
      ['NAME', 'CPU(cores)', 'CPU%', 'MEMORY(bytes)', 'MEMORY%'],
    );
    // 250m of 4 cores = 6%; 512Mi of 8Gi = 6%.
    assert.deepEqual(lines[1], ['node-1', '250m', '6%', '512Mi', '6%']);

    const pods = await run(bin!, ['top', 'pods']);
    assert.equal(pods.code, 0, pods.stderr);
    const rows = pods.stdout
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/));
    assert.deepEqual(rows[0], ['NAME', 'CPU(cores)', 'MEMORY(bytes)']);
    assert.deepEqual(rows.slice(1).sort(), [
      ['crashing', '3m', '20Mi'],
      ['running', '3m', '20Mi'],
    ]);

    const one = await run(bin!, ['top', 'pod', 'running', '--containers']);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /running\s+c\s+3m\s+20Mi/);

    const missing = await run(bin!, ['top', 'pod', 'creating']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /podmetrics.metrics.k8s.io "default\/creating" not found/);
  });
}

test('repeated top calls are served from the cache', async () => {
  const before = statsCalls;
  const bin = findKubectl('kubectl.1.33') ?? findKubectl('kubectl');
  if (!bin) return;
  await run(bin, ['top', 'nodes']);
  await run(bin, ['top', 'nodes']);
  assert.ok(statsCalls - before <= 1, `stats asked ${statsCalls - before} times`);
});

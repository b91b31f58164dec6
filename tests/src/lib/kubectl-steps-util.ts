/** Shared pieces of the kubectl compatibility steps: scratch files, manifests, assertions, waits. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './kubectl.js';
import type { Kc } from './kubectl-matrix.js';

export interface Step {
  name: string;
  fn(c: Kc): Promise<void>;
}

export const tmp = mkdtempSync(join(tmpdir(), 'kubelab-kubectl-'));
export const file = (name: string, text: string): string => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};

export const deploy = (replicas: number, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web${extra}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 3, maxUnavailable: 1}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: echo
        image: kubelab/echo
        ports: [{containerPort: 80}]
`;
export const cm = (name: string, value: string) => `apiVersion: v1
kind: ConfigMap
metadata: {name: ${name}}
data: {key: "${value}"}
`;

export interface Pod {
  metadata: { name: string; deletionTimestamp?: string };
  status: { phase?: string; containerStatuses?: { restartCount: number; ready: boolean }[] };
}
export interface List<T> {
  items: T[];
}

export const header = (out: string, cols: string[]) => {
  const first = out.split('\n')[0] ?? '';
  assert.deepEqual(first.trim().split(/\s{2,}/), cols, `header of:\n${out}`);
};
export const match = (out: string, re: RegExp) => assert.match(out, re);

export async function runningPod(c: Kc, selector: string): Promise<string> {
  return waitFor(
    `a running ${selector} pod in ${c.ns}`,
    async () => {
      const l = await c.json<List<Pod>>(['get', 'pods', '-l', selector]);
      return l.items.find(
        (p) =>
          p.status.phase === 'Running' &&
          !p.metadata.deletionTimestamp &&
          p.status.containerStatuses?.every((s) => s.ready),
      )?.metadata.name;
    },
    60_000,
  );
}

export async function rsCount(c: Kc, selector: string): Promise<number> {
  return (await c.json<List<unknown>>(['get', 'rs', '-l', selector])).items.length;
}

/**
 * The "StatefulSet Basics" tutorial's objects with the lab's own image (busybox's httpd serving
 * /usr/share/nginx/html on port 80, in place of the tutorial's nginx-slim), and the waits its
 * steps need: pods of the set, their readiness, and reading a pod's index.html.
 */
import type { E2eLab } from './e2e-lab.js';
import { waitFor } from './kubectl.js';

export const WEB_IMAGE = 'kubelab/busybox';
/** The same image under another name: a template change for the rolling-update steps. */
export const WEB_IMAGE_2 = 'busybox';

/** Like nginx, httpd exits at SIGTERM (busybox's as PID 1 would ignore it and wait out the grace period). */
const HTTPD = `["sh", "-c", "trap 'exit 0' TERM; httpd -f -p 80 -h /usr/share/nginx/html & wait"]`;

export function webManifest(replicas = 2, extraSpec = ''): string {
  return `apiVersion: v1
kind: Service
metadata:
  name: nginx
  labels: {app: nginx}
spec:
  ports:
  - {port: 80, name: web}
  clusterIP: None
  selector: {app: nginx}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: "nginx"
  replicas: ${replicas}
  selector:
    matchLabels: {app: nginx}
${extraSpec}  template:
    metadata:
      labels: {app: nginx}
    spec:
      containers:
      - name: nginx
        image: ${WEB_IMAGE}
        command: ${HTTPD}
        ports:
        - {containerPort: 80, name: web}
        volumeMounts:
        - {name: www, mountPath: /usr/share/nginx/html}
  volumeClaimTemplates:
  - metadata:
      name: www
    spec:
      accessModes: ["ReadWriteOnce"]
      resources:
        requests:
          storage: 1Gi
`;
}

export interface PodView {
  metadata: {
    name: string;
    uid: string;
    creationTimestamp: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
  };
  spec: {
    nodeName?: string;
    containers: { image: string }[];
    volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[];
  };
  status: { phase?: string; conditions?: { type: string; status: string; lastTransitionTime?: string }[] };
}

export const isReady = (p: PodView): boolean =>
  p.status.phase === 'Running' &&
  !p.metadata.deletionTimestamp &&
  !!p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

export function readySince(p: PodView): number {
  const c = p.status.conditions?.find((x) => x.type === 'Ready' && x.status === 'True');
  return c?.lastTransitionTime ? Date.parse(c.lastTransitionTime) : Number.NaN;
}

export async function webPods(lab: E2eLab): Promise<Map<string, PodView>> {
  const list = await lab.kJson<{ items: PodView[] }>(['get', 'pods', '-l', 'app=nginx']);
  return new Map(list.items.map((p) => [p.metadata.name, p]));
}

/** Waits until exactly web-0 … web-(n-1) exist and are Running and Ready; returns them. */
export async function waitForWeb(lab: E2eLab, n: number, timeoutMs = 180_000): Promise<Map<string, PodView>> {
  return waitFor(
    `web-0 … web-${n - 1} Running and Ready`,
    async () => {
      const pods = await webPods(lab);
      const want = Array.from({ length: n }, (_, i) => `web-${i}`);
      return pods.size === n && want.every((w) => pods.get(w) && isReady(pods.get(w)!)) ? pods : undefined;
    },
    timeoutMs,
  );
}

/** The pod's index.html as its own httpd serves it. */
export async function served(lab: E2eLab, pod: string): Promise<string> {
  return (await lab.kOk(['exec', pod, '--', 'wget', '-qO-', 'http://localhost/'])).trim();
}

export async function writeHostname(lab: E2eLab, pod: string): Promise<void> {
  await lab.kOk(['exec', pod, '--', 'sh', '-c', 'echo "$(hostname)" > /usr/share/nginx/html/index.html']);
}

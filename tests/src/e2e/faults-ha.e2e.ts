/**
 * The fault suite's HA scenarios (issue 16, 9 and 10) on one `up --ha` lab, through the testkit
 * (the faults of `kubelab chaos`), never retried, each printing its recovery time beside its bound:
 *  9. the leading scheduler, then the leading controller-manager, crashed (SIGKILL, then kept
 *     down so that only the standby can take over): the standby holds the Lease within the lease
 *     duration plus the retry period, and then does the work (pending pods bound, each once; a
 *     scale-up completes, no pod made twice);
 * 10. the etcd raft leader stopped: a writer at 4 requests/s sees no failure; a second member
 *     stopped (quorum lost): every request answers 503 with Retry-After within a few seconds, none
 *     500, none hangs; both started again: writes resume, and no acknowledged write is lost (the
 *     final list and a watch kept open all along, checked by the testkit's watch history).
 */
import { afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { attach, recordWatch, stopExperiments, waitFor, type TestLab } from '@kubelab/testkit';
import type { AckedWrite } from '@kubelab/client/watch-history';
import { useE2eLab } from '../lib/e2e-lab.js';
import { E2E_ENV } from '../lib/lab.js';
import { deployment, live, recovered, seconds, spread } from '../lib/faults-lib.js';
import { etcdLeader, holderService, rawRequest, TAKEOVER_BOUND_MS, waitForEtcdQuorum } from '../lib/ha-lab.js';

interface Lease {
  spec: { holderIdentity?: string };
}

interface Event {
  reason: string;
  count?: number;
  involvedObject: { name: string };
}

/** One write of the etcd scenario: when it was sent, what came back, how long it took. */
interface Write {
  name: string;
  at: number;
  end: number;
  status: number; // 0: no answer within the timeout, or the connection failed
  retryAfter?: string;
  error?: string;
  rv?: number;
}

describe('faults (HA): leaders and etcd members lost', { timeout: 10 * 60_000 }, () => {
  useE2eLab(2, {}, { ha: true });
  let lab: TestLab;

  const holder = async (lease: string): Promise<string> =>
    (await lab.client.get<Lease>(`/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${lease}`)).spec
      .holderIdentity ?? '';

  afterEach(async () => {
    stopExperiments();
    await lab?.healAll();
  });

  before(async () => {
    lab = await attach({ project: E2E_ENV.KUBELAB_PROJECT, env: { ...E2E_ENV, KUBELAB_HA: '1' } });
    await lab.apply(deployment('web', 2));
    await waitFor(async () => (await lab.client.deployment('web')).status.availableReplicas === 2 || undefined, {
      timeout: 120_000,
      what: 'web available',
    });
  });

  /**
   * Crashes the holder of `lease` and keeps it down (SIGKILL as `chaos kill`, then `chaos stop` so
   * that Docker's restart policy does not bring it back as a second candidate); `takeover`
   * resolves with the new holder and the time from the kill.
   */
  async function crashLeader(lease: string) {
    const old = await waitFor(() => holder(lease), { timeout: 60_000, what: `${lease} held` });
    const service = holderService(old);
    const killed = await lab.inject({ kind: 'kill', target: service });
    await lab.inject({ kind: 'stop', target: service });
    const takeover = waitFor(
      async () => {
        const h = await holder(lease);
        return h && h !== old ? { next: h, tookMs: Date.now() - killed.at } : undefined;
      },
      { timeout: 60_000, interval: 100, what: `another holder of ${lease}` },
    );
    takeover.catch(() => undefined); // awaited by the test; no unhandled rejection meanwhile
    return { old, at: killed.at, takeover };
  }

  it('9a. the leading scheduler killed: the standby takes the Lease, then binds the pending pods, each once', async () => {
    const pending = deployment('pending', 10).replace(
      'image: kubelab/echo, ports: [{containerPort: 80}]',
      'image: kubelab/busybox, command: [sleep, "3600"]',
    );
    const c = await crashLeader('kube-scheduler');
    await lab.apply(pending); // while no scheduler leads: the pods wait
    const made = await waitFor(
      async () => {
        const ps = live(await lab.client.pods('default', 'app=pending'));
        return (ps.length === 10 && ps) || undefined;
      },
      { timeout: 60_000, what: '10 pods made' },
    );
    if ((await holder('kube-scheduler')) === c.old)
      assert.deepEqual(
        made.filter((p) => p.spec.nodeName).map((p) => p.metadata.name),
        [],
        "no pod bound while the Lease is still the dead leader's",
      );
    const t = { ...c, ...(await c.takeover) };
    const from = holderService(t.old);
    const to = holderService(t.next);
    console.log(`  leading ${from} killed → ${to} holds kube-scheduler after ${seconds(t.tookMs)}`);
    assert.notEqual(to, from, 'the standby took over (the old leader is kept down)');
    const pods = await waitFor(
      async () => {
        const ps = live(await lab.client.pods('default', 'app=pending'));
        return (ps.length === 10 && ps.every((p) => p.spec.nodeName) && ps) || undefined;
      },
      { timeout: 90_000, what: '10 pending pods bound' },
    );
    const bound = Date.now() - t.at;
    const names = new Set(pods.map((p) => p.metadata.name));
    // Each pod bound exactly once: one Scheduled event (count 1) per pod, and no FailedScheduling
    // (a second binding of a bound pod is refused, and the refusal is recorded as one).
    const counts = await waitFor(
      async () => {
        const evs = (await lab.client.list<Event>('/api/v1/namespaces/default/events')).filter((e) =>
          names.has(e.involvedObject.name),
        );
        const c = new Map<string, number>();
        for (const e of evs)
          c.set(
            `${e.reason} ${e.involvedObject.name}`,
            (c.get(`${e.reason} ${e.involvedObject.name}`) ?? 0) + (e.count ?? 1),
          );
        return [...names].every((n) => c.has(`Scheduled ${n}`)) ? c : undefined;
      },
      { timeout: 30_000, what: 'a Scheduled event for each pod' },
    );
    const twice = [...counts].filter(
      ([k, n]) => (k.startsWith('Scheduled ') && n !== 1) || k.startsWith('FailedScheduling '),
    );
    console.log(`  10 pods bound ${seconds(bound)} after the kill; spread ${JSON.stringify(spread(pods))}`);
    assert.deepEqual(twice, [], 'each pod scheduled once');
    assert.equal(live(await lab.client.pods('default', 'app=pending')).length, 10, 'no pod made twice');
    assert.ok(recovered('9 leading scheduler killed (standby holds the Lease)', t.tookMs, TAKEOVER_BOUND_MS));
    assert.ok(recovered('9 leading scheduler killed (10 pending pods bound)', bound, TAKEOVER_BOUND_MS + 30_000));
    await lab.kubectl(['delete', 'deployment', 'pending', '--wait=false']);
  });

  it('9b. the leading controller-manager killed: the standby takes the Lease, then a scale-up completes, once', async () => {
    const c = await crashLeader('kube-controller-manager');
    await lab.kubectl(['scale', 'deployment', 'web', '--replicas=5']); // while no controller-manager leads
    if ((await holder('kube-controller-manager')) === c.old)
      assert.equal(
        live(await lab.client.pods('default', 'app=web')).length,
        2,
        "no pod made while the Lease is still the dead leader's",
      );
    const t = { ...c, ...(await c.takeover) };
    const from = holderService(t.old);
    const to = holderService(t.next);
    console.log(`  leading ${from} killed → ${to} holds kube-controller-manager after ${seconds(t.tookMs)}`);
    assert.notEqual(to, from, 'the standby took over (the old leader is kept down)');
    await waitFor(
      async () => {
        const d = await lab.client.deployment('web');
        const ps = live(await lab.client.pods('default', 'app=web'));
        return (
          (d.status.availableReplicas === 5 && ps.length === 5 && ps.every((p) => p.status.phase === 'Running')) ||
          undefined
        );
      },
      { timeout: 120_000, what: 'web scaled to 5' },
    );
    const scaled = Date.now() - t.at;
    const rs = await lab.client.list<{ spec: { replicas: number } }>(
      '/apis/apps/v1/namespaces/default/replicasets',
      'app=web',
    );
    assert.deepEqual(
      rs.map((r) => r.spec.replicas),
      [5],
      'one ReplicaSet, scaled to 5',
    );
    // Nothing more comes: the new leader made the 3 missing pods once (a second pass would overshoot).
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal((await lab.client.pods('default', 'app=web')).length, 5, 'exactly 5 web pods, none made twice');
    assert.ok(recovered('9 leading controller-manager killed (standby holds the Lease)', t.tookMs, TAKEOVER_BOUND_MS));
    assert.ok(
      recovered('9 leading controller-manager killed (scale 2→5 complete)', scaled, TAKEOVER_BOUND_MS + 60_000),
    );
  });

  it('10. etcd: a member lost, no request fails; quorum lost, clean 503s; restored, no acknowledged write lost', async () => {
    const leader = await waitForEtcdQuorum();
    const rec = await recordWatch(lab.client, '/api/v1/namespaces/default/configmaps');
    const writes: Write[] = [];
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const name = `etcd-ha-${i}`;
        const body = JSON.stringify({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name },
          data: { i: String(i) },
        });
        const w: Write = { name, at: Date.now(), end: 0, status: 0 };
        try {
          const r = await rawRequest(lab.client.access, 'POST', '/api/v1/namespaces/default/configmaps', body, 15_000);
          Object.assign(w, { status: r.status, retryAfter: String(r.headers['retry-after'] ?? '') });
          if (r.status === 201)
            w.rv = Number((JSON.parse(r.body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion);
          else w.error = (JSON.parse(r.body) as { message?: string }).message ?? r.body.slice(0, 200);
        } catch (err) {
          w.error = (err as Error).message;
        }
        w.end = Date.now();
        writes.push(w);
        await new Promise((r) => setTimeout(r, Math.max(0, 250 - (w.end - w.at)))); // about 4 a second
      }
    })();
    /** The writes sent and answered within [from, to). */
    const within = (from: number, to: number) => writes.filter((w) => w.at >= from && w.end < to);
    const since = (t: number) => writes.filter((w) => w.at >= t).length;
    try {
      await waitFor(() => writes.length >= 4 || undefined, { timeout: 30_000, what: 'writes under way' });
      // One member lost: the raft leader, so that the two left must elect one.
      const first = await lab.inject({ kind: 'stop', target: leader });
      const next = await waitFor(
        async () => {
          const l = await etcdLeader();
          return l && l !== leader ? l : undefined;
        },
        { timeout: 30_000, interval: 100, what: 'a new etcd leader' },
      );
      const elected = Date.now() - first.at;
      await waitFor(() => since(first.at) >= 40 || undefined, { timeout: 60_000, what: '40 writes' });
      // Quorum lost: a second member stopped.
      const second = ['etcd', 'etcd-2', 'etcd-3'].find((s) => s !== leader && s !== next)!;
      const lost = await lab.inject({ kind: 'stop', target: second });
      const lostDone = Date.now();
      await waitFor(() => since(lostDone) >= 20 || undefined, { timeout: 120_000, what: '20 writes' });
      // Restored: both members started again.
      const healAt = Date.now();
      await lab.healAll();
      const back = await waitFor(() => writes.find((w) => w.at >= healAt && w.status === 201)?.end, {
        timeout: 90_000,
        what: 'a write acknowledged after the restore',
      });
      await waitFor(() => writes.filter((w) => w.at >= back && w.status === 201).length >= 10 || undefined, {
        timeout: 60_000,
        what: '10 more writes acknowledged after the restore',
      });
      stop = true;
      await writer;

      // Writes in flight across a change (sent before it, answered after) belong to neither side.
      const a = within(first.at, lost.at);
      const q = within(lostDone, healAt);
      const r = within(healAt, Number.POSITIVE_INFINITY);
      const slowest = (ws: Write[]) => `${Math.max(...ws.map((w) => w.end - w.at))} ms`;
      const failed = (ws: Write[]) =>
        ws.filter((w) => w.status !== 201).map((w) => `${w.name}: ${w.status} ${w.error}`);
      console.log(
        `  one member lost (${leader}, the raft leader): ${next} elected after ${seconds(elected)}; ${a.length} writes, ${failed(a).length} failed, slowest ${slowest(a)}`,
      );
      console.log(
        `  quorum lost (${second} stopped too): ${q.length} writes: ${JSON.stringify(count(q.map((w) => String(w.status))))}, slowest ${slowest(q)}; Retry-After ${[...new Set(q.map((w) => w.retryAfter))].join(',')}`,
      );
      assert.deepEqual(failed(a), [], 'with one member lost, no write fails');
      assert.ok(q.length >= 5, `${q.length} writes within the outage`);
      assert.deepEqual(
        q
          .filter((w) => w.status !== 503 || Number(w.retryAfter) < 1 || !/etcd is unavailable/.test(w.error ?? ''))
          .map((w) => `${w.name}: ${w.status} ${w.error}`),
        [],
        'every write in the outage refused with 503, Retry-After and "etcd is unavailable"',
      );
      // In flight across a change too: a 201 or a 503, never a 500 or no answer, and never slow.
      assert.deepEqual(
        writes.filter((w) => w.status !== 201 && w.status !== 503).map((w) => `${w.name}: ${w.status} ${w.error}`),
        [],
        'no 500 and no hang (no answer within 15 s)',
      );
      assert.ok(
        writes.every((w) => w.end - w.at <= 6_000),
        `every request answered within 6 s (slowest ${slowest(writes)})`,
      );

      // No acknowledged write lost: in the final list at its resourceVersion (or later), and seen by the watch.
      const acked: AckedWrite[] = writes
        .filter((w) => w.status === 201)
        .map((w) => ({ key: `default/${w.name}`, rv: w.rv!, type: 'put' }));
      const present = new Map(
        (
          await lab.client.list<{ metadata: { name: string; resourceVersion: string } }>(
            '/api/v1/namespaces/default/configmaps',
          )
        )
          .filter((c) => c.metadata.name.startsWith('etcd-ha-'))
          .map((c) => [`default/${c.metadata.name}`, Number(c.metadata.resourceVersion)]),
      );
      const missing = acked.filter((w) => !((present.get(w.key) ?? 0) >= w.rv));
      const refusedLanded = writes.filter((w) => w.status === 503 && present.has(`default/${w.name}`));
      const h = await rec.check(acked);
      console.log(
        `  restored: first write acknowledged ${seconds(back - healAt)} after the start; ${r.length} writes since, ${failed(r).length} refused; ${writes.length} writes in all, ${acked.length} acknowledged, ${missing.length} of them missing from the list; ${refusedLanded.length} refused ones present anyway (in flight as quorum went); watch: ${h.text}`,
      );
      assert.deepEqual(missing, [], 'no acknowledged write lost');
      assert.ok(h.ok, h.text);
      assert.ok(recovered('10 etcd leader lost (a new one elected)', elected, 10_000));
      assert.ok(recovered('10 etcd quorum lost, members started (writes again)', back - healAt, 60_000));
    } finally {
      stop = true;
      await writer;
    }
  });
});

function count(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}

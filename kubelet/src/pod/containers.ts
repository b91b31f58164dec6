/**
 * One container of a running pod, level-triggered: start it when it has no instance, keep the
 * running one (never two), replace one whose spec changed or that sits in an old sandbox, kill
 * one that failed its liveness or startup probe, and restart an exited one as its restart policy
 * says, with back-off (crashloop.ts). An instance is pod uid + container name + restart count.
 */
import type { Container } from '@kubelab/api';
import { errMessage } from '../api.js';
import { containerHash } from '../podspec.js';
import { probeOf } from '../probes/types.js';
import type { RuntimeContainer } from '../runtime/runtime.js';
import { shouldRestart } from '../status.js';
import { sameId, type SandboxSync } from './context.js';
import { restartAllowed } from './crashloop.js';
import { startContainer } from './start.js';
import { destroy, prune } from './teardown.js';

/** Brings the container's instances (newest first) in line with its spec and restart policy. */
export async function syncContainer(
  ctx: SandboxSync,
  spec: Container,
  instances: RuntimeContainer[],
  restartPolicy: string | undefined = ctx.pod.spec.restartPolicy,
): Promise<void> {
  const { runtime } = ctx.deps;
  const { sandbox } = ctx;
  const log = ctx.containerLog(spec);
  // Never two running copies: keep the newest.
  const running = instances.filter((c) => c.state === 'running');
  for (const dup of running.slice(1)) {
    log.warn({ id: dup.id.slice(0, 12) }, 'removing a duplicate running container');
    await destroy(runtime, dup, ctx.grace);
  }
  let live = instances.filter((c) => !running.slice(1).includes(c));
  let cur = live[0];

  if (cur && cur.state === 'created') {
    if (sameId(cur.sandboxId, sandbox.id)) {
      try {
        await runtime.start(cur.id);
      } catch (err) {
        log.warn({ err: errMessage(err) }, 'start failed');
        ctx.requeue(0);
      }
      return;
    }
    await runtime.remove(cur.id);
    live = live.slice(1);
    cur = live[0];
  }
  if (!cur) {
    // Removed behind our back (docker rm): the restart count goes on from the reported one.
    const reported = ctx.pod.status?.containerStatuses?.find((s) => s.name === spec.name);
    return startContainer(ctx, spec, reported?.containerID ? reported.restartCount + 1 : 0, []);
  }

  if (cur.state === 'running') {
    let why: string | undefined;
    if (!sameId(cur.sandboxId, sandbox.id)) why = 'container is in an old sandbox';
    else if (cur.hash && cur.hash !== containerHash(spec)) why = 'container spec changed';
    if (why) {
      log.info({ id: cur.id.slice(0, 12) }, `${why}; it will be replaced`);
      if (why === 'container spec changed')
        ctx.event('Normal', 'Killing', `Container ${spec.name} definition changed, will be restarted`);
      await ctx.deps.killer.killContainer(ctx.pod, spec, cur, ctx.grace, sandbox.ip);
      return startContainer(ctx, spec, cur.restartCount + 1, live);
    }
    const stopped = await killIfUnhealthy(ctx, spec, cur, restartPolicy);
    if (stopped === 'healthy') return prune(runtime, live.slice(1));
    if (stopped === 'not yet') return ctx.requeue(0);
    cur = stopped;
  }
  if (cur.state !== 'exited') return; // unknown: look again next sync

  if (!shouldRestart(restartPolicy, cur.exitCode ?? 0)) return prune(runtime, live.slice(1));
  if (!restartAllowed(ctx, spec, cur)) return;
  log.info({ exitCode: cur.exitCode, restartCount: cur.restartCount + 1 }, 'restarting container');
  await startContainer(ctx, spec, cur.restartCount + 1, live);
}

/**
 * Kills the running instance when its liveness or startup probe failed (with the probe's grace
 * period if it has one); returns it as stopped, or 'not yet' when it has not stopped yet.
 */
async function killIfUnhealthy(
  ctx: SandboxSync,
  spec: Container,
  cur: RuntimeContainer,
  restartPolicy: string | undefined,
): Promise<RuntimeContainer | 'healthy' | 'not yet'> {
  const bad = ctx.deps.probes?.unhealthy(ctx.uid, spec.name, cur.id);
  if (!bad) return 'healthy';
  const restart = restartPolicy !== 'Never';
  ctx.containerLog(spec).info({ id: cur.id.slice(0, 12), probe: bad }, `container failed its ${bad} probe; killing it`);
  ctx.event('Normal', 'Killing', `Container ${spec.name} failed ${bad} probe${restart ? ', will be restarted' : ''}`);
  const probeGrace = probeOf(spec, bad)?.terminationGracePeriodSeconds;
  await ctx.deps.killer.killContainer(
    ctx.pod,
    spec,
    cur,
    typeof probeGrace === 'number' && probeGrace >= 0 ? probeGrace : ctx.grace,
    ctx.sandbox.ip,
  );
  const stopped = await ctx.deps.runtime.inspect(cur.id);
  return stopped && stopped.state === 'exited' ? stopped : 'not yet';
}

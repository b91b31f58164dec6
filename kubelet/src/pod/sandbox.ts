/**
 * Step 1 of a pod sync: the pod's sandbox, the pause container that owns the pod's IP and
 * network namespace. Keeps the one running sandbox, removes dead or superfluous ones, and makes
 * a new one when there is none (the runtime builds it: runtime/sandboxspec.ts on Docker). A new
 * sandbox means every container of the pod starts again in it.
 */
import { errMessage } from '../api.js';
import { ImagePullError } from '../images.js';
import { SANDBOX_NAME, type RuntimeContainer, type Sandbox } from '../runtime/runtime.js';
import { instancesOf } from '../status.js';
import type { SyncContext } from './context.js';

/** Returns the running sandbox, creating one when there is none; undefined = not now. */
export async function ensureSandbox(ctx: SyncContext, containers: RuntimeContainer[]): Promise<Sandbox | undefined> {
  const { runtime, network, pauseImage } = ctx.deps;
  const pauses = instancesOf(containers, SANDBOX_NAME);
  const alive = pauses.find((p) => p.state === 'running' && p.networks[network]);
  for (const p of pauses) {
    if (p === alive) continue;
    ctx.log.info(
      { id: p.id.slice(0, 12), state: p.state },
      alive ? 'removing a superfluous sandbox' : 'removing a dead sandbox',
    );
    await runtime.remove(p.id);
  }
  if (alive) return { id: alive.id, ip: alive.networks[network]! };

  const apps = containers.filter((c) => c.containerName !== SANDBOX_NAME);
  const running = apps.filter((c) => c.state === 'running');
  // Upstream: a pod that must not restart does not get a new sandbox once its containers ran.
  if (ctx.pod.spec.restartPolicy === 'Never' && apps.length > 0) {
    ctx.log.info('sandbox is gone and restartPolicy is Never; stopping the containers');
    await Promise.all(running.map((c) => runtime.stop(c.id, ctx.grace)));
    return undefined;
  }
  const attempt = pauses.length > 0 ? Math.max(...pauses.map((p) => p.restartCount)) + 1 : 0;
  if (pauses.length > 0 || apps.length > 0) {
    ctx.log.info('pod sandbox changed, it will be killed and re-created');
    ctx.eventOnce(
      ctx.key(`${SANDBOX_NAME}#changed`),
      `changed:${attempt}`,
      'Normal',
      'SandboxChanged',
      'Pod sandbox changed, it will be killed and re-created.',
    );
  }
  await Promise.all(running.map((c) => runtime.stop(c.id, ctx.grace)));
  try {
    await ctx.deps.images.ensure(ctx.uid, pauseImage, 'IfNotPresent');
    const sb = await runtime.createPause(ctx.pod, attempt);
    ctx.log.info({ id: sb.id.slice(0, 12), ip: sb.ip, attempt }, 'sandbox started');
    return sb;
  } catch (err) {
    ctx.log.warn({ err: errMessage(err), image: pauseImage }, 'FailedCreatePodSandBox');
    ctx.eventOnce(
      ctx.key(`${SANDBOX_NAME}#failed`),
      `sandbox:${errMessage(err)}`,
      'Warning',
      'FailedCreatePodSandBox',
      `Failed to create pod sandbox: ${errMessage(err)}`,
    );
    ctx.requeue(
      err instanceof ImagePullError && err.retryInMs !== undefined ? err.retryInMs : ctx.deps.crashLoop.baseMs,
    );
    return undefined;
  }
}

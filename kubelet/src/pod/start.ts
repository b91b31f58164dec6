/**
 * Starting a container in the pod's sandbox: its image, its config (env, mounts), create, start
 * and the postStart hook, each failure with upstream's waiting reason (CreateContainerConfigError,
 * CreateContainerError, PostStartHookError) and a time to try again.
 */
import type { Container } from '@kubelab/api';
import { errMessage } from '../api.js';
import { hookOf } from '../hooks.js';
import type { ContainerConfig, RuntimeContainer } from '../runtime/runtime.js';
import type { SandboxSync } from './context.js';
import { pullImage } from './imageerrors.js';
import { prune } from './teardown.js';

/** Pull, create and start instance `restartCount`; then drop older instances but the newest one. */
export async function startContainer(
  ctx: SandboxSync,
  spec: Container,
  restartCount: number,
  older: RuntimeContainer[],
): Promise<void> {
  const { runtime, configs, createErrors, crashLoop, hooks } = ctx.deps;
  const key = ctx.key(spec.name);
  const log = ctx.containerLog(spec);
  const now = ctx.deps.clock.now();
  const ce = createErrors.get(key);
  if (ce && now - ce.at < crashLoop.baseMs) {
    ctx.waiting(spec.name, 'CreateContainerError', ce.message);
    ctx.requeue(crashLoop.baseMs - (now - ce.at));
    return;
  }
  if (!(await pullImage(ctx, spec))) return;
  let config: ContainerConfig;
  try {
    config = await configs.build(ctx.pod, spec, ctx.sandbox.ip);
  } catch (err) {
    // A missing ConfigMap/Secret (or the apiserver being away): try again after a while.
    const message = errMessage(err);
    log.warn({ err: message }, 'CreateContainerConfigError');
    ctx.eventOnce(`${key}#config`, message, 'Warning', 'Failed', `Error: ${message}`);
    ctx.waiting(spec.name, 'CreateContainerConfigError', message);
    ctx.requeue(crashLoop.baseMs);
    return;
  }
  ctx.deps.events.clear(`${key}#config`);
  let id: string;
  try {
    id = await runtime.createContainer(ctx.pod, spec, ctx.sandbox.id, restartCount, config);
  } catch (err) {
    const message = errMessage(err);
    log.warn({ err: message }, 'CreateContainerError');
    createErrors.set(key, { message, at: now });
    ctx.event('Warning', 'Failed', `Error: ${message}`);
    ctx.waiting(spec.name, 'CreateContainerError', message);
    ctx.requeue(crashLoop.baseMs);
    return;
  }
  createErrors.delete(key);
  ctx.event('Normal', 'Created', `Created container: ${spec.name}`);
  try {
    await runtime.start(id);
    log.info({ id: id.slice(0, 12), restartCount }, 'container started');
    ctx.event('Normal', 'Started', `Started container ${spec.name}`);
    if (hooks && hookOf(spec, 'postStart')) {
      const failure = await hooks.run('postStart', ctx.pod, spec, id, ctx.sandbox.ip, hooks.postStartTimeoutMs());
      if (failure !== undefined) {
        // Upstream: the container is killed and then handled like any exited container.
        ctx.event('Normal', 'Killing', 'FailedPostStartHook');
        await runtime.stop(id, ctx.grace);
        ctx.waiting(spec.name, 'PostStartHookError', failure);
        ctx.requeue(0);
      }
    }
  } catch (err) {
    // The container stays, exited with the error: the next sync restarts it with back-off.
    log.warn({ err: errMessage(err) }, 'container failed to start');
    ctx.event('Warning', 'Failed', `Error: ${errMessage(err)}`);
    ctx.requeue(0);
  }
  await prune(runtime, older);
}

/**
 * A container's image before it is created, with upstream's waiting reasons and events when it
 * is not there: ErrImagePull, then ImagePullBackOff until the pull back-off has passed (images.ts
 * keeps it), ErrImageNeverPull, InvalidImageName.
 */
import type { Container } from '@kubelab/api';
import { ImagePullError } from '../images.js';
import { pullPolicyOf } from '../podspec.js';
import type { SyncContext } from './context.js';

/** Makes the image present per the pull policy; false (with the reason recorded) when it is not. */
export async function pullImage(ctx: SyncContext, spec: Container): Promise<boolean> {
  const key = ctx.key(spec.name);
  try {
    const img = await ctx.deps.images.ensure(ctx.uid, spec.image, pullPolicyOf(spec));
    ctx.event(
      'Normal',
      'Pulled',
      img.pulled
        ? `Successfully pulled image "${spec.image}"`
        : `Container image "${spec.image}" already present on machine`,
    );
    return true;
  } catch (err) {
    if (!(err instanceof ImagePullError)) throw err;
    ctx.waiting(spec.name, err.reason, err.message);
    if (err.retryInMs !== undefined) ctx.requeue(err.retryInMs);
    const now = ctx.deps.clock.now();
    if (err.reason === 'ImagePullBackOff')
      ctx.eventOnce(key, 'ImagePullBackOff', 'Normal', 'BackOff', `Back-off pulling image "${spec.image}"`);
    else if (err.reason === 'ErrImageNeverPull')
      ctx.eventOnce(key, `${err.reason}@${now}`, 'Warning', 'ErrImageNeverPull', err.message);
    else
      ctx.eventOnce(
        key,
        `${err.reason}@${now}`,
        'Warning',
        'Failed',
        err.reason === 'ErrImagePull' ? `Failed to pull image "${spec.image}": ${err.message}` : err.message,
      );
    return false;
  }
}

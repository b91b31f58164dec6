/**
 * Image pulls with upstream's waiting reasons: a failed pull is ErrImagePull, and until its
 * back-off (per pod and image) has passed the container shows ImagePullBackOff without a new
 * attempt. A failed pull asks to be looked at again after half a base back-off (at most half the
 * current one), so the status moves on to ImagePullBackOff for the rest of the wait instead of
 * showing ErrImagePull until the next attempt. For policy Always a failed refresh of a present
 * image is remembered for a while, so an offline lab does not wait for the registry on every
 * restart.
 */
import type { Logger } from 'pino';
import type { Clock } from '@kubelab/api';
import { RestartBackoff } from './backoff.js';
import { ImageError, type ContainerRuntime, type PullPolicy } from './runtime/runtime.js';

export type ImageWaitingReason = 'ErrImagePull' | 'ImagePullBackOff' | 'ErrImageNeverPull' | 'InvalidImageName';

export class ImagePullError extends Error {
  constructor(
    readonly reason: ImageWaitingReason,
    message: string,
    /** When to try again (ms from now); undefined = on the next sync. */
    readonly retryInMs?: number,
  ) {
    super(message);
    this.name = 'ImagePullError';
  }
}

interface Failure {
  reason: string;
  message: string;
  at: number;
}

export class ImageManager {
  private readonly failures = new Map<string, Failure>();
  private readonly refreshFailedAt = new Map<string, number>();
  private readonly backoff: RestartBackoff;

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly clock: Clock,
    backoff: { baseMs: number; maxMs: number },
    private readonly log: Logger,
    /** How long a failed refresh pull (policy Always, image present) is not retried. */
    private readonly refreshQuietMs = 5 * 60_000,
  ) {
    this.backoff = new RestartBackoff(clock, backoff.baseMs, backoff.maxMs);
  }

  /** Returns the image id and whether it was pulled, or throws ImagePullError (other errors: the runtime is in trouble). */
  async ensure(podUid: string, image: string, policy: PullPolicy): Promise<{ imageId: string; pulled: boolean }> {
    const key = `${podUid}/${image}`;
    const f = this.failures.get(key);
    if (f) {
      const wait = this.backoff.remaining(key, f.at);
      if (wait > 0)
        throw new ImagePullError(
          'ImagePullBackOff',
          `Back-off pulling image "${image}": ${f.reason}: ${f.message}`,
          wait,
        );
    }
    let effective = policy;
    const refreshFailed = this.refreshFailedAt.get(image);
    if (policy === 'Always' && refreshFailed !== undefined && this.clock.now() - refreshFailed < this.refreshQuietMs)
      effective = 'IfNotPresent';
    try {
      const r = await this.runtime.ensureImage(image, effective);
      this.failures.delete(key);
      this.backoff.reset(key);
      if (r.pullError) {
        this.refreshFailedAt.set(image, this.clock.now());
        this.log.info({ image, err: r.pullError }, 'image pull failed; using the image present on the node');
      } else if (r.pulled) {
        this.refreshFailedAt.delete(image);
      }
      return { imageId: r.imageId, pulled: r.pulled };
    } catch (err) {
      if (!(err instanceof ImageError)) throw err;
      if (err.reason !== 'ErrImagePull') throw new ImagePullError(err.reason, err.message);
      const now = this.clock.now();
      this.backoff.next(key, now);
      this.failures.set(key, { reason: err.reason, message: err.message, at: now });
      this.log.warn({ image, podUid, err: err.message }, 'image pull failed');
      throw new ImagePullError(
        'ErrImagePull',
        err.message,
        Math.ceil(Math.min(this.backoff.delay(key), this.backoff.baseMs) / 2),
      );
    }
  }

  forgetPod(podUid: string): void {
    for (const k of [...this.failures.keys()]) if (k.startsWith(`${podUid}/`)) this.failures.delete(k);
    this.backoff.forgetPrefix(`${podUid}/`);
  }
}

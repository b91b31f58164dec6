/**
 * Images on Docker for the DockerRuntime: the local lookup (briefly cached: every pod start asks
 * for its images), pulls per pull policy with their own deadlines on the slow lane, and the
 * imageID reference a container status reports.
 */
import type Dockerode from 'dockerode';
import type { Logger } from 'pino';
import { drainProgress } from './jsonlines.js';
import type { Semaphore } from './limiter.js';
import { ImageError, RuntimeError, type ImageResult, type PullPolicy } from './runtime.js';

/** The runtime's way of making one Docker call (a lane slot, a deadline, errors as RuntimeError). */
export type DockerCall = <T>(
  what: string,
  fn: (signal: AbortSignal) => Promise<T>,
  opts?: { timeoutMs?: number; lane?: Semaphore },
) => Promise<T>;

export interface DockerImagesOptions {
  docker: Dockerode;
  call: DockerCall;
  /** The lane pulls go through. */
  slow: Semaphore;
  /** Deadline of a pull of a missing image. */
  pullTimeoutMs: number;
  /** Deadline of the refreshing pull of policy Always when a local copy exists. */
  refreshPullTimeoutMs: number;
  log: Logger;
}

/** How long a local image lookup is reused (pulls and failures refresh it). */
const LOCAL_IMAGE_TTL_MS = 10_000;

export class DockerImages {
  private readonly refs = new Map<string, string>();
  private readonly localImages = new Map<string, { id: string; at: number }>();

  constructor(private readonly o: DockerImagesOptions) {}

  /** docker-pullable://repo@digest when the image came from a registry, else its id. */
  async ref(imageId: string): Promise<string> {
    const hit = this.refs.get(imageId);
    if (hit) return hit;
    let ref = imageId;
    try {
      const img = await this.o.call(
        `inspect image ${imageId.length > 19 ? imageId.slice(0, 19) : imageId}`,
        (abortSignal) => this.o.docker.getImage(imageId).inspect({ abortSignal } as Dockerode.ImageInspectOptions),
      );
      const digest = img.RepoDigests?.[0];
      if (digest) ref = `docker-pullable://${digest}`;
    } catch {
      return ref; // not cached: try again next time
    }
    this.refs.set(imageId, ref);
    return ref;
  }

  private async localImage(image: string, fresh = false): Promise<string | undefined> {
    const hit = this.localImages.get(image);
    if (!fresh && hit && Date.now() - hit.at < LOCAL_IMAGE_TTL_MS) return hit.id;
    try {
      const img = await this.o.call(`inspect image ${image}`, (abortSignal) =>
        this.o.docker.getImage(image).inspect({ abortSignal } as Dockerode.ImageInspectOptions),
      );
      if (this.localImages.size > 1000) this.localImages.clear();
      this.localImages.set(image, { id: img.Id, at: Date.now() });
      return img.Id;
    } catch (err) {
      this.localImages.delete(image);
      if (err instanceof RuntimeError && err.status === 404) return undefined;
      throw err;
    }
  }

  private async pull(image: string, timeoutMs: number): Promise<void> {
    await this.o.call(
      `pull ${image}`,
      async (abortSignal) => {
        const stream = (await this.o.docker.pull(image, { abortSignal })) as NodeJS.ReadableStream & {
          destroy?: () => void;
        };
        abortSignal.addEventListener('abort', () => stream.destroy?.(), { once: true });
        await drainProgress(stream as AsyncIterable<unknown>);
      },
      { timeoutMs, lane: this.o.slow },
    );
  }

  async ensure(image: string, policy: PullPolicy): Promise<ImageResult> {
    if (!image || /\s/.test(image))
      throw new ImageError(
        'InvalidImageName',
        `Failed to apply default image tag "${image}": couldn't parse image name "${image}": invalid reference format`,
      );
    const local = await this.localImage(image);
    if (policy === 'Never') {
      if (local) return { imageId: local, pulled: false };
      throw new ImageError('ErrImageNeverPull', `Container image "${image}" is not present with pull policy of Never`);
    }
    if (local && policy === 'IfNotPresent') return { imageId: local, pulled: false };
    if (local) {
      try {
        await this.pull(image, this.o.refreshPullTimeoutMs);
        return { imageId: (await this.localImage(image, true)) ?? local, pulled: true };
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        this.o.log.info({ image, err: msg }, 'pull failed; using the local image');
        return { imageId: local, pulled: false, pullError: msg };
      }
    }
    try {
      await this.pull(image, this.o.pullTimeoutMs);
    } catch (err) {
      throw new ImageError('ErrImagePull', err instanceof Error ? err.message : String(err));
    }
    const id = await this.localImage(image, true);
    if (!id) throw new ImageError('ErrImagePull', `image "${image}" is still missing after a successful pull`);
    return { imageId: id, pulled: true };
  }
}

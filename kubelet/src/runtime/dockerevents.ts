/**
 * The engine's event stream of this node's containers (start, die, destroy, oom) for the
 * DockerRuntime, which keeps its caches right from it.
 */
import type Dockerode from 'dockerode';
import { jsonLines } from './jsonlines.js';
import { toEvent, toRuntimeError } from './dockerconvert.js';
import { LABELS, RuntimeError, type RuntimeEvent } from './runtime.js';

export interface DockerEventsOptions {
  docker: Dockerode;
  cluster: string;
  node: string;
  /** Deadline of the connect. */
  timeoutMs: number;
  /** Called with true once changes are seen from now on, with false when the stream ends. */
  live(on: boolean): void;
}

/** Events until the signal aborts (then it just ends) or the stream breaks (then it throws RuntimeError). */
export async function* dockerEvents(o: DockerEventsOptions, signal: AbortSignal): AsyncGenerator<RuntimeEvent> {
  if (signal.aborted) return;
  const ac = new AbortController();
  const onAbort = (): void => ac.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const connectTimer = setTimeout(() => ac.abort(), o.timeoutMs);
  let stream: (NodeJS.ReadableStream & { destroy?: () => void }) | undefined;
  try {
    stream = (await o.docker.getEvents({
      filters: {
        type: ['container'],
        event: ['start', 'die', 'destroy', 'oom'],
        label: [`${LABELS.cluster}=${o.cluster}`, `${LABELS.node}=${o.node}`],
      },
      abortSignal: ac.signal,
    } as Dockerode.GetEventsOptions)) as NodeJS.ReadableStream & { destroy?: () => void };
    clearTimeout(connectTimer);
    ac.signal.addEventListener('abort', () => stream?.destroy?.(), { once: true });
    // Changes from now on are seen; lists taken before this moment may have missed some.
    o.live(true);
    for await (const raw of jsonLines(stream as AsyncIterable<unknown>)) {
      const ev = toEvent(raw);
      if (ev) yield ev;
    }
  } catch (err) {
    if (signal.aborted) return;
    if (ac.signal.aborted && !stream) throw new RuntimeError(`docker events: timed out after ${o.timeoutMs / 1000}s`);
    throw toRuntimeError('events', err);
  } finally {
    o.live(false);
    clearTimeout(connectTimer);
    signal.removeEventListener('abort', onAbort);
    stream?.destroy?.();
  }
}

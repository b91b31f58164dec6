/**
 * Gives a busy spell's memory back once the process is quiet again. Under allocation V8 grows the
 * young generation (up to --max-semi-space-size) and keeps it grown while the process idles: an
 * apiserver that had served its start-up kept ~40 MB it no longer used. Every `intervalMs` this
 * looks at how busy the event loop was over the last interval and how large the young generation
 * is; when the process was quiet and the young generation is larger than it was after the last
 * collection (and than `minYoungBytes`), one memory-reducing full collection runs (the inspector's
 * HeapProfiler.collectGarbage, in process: no port is opened), which shrinks it again. A busy
 * process, or one whose young generation stays small, is left alone.
 */
import { Session } from 'node:inspector';
import { performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import type { Logger } from 'pino';

export interface IdleGcOptions {
  /** Default 10 s. */
  intervalMs?: number;
  /** Event-loop utilization (0–1) over an interval at or below which the process was quiet (default 0.05). */
  quiet?: number;
  /** The young generation's size above which a quiet process collects (default 4 MiB; V8 starts it at 1). */
  minYoungBytes?: number;
  /** Utilization since the last call (default: the event loop's, from perf_hooks). */
  utilization?: () => number;
  /** The young generation's size now (default: V8's new_space). */
  youngBytes?: () => number;
  /** The collection (default: collectGarbage). */
  collect?: () => Promise<void>;
  log?: Logger;
}

/** Whether to collect now: quiet, and the young generation grown past both floors. */
export function shouldCollect(utilization: number, young: number, floor: number, quiet: number, min: number): boolean {
  return utilization <= quiet && young > Math.max(min, floor);
}

/** Starts the checks; returns their stop. */
export function startIdleGc(opts: IdleGcOptions = {}): () => void {
  const quiet = opts.quiet ?? 0.05;
  const min = opts.minYoungBytes ?? 4 * 2 ** 20;
  const utilization = opts.utilization ?? eventLoopUtilization();
  const youngBytes = opts.youngBytes ?? newSpaceBytes;
  const collect = opts.collect ?? collectGarbage;
  /** The young generation's size after the last collection: one that did not shrink it is not repeated. */
  let floor = 0;
  let running = false;
  const timer = setInterval(() => {
    const young = youngBytes();
    if (running || !shouldCollect(utilization(), young, floor, quiet, min)) return;
    running = true;
    const t0 = performance.now();
    collect().then(
      () => {
        running = false;
        floor = youngBytes();
        opts.log?.debug(
          { ms: Math.round(performance.now() - t0), youngMiB: [young / 2 ** 20, floor / 2 ** 20] },
          'quiet: memory collected',
        );
      },
      (err: unknown) => {
        running = false;
        floor = young;
        opts.log?.debug({ err }, 'quiet: the collection failed');
      },
    );
  }, opts.intervalMs ?? 10_000);
  timer.unref();
  return () => clearInterval(timer);
}

const newSpaceBytes = (): number => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;

function eventLoopUtilization(): () => number {
  let last = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const u = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    return u;
  };
}

let session: Session | undefined;

/** A memory-reducing full collection (HeapProfiler.collectGarbage) through an in-process inspector session. */
export function collectGarbage(): Promise<void> {
  if (!session) {
    session = new Session();
    session.connect();
  }
  const s = session;
  return new Promise((resolve, reject) =>
    s.post('HeapProfiler.collectGarbage', (err) => (err ? reject(err) : resolve())),
  );
}

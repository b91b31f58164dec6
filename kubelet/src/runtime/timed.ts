/**
 * Profiling aid: wraps a ContainerRuntime so that every call is logged at debug level with its
 * duration ({ op, target, ms } "runtime call"). Enabled by KUBELAB_RUNTIME_TIMING=1 (config.ts).
 */
import type { Logger } from 'pino';
import type { ContainerRuntime } from './runtime.js';

function describe(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg.length > 20 ? arg.slice(0, 12) : arg;
  if (arg && typeof arg === 'object' && 'metadata' in arg) {
    const m = (arg as { metadata?: { namespace?: string; name?: string } }).metadata;
    return `${m?.namespace ?? ''}/${m?.name ?? ''}`;
  }
  return undefined;
}

export function timedRuntime(rt: ContainerRuntime, log: Logger): ContainerRuntime {
  const tlog = log.child({ part: 'runtime-timing' });
  return new Proxy(rt, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      const fn = v as (...args: unknown[]) => unknown;
      if (prop === 'events') return fn.bind(target);
      return (...args: unknown[]): unknown => {
        const t0 = performance.now();
        const out = fn.apply(target, args);
        if (!(out instanceof Promise)) return out;
        const done = (ok: boolean): void =>
          tlog.debug(
            { op: String(prop), target: describe(args[0]), ok, ms: Math.round(performance.now() - t0) },
            'runtime call',
          );
        return out.then(
          (r: unknown) => (done(true), r),
          (e: unknown) => {
            done(false);
            throw e;
          },
        );
      };
    },
  });
}

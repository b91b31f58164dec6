/**
 * The life of a kubelab process: one pino root logger, and a main that runs until the first
 * SIGTERM/SIGINT aborts its signal (a second one exits at once); a busy spell's memory is given
 * back once the process is quiet again (idle-gc.ts).
 */
import { startCpuProfile } from './cpuprofile.js';
import { startIdleGc } from './idle-gc.js';
import pino, { type Logger } from 'pino';

export function createLogger(component: string): Logger {
  return pino({
    name: component,
    level: process.env.LOG_LEVEL ?? 'info',
    redact: ['token', '*.token', 'headers.authorization', 'req.headers.authorization'],
    base: { component },
  });
}

export function runMain(component: string, main: (signal: AbortSignal, log: Logger) => Promise<void>): void {
  const log = createLogger(component);
  const ac = new AbortController();
  let signals = 0;
  const onSignal = (sig: string): void => {
    signals++;
    if (signals > 1) process.exit(1);
    log.info({ signal: sig }, 'shutting down');
    ac.abort();
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('unhandledRejection', (err) => {
    log.error({ err }, 'unhandled rejection');
  });
  const writeProfile = startCpuProfile(component, log);
  startIdleGc({ log });
  main(ac.signal, log).then(
    () => writeProfile().then(() => process.exit(0)),
    (err: unknown) => {
      log.fatal({ err }, `${component} failed`);
      void writeProfile().then(() => process.exit(1));
    },
  );
}

/** Reads an environment variable or a default, failing clearly when a required one is missing. */
export function env(name: string, fallback?: string): string {
  const v = process.env[name];
  if (v !== undefined && v !== '') return v;
  if (fallback !== undefined) return fallback;
  throw new Error(`environment variable ${name} is required`);
}

/**
 * Which compose to run (v2 plugin `docker compose`, or v1 `docker-compose`), and running it for a
 * lab: always with the repo's docker-compose.yml, the lab's project name and its environment.
 */
import { run, type RunOptions, type RunResult } from './exec.js';

export interface ComposeCommand {
  cmd: string;
  /** Arguments that come before compose's own, e.g. ["compose"] for the v2 plugin. */
  args: string[];
}

export interface ComposeProbe {
  /** `docker compose version` exits 0. */
  v2: boolean;
  /** `docker-compose version` exits 0. */
  v1: boolean;
}

/**
 * KUBELAB_COMPOSE (a command line such as "docker-compose" or "docker compose") wins; otherwise the
 * v2 plugin when it answers, else v1.
 */
export function pickCompose(override: string | undefined, probe: ComposeProbe): ComposeCommand {
  const words = (override ?? '').trim().split(/\s+/).filter(Boolean);
  if (words.length > 0) return { cmd: words[0]!, args: words.slice(1) };
  if (probe.v2) return { cmd: 'docker', args: ['compose'] };
  if (probe.v1) return { cmd: 'docker-compose', args: [] };
  throw new Error(
    'neither "docker compose" (v2) nor "docker-compose" (v1) answers: run scripts/ensure-docker.sh, or install Docker Compose (Debian/Ubuntu: apt-get install docker-compose)',
  );
}

/** The full command line for `compose <args>` on a lab. */
export function composeArgv(
  c: ComposeCommand,
  composeFile: string,
  project: string,
  args: readonly string[],
  envFile?: string,
): string[] {
  return [...c.args, ...(envFile ? ['--env-file', envFile] : []), '-f', composeFile, '-p', project, ...args];
}

let detected: Promise<ComposeCommand> | undefined;

async function answers(cmd: string, args: string[]): Promise<boolean> {
  try {
    return (await run(cmd, args, { timeoutMs: 20_000 })).code === 0;
  } catch {
    return false; // not installed
  }
}

/** Probes once per process (v1 is only asked when v2 does not answer). */
export function detectCompose(env: Record<string, string | undefined> = process.env): Promise<ComposeCommand> {
  if (env.KUBELAB_COMPOSE?.trim()) return Promise.resolve(pickCompose(env.KUBELAB_COMPOSE, { v1: false, v2: false }));
  detected ??= (async () => {
    const v2 = await answers('docker', ['compose', 'version']);
    const v1 = v2 ? false : await answers('docker-compose', ['version']);
    return pickCompose(undefined, { v1, v2 });
  })();
  detected.catch(() => (detected = undefined));
  return detected;
}

export interface ComposeTarget {
  composeFile: string;
  /** Passed as --env-file (so the checkout's .env, the default lab's, never leaks into another lab). */
  envFile?: string;
  project: string;
  env: Record<string, string>;
}

export async function runCompose(t: ComposeTarget, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const c = await detectCompose(t.env);
  // docker-compose v1 gives up on a slow engine after 60 s (a busy 2-core machine stopping a
  // container that publishes many ports gets there); wait longer unless the user says otherwise.
  const env = { COMPOSE_HTTP_TIMEOUT: '300', ...t.env };
  return run(c.cmd, composeArgv(c, t.composeFile, t.project, args, t.envFile), { cwd: undefined, ...opts, env });
}

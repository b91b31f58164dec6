/**
 * What `up` decided, written where compose reads it, so that plain `docker compose` commands act
 * on the same lab with the same settings (and never recreate a component because a variable is
 * missing from the user's shell).
 *
 * Every lab has its own file, `.kubelab/compose.env` (`.kubelab/<project>/compose.env`), which
 * the CLI always passes with `--env-file`. The checkout's default lab (project "kubelab") also gets
 * a copy in `.env` beside docker-compose.yml, the file compose reads by itself; a lab with another
 * project name never writes `.env`, so it cannot change the default lab's settings.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readIfExists, writePrivate } from './kubeconfig-file.js';

/** The first line of every file we write: `.env` without it is the user's own and stays. */
export const MARKER = '# written by ./kubelab up';

/** Not recalled from a lab's file: images follow KUBELAB_IMAGE_TAG and the build of the moment. */
const NOT_RECALLED = new Set(['KUBELAB_IMAGE', 'KUBELAB_ETCD_IMAGE']);

/** The variables docker-compose.yml interpolates (`${NAME` …). */
export function composeVariables(composeText: string): string[] {
  return [...new Set([...composeText.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!))].sort();
}

/** The file's text: the lab's project (and profile) and every compose variable that has a value. */
export function composeEnvText(
  env: Record<string, string>,
  names: readonly string[],
  project: string,
  ha: boolean,
): string {
  const lines = [
    MARKER,
    '# (kubelab keeps this file: change settings with ./kubelab up, or edit and run it again)',
    `COMPOSE_PROJECT_NAME=${project}`,
    ...(ha ? ['COMPOSE_PROFILES=ha'] : []),
  ];
  for (const name of names) {
    const v = env[name];
    if (v === undefined || v === '' || /[\r\n]/.test(v)) continue;
    lines.push(`${name}=${v}`);
  }
  return `${lines.join('\n')}\n`;
}

/** KEY=VALUE lines (comments and blanks skipped); the compose variables only. */
export function parseComposeEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

export const labComposeEnvPath = (root: string, project: string): string =>
  project === 'kubelab' ? join(root, '.kubelab', 'compose.env') : join(root, '.kubelab', project, 'compose.env');

/** The settings a lab was last brought up with (nothing when it never was), for the other verbs. */
export function recalledEnv(root: string, project: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(labComposeEnvPath(root, project), 'utf8');
  } catch {
    return {};
  }
  const env = parseComposeEnv(text);
  for (const k of NOT_RECALLED) delete env[k];
  delete env.COMPOSE_PROJECT_NAME;
  delete env.COMPOSE_PROFILES;
  return env;
}

export interface WrittenEnv {
  file: string;
  /** The checkout's `.env` too (default lab only; not when it is the user's own file). */
  dotEnv?: string;
  /** Why `.env` was left alone. */
  skipped?: string;
}

export async function writeComposeEnv(
  root: string,
  composeFile: string,
  project: string,
  env: Record<string, string>,
  ha: boolean,
): Promise<WrittenEnv> {
  const names = composeVariables((await readIfExists(composeFile)) ?? '');
  const text = composeEnvText(env, names, project, ha);
  const file = labComposeEnvPath(root, project);
  await writePrivate(file, text);
  if (project !== 'kubelab') return { file };
  const dotEnv = join(root, '.env');
  const existing = await readIfExists(dotEnv);
  if (existing !== undefined && !existing.startsWith(MARKER)) {
    return {
      file,
      skipped: `${dotEnv} is not kubelab's (no "${MARKER}" line at the top): left as it is; plain docker compose commands will not see the lab's settings`,
    };
  }
  await writePrivate(dotEnv, text);
  return { file, dotEnv };
}

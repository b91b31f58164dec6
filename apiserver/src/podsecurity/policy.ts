/**
 * Pod Security levels and their evaluation (upstream's pod-security-admission api and policy
 * packages): a namespace's `pod-security.kubernetes.io/<mode>` label names privileged, baseline or
 * restricted, `<mode>-version` a policy version (`latest` or `v1.N`; the lab evaluates every version
 * with the current checks). Evaluating a pod spec gives upstream's "reason (detail), ..." text.
 */
import { BASELINE, OVERLAPPING_BASELINE } from './checks-baseline.js';
import { RESTRICTED } from './checks-restricted.js';
import type { CheckResult, Json } from './util.js';

export const LEVELS = ['privileged', 'baseline', 'restricted'] as const;
export type Level = (typeof LEVELS)[number];
export const MODES = ['enforce', 'audit', 'warn'] as const;
export type Mode = (typeof MODES)[number];
export const LABEL_PREFIX = 'pod-security.kubernetes.io/';

export interface LevelVersion {
  level: Level;
  version: string;
}

const VERSION_RE = /^(latest|v1\.(0|[1-9][0-9]*))$/;

export const lvString = (lv: LevelVersion): string => `${lv.level}:${lv.version}`;

/** Why the namespace's Pod Security labels are not valid (field path and value), one line each. */
export function labelErrors(labels: Record<string, string> | undefined): string[] {
  const out: string[] = [];
  for (const mode of MODES) {
    const level = labels?.[`${LABEL_PREFIX}${mode}`];
    if (level !== undefined && !(LEVELS as readonly string[]).includes(level))
      out.push(
        `metadata.labels[${LABEL_PREFIX}${mode}]: Invalid value: "${level}": must be one of privileged, baseline, restricted`,
      );
    const version = labels?.[`${LABEL_PREFIX}${mode}-version`];
    if (version !== undefined && !VERSION_RE.test(version))
      out.push(
        `metadata.labels[${LABEL_PREFIX}${mode}-version]: Invalid value: "${version}": must be "latest" or "v1.<minor>"`,
      );
  }
  return out;
}

/** The level and version of one mode (privileged:latest when unlabelled; an invalid enforce label means restricted, as upstream). */
export function levelOf(labels: Record<string, string> | undefined, mode: Mode): LevelVersion {
  const raw = labels?.[`${LABEL_PREFIX}${mode}`];
  const version = labels?.[`${LABEL_PREFIX}${mode}-version`];
  const level: Level =
    raw === undefined ? 'privileged' : (LEVELS as readonly string[]).includes(raw) ? (raw as Level) : 'restricted';
  return { level, version: version && VERSION_RE.test(version) ? version : 'latest' };
}

/** The failed checks of a pod (its metadata and spec) at a level, in upstream's order. */
export function evaluate(level: Level, meta: Json, spec: Json): CheckResult[] {
  if (level === 'privileged') return [];
  const checks = level === 'baseline' ? [...BASELINE, ...OVERLAPPING_BASELINE] : [...BASELINE, ...RESTRICTED];
  return checks.map((c) => c(meta, spec)).filter((r): r is CheckResult => r !== undefined);
}

/** `privileged (container "c" must not …), allowPrivilegeEscalation != false (…)` */
export const detailText = (rs: readonly CheckResult[]): string =>
  rs.map((r) => (r.detail ? `${r.reason} (${r.detail})` : r.reason)).join(', ');
/** `privileged, allowPrivilegeEscalation != false` (the reasons alone, for many pods at once). */
export const reasonText = (rs: readonly CheckResult[]): string => rs.map((r) => r.reason).join(', ');

/**
 * Leader election settings from the environment, named after upstream's --leader-elect-* flags,
 * with lab defaults shorter than upstream's 15 s / 10 s / 2 s so that a standby takes over a
 * killed leader within seconds:
 *   KUBELAB_LEADER_ELECT [true]                      false: run without a lease (one replica only)
 *   KUBELAB_LEADER_ELECT_LEASE_DURATION [8s]         a standby's wait after the last renewal it saw
 *   KUBELAB_LEADER_ELECT_RENEW_DEADLINE [6s]         the leader gives up (and exits) after this without renewing
 *   KUBELAB_LEADER_ELECT_RETRY_PERIOD [1s]           between attempts to acquire or renew
 *   KUBELAB_LEADER_ELECT_RESOURCE_NAMESPACE [kube-system], KUBELAB_LEADER_ELECT_RESOURCE_NAME [per component]
 *   KUBELAB_LEADER_ELECT_IDENTITY [<hostname>_<uuid>]
 * Durations are Go-style ("8s", "1500ms", "1m") or plain seconds ("8").
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { EventRecorder } from './events.js';
import { LeaderElector, validateTimings, type ElectionTime, type LeaderElectionTimings } from './leaderelection.js';
import { LeaseLock, type LeaseApi } from './leaderelection-lock.js';

export const LAB_LEADER_ELECTION: LeaderElectionTimings = {
  leaseDurationMs: 8_000,
  renewDeadlineMs: 6_000,
  retryPeriodMs: 1_000,
};

export interface LeaderElectionConfig extends LeaderElectionTimings {
  enabled: boolean;
  namespace: string;
  name: string;
  identity: string;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

/** "8s", "1500ms", "1m30s" or "8" (seconds) → milliseconds. */
export function parseDuration(name: string, raw: string): number {
  const text = raw.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    throw new Error(`${name}: Invalid value: "${raw}": must be a duration such as "8s", "1500ms" or "1m"`);
  }
  return parts.reduce((ms, p) => ms + Number(p[1]) * UNITS[p[2]!]!, 0);
}

function bool(name: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw.trim() === '') return fallback;
  const v = raw.trim().toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new Error(`${name}: Invalid value: "${raw}": must be true or false`);
}

export function leaderElectionConfig(resourceName: string, env: NodeJS.ProcessEnv = process.env): LeaderElectionConfig {
  const pick = (k: string): string | undefined => (env[k]?.trim() ? env[k] : undefined);
  const duration = (k: string, fallback: number): number => {
    const raw = pick(k);
    return raw === undefined ? fallback : parseDuration(k, raw);
  };
  const cfg: LeaderElectionConfig = {
    enabled: bool('KUBELAB_LEADER_ELECT', env.KUBELAB_LEADER_ELECT, true),
    leaseDurationMs: duration('KUBELAB_LEADER_ELECT_LEASE_DURATION', LAB_LEADER_ELECTION.leaseDurationMs),
    renewDeadlineMs: duration('KUBELAB_LEADER_ELECT_RENEW_DEADLINE', LAB_LEADER_ELECTION.renewDeadlineMs),
    retryPeriodMs: duration('KUBELAB_LEADER_ELECT_RETRY_PERIOD', LAB_LEADER_ELECTION.retryPeriodMs),
    namespace: pick('KUBELAB_LEADER_ELECT_RESOURCE_NAMESPACE') ?? 'kube-system',
    name: pick('KUBELAB_LEADER_ELECT_RESOURCE_NAME') ?? resourceName,
    identity: pick('KUBELAB_LEADER_ELECT_IDENTITY') ?? `${hostname()}_${randomUUID()}`,
  };
  try {
    validateTimings(cfg);
  } catch (err) {
    throw new Error(`KUBELAB_LEADER_ELECT_*: ${(err as Error).message}`);
  }
  return cfg;
}

export interface ElectorDeps {
  api: LeaseApi;
  log: Logger;
  recorder?: EventRecorder & { flush?(): Promise<void> };
  time?: ElectionTime;
}

export function createLeaderElector(cfg: LeaderElectionConfig, d: ElectorDeps): LeaderElector {
  return new LeaderElector({
    lock: new LeaseLock(d.api, cfg.namespace, cfg.name),
    identity: cfg.identity,
    leaseDurationMs: cfg.leaseDurationMs,
    renewDeadlineMs: cfg.renewDeadlineMs,
    retryPeriodMs: cfg.retryPeriodMs,
    log: d.log,
    recorder: d.recorder,
    time: d.time,
  });
}

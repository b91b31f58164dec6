/** Probe and handler shapes of the pod spec (core/v1 Probe, LifecycleHandler), as the kubelet reads them. */
import type { Container } from '@kubelab/api';

export interface HTTPHeader {
  name: string;
  value: string;
}

export interface HTTPGetAction {
  path?: string;
  port: number | string;
  host?: string;
  scheme?: string;
  httpHeaders?: HTTPHeader[];
}

export interface TCPSocketAction {
  port: number | string;
  host?: string;
}

export interface ExecAction {
  command?: string[];
}

export interface GRPCAction {
  port: number;
  service?: string;
}

/** What a probe or a lifecycle hook does. */
export interface Handler {
  exec?: ExecAction;
  httpGet?: HTTPGetAction;
  tcpSocket?: TCPSocketAction;
  grpc?: GRPCAction;
  sleep?: { seconds: number };
}

export interface Probe extends Handler {
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
  successThreshold?: number;
  terminationGracePeriodSeconds?: number;
}

export type ProbeType = 'liveness' | 'readiness' | 'startup';

export const PROBE_TYPES: readonly ProbeType[] = ['startup', 'liveness', 'readiness'];

/** "Liveness", "Readiness", "Startup": how events spell the type. */
export function probeTypeTitle(t: ProbeType): string {
  return t.charAt(0).toUpperCase() + t.slice(1);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The container's probe of that type, or undefined. */
export function probeOf(c: Container, t: ProbeType): Probe | undefined {
  const p = c[`${t}Probe`];
  return isObject(p) ? (p as Probe) : undefined;
}

export interface ProbeTiming {
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  failureThreshold: number;
  successThreshold: number;
}

function positive(v: unknown, dflt: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : dflt;
}

/** Upstream defaults: period 10 s, timeout 1 s, failureThreshold 3, successThreshold 1. */
export function probeTiming(p: Probe): ProbeTiming {
  const initial = typeof p.initialDelaySeconds === 'number' && p.initialDelaySeconds > 0 ? p.initialDelaySeconds : 0;
  return {
    initialDelayMs: initial * 1000,
    periodMs: positive(p.periodSeconds, 10) * 1000,
    timeoutMs: positive(p.timeoutSeconds, 1) * 1000,
    failureThreshold: positive(p.failureThreshold, 3),
    successThreshold: positive(p.successThreshold, 1),
  };
}

/** A port given by number or by the name of one of the container's ports. */
export function resolvePort(port: number | string | undefined, c: Container): number {
  if (typeof port === 'number') {
    if (Number.isInteger(port) && port > 0 && port < 65536) return port;
    throw new Error(`invalid port number: ${port}`);
  }
  if (typeof port === 'string' && /^\d+$/.test(port)) return resolvePort(Number(port), c);
  const named = (c.ports ?? []).find((p) => p.name === port);
  if (named && typeof named.containerPort === 'number') return named.containerPort;
  throw new Error(`couldn't find port: ${String(port)} in ${c.name}`);
}

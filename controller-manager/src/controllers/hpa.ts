/**
 * The HorizontalPodAutoscaler controller (autoscaling/v2; v1 objects are the same objects seen
 * through the apiserver's conversion), following upstream's reconcileAutoscaler every sync period
 * (15 s upstream): read the target's scale (spec.replicas and selector of a Deployment, ReplicaSet
 * or StatefulSet), compute a proposal per metric from the resource metrics API (CPU or memory,
 * Utilization or AverageValue; hpa-replicas.ts), take the largest, normalize it (stabilization and
 * rate limits, hpa-normalize.ts), write spec.replicas when it changes, and report status:
 * currentMetrics (what `kubectl get hpa` shows as `cpu: 12%/50%`), the AbleToScale /
 * ScalingActive / ScalingLimited conditions, and events (SuccessfulRescale, FailedGetScale,
 * FailedGetResourceMetric, FailedComputeMetricsReplicas, FailedRescale).
 */
import type { Logger } from 'pino';
import {
  fromLabelSelector,
  matches,
  parseLabelSelector,
  resourceForKind,
  rfc3339,
  selectorToString,
  type Clock,
  type HorizontalPodAutoscaler,
  type HorizontalPodAutoscalerCondition,
  type HorizontalPodAutoscalerStatus,
  type KubeObject,
  type LabelSelector,
  type MetricSpec,
  type MetricStatus,
  type Pod,
} from '@kubelab/api';
import { parseQuantity } from '@kubelab/api/quantity';
import { objectKey } from '@kubelab/client';
import type { EventRecorder } from '@kubelab/client/events';
import type { ApiLike, Cache, Controller, KeyQueue } from '../api.js';
import { errorMessage, semanticEqual } from '../util/objects.js';
import { ScalingHistory } from './hpa-normalize.js';
import type { MetricsClient } from './hpa-metrics.js';
import { resourceReplicas } from './hpa-replicas.js';

export interface HpaDeps {
  api: ApiLike;
  hpas: Cache<HorizontalPodAutoscaler>;
  pods: Cache<Pod>;
  metrics: MetricsClient;
  queue: KeyQueue;
  recorder: EventRecorder;
  clock: Clock;
  log: Logger;
  /** --horizontal-pod-autoscaler-sync-period (15 s upstream). */
  syncPeriodMs: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization (5 min upstream), for HPAs without behavior. */
  downscaleWindowMs: number;
}

type CondType = HorizontalPodAutoscalerCondition['type'];

interface Proposal {
  replicas: number;
  status: MetricStatus;
  name: string;
}

class MetricError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

const APPS_KINDS = new Set(['Deployment', 'ReplicaSet', 'StatefulSet']);

/** A quantity string for raw usage: millicores for CPU ("105m"), bytes for the rest ("12Mi", "1234"). */
export function formatUsage(resource: string, value: number): string {
  if (resource === 'cpu') return `${Math.round(value)}m`;
  const v = Math.round(value);
  if (v !== 0 && v % 1048576 === 0) return `${v / 1048576}Mi`;
  if (v !== 0 && v % 1024 === 0) return `${v / 1024}Ki`;
  return String(v);
}

export class HorizontalPodAutoscalerController implements Controller {
  readonly name = 'horizontal-pod-autoscaler';
  readonly queue: KeyQueue;
  readonly caches: Cache<KubeObject>[];
  private readonly history: ScalingHistory;

  constructor(private readonly d: HpaDeps) {
    this.queue = d.queue;
    this.caches = [d.hpas, d.pods];
    this.history = new ScalingHistory(d.downscaleWindowMs);
    d.hpas.addHandlers({
      add: (h) => this.queue.add(objectKey(h)),
      // Our own status writes are no reason to sync again before the period.
      update: (o, h) => (o.metadata.generation !== h.metadata.generation ? this.queue.add(objectKey(h)) : undefined),
      delete: (h) => this.history.forget(objectKey(h)),
    });
  }

  async reconcile(key: string): Promise<void> {
    const hpa = this.d.hpas.get(key);
    if (!hpa) {
      this.history.forget(key);
      return;
    }
    try {
      await this.sync(key, hpa);
    } finally {
      this.queue.addAfter(key, this.d.syncPeriodMs);
    }
  }

  private targetResource(hpa: HorizontalPodAutoscaler): string {
    const ref = hpa.spec.scaleTargetRef;
    const apiVersion = ref.apiVersion || (APPS_KINDS.has(ref.kind) ? 'apps/v1' : 'v1');
    const info = resourceForKind(apiVersion, ref.kind);
    if (!info || !info.subresources.some((s) => s.name === 'scale')) {
      const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
      throw new Error(`no matches for kind "${ref.kind}" in group "${group}"`);
    }
    return info.resource;
  }

  private async sync(key: string, hpa: HorizontalPodAutoscaler): Promise<void> {
    const now = this.d.clock.now();
    const status: HorizontalPodAutoscalerStatus = structuredClone(hpa.status ?? {});
    const set = (type: CondType, ok: boolean, reason: string, message: string): void =>
      this.setCondition(status, type, ok, reason, message, now);
    const ns = hpa.metadata.namespace ?? '';
    const ref = hpa.spec.scaleTargetRef;
    let resource: string;
    let target: KubeObject & { spec?: { replicas?: number; selector?: LabelSelector } };
    try {
      resource = this.targetResource(hpa);
      target = await this.d.api.get(resource, ns, ref.name);
    } catch (err) {
      set(
        'AbleToScale',
        false,
        'FailedGetScale',
        `the HPA controller was unable to get the target's current scale: ${errorMessage(err)}`,
      );
      this.d.recorder.event(hpa, 'Warning', 'FailedGetScale', errorMessage(err));
      return this.writeStatus(hpa, status);
    }
    set('AbleToScale', true, 'SucceededGetScale', "the HPA controller was able to get the target's current scale");
    const current = target.spec?.replicas ?? 1;
    const min = hpa.spec.minReplicas ?? 1;
    const max = hpa.spec.maxReplicas;
    let desired = current;
    let reason = '';
    let metricStatuses: MetricStatus[] = status.currentMetrics ?? [];
    if (current === 0 && min !== 0) {
      desired = 0;
      set(
        'ScalingActive',
        false,
        'ScalingDisabled',
        'scaling is disabled since the replica count of the target is zero',
      );
    } else if (current > max) {
      desired = max;
      reason = 'Current number of replicas above Spec.MaxReplicas';
    } else if (current < min) {
      desired = min;
      reason = 'Current number of replicas below Spec.MinReplicas';
    } else {
      const selector = selectorToString(fromLabelSelector(target.spec?.selector));
      if (!selector) {
        set('AbleToScale', false, 'InvalidSelector', 'selector is required');
        this.d.recorder.event(hpa, 'Warning', 'SelectorRequired', 'selector is required');
        return this.writeStatus(hpa, status);
      }
      const computed = await this.computeReplicas(hpa, current, selector, now);
      metricStatuses = computed.statuses;
      if ('error' in computed) {
        set(
          'ScalingActive',
          false,
          computed.error.reason,
          `the HPA was unable to compute the replica count: ${computed.error.message}`,
        );
        this.d.recorder.event(
          hpa,
          'Warning',
          'FailedComputeMetricsReplicas',
          `invalid metrics (${computed.invalid} invalid out of ${hpa.spec.metrics?.length ?? 0}), first error is: ${computed.error.message}`,
        );
        Object.assign(status, {
          currentReplicas: current,
          desiredReplicas: status.desiredReplicas ?? current,
          currentMetrics: metricStatuses.length ? metricStatuses : null,
        });
        return this.writeStatus(hpa, status);
      }
      set(
        'ScalingActive',
        true,
        'ValidMetricFound',
        `the HPA was able to successfully calculate a replica count from ${computed.name}`,
      );
      const n = this.history.normalize({
        key,
        current,
        desired: computed.replicas,
        min,
        max,
        now,
        ...(hpa.spec.behavior ? { behavior: hpa.spec.behavior } : {}),
      });
      desired = n.replicas;
      set('AbleToScale', true, n.ableToScale.reason, n.ableToScale.message);
      set('ScalingLimited', n.limited.status, n.limited.reason, n.limited.message);
      reason = desired > current ? `${computed.name} above target` : 'All metrics below target';
    }
    if (desired !== current) {
      try {
        await this.d.api.update(resource, { ...target, spec: { ...target.spec, replicas: desired } });
      } catch (err) {
        set(
          'AbleToScale',
          false,
          'FailedUpdateScale',
          `the HPA controller was unable to update the target scale: ${errorMessage(err)}`,
        );
        this.d.recorder.event(
          hpa,
          'Warning',
          'FailedRescale',
          `New size: ${desired}; reason: ${reason}; error: ${errorMessage(err)}`,
        );
        return this.writeStatus(hpa, status);
      }
      set(
        'AbleToScale',
        true,
        'SucceededRescale',
        `the HPA controller was able to update the target scale to ${desired}`,
      );
      this.d.recorder.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${reason}`);
      this.d.log.info({ hpa: key, from: current, to: desired, reason }, 'rescaled');
      const keep = Math.max(
        ...[hpa.spec.behavior?.scaleUp, hpa.spec.behavior?.scaleDown].flatMap((r) =>
          (r?.policies ?? []).map((p) => p.periodSeconds * 1000),
        ),
        60_000,
      );
      this.history.scaled(key, current, desired, now, keep);
      status.lastScaleTime = rfc3339(now);
    }
    Object.assign(status, {
      currentReplicas: current,
      desiredReplicas: desired,
      currentMetrics: metricStatuses.length ? metricStatuses : null,
    });
    await this.writeStatus(hpa, status);
  }

  /** Upstream's computeReplicasForMetrics: the largest valid proposal, unless invalid metrics forbid it. */
  private async computeReplicas(
    hpa: HorizontalPodAutoscaler,
    current: number,
    selector: string,
    now: number,
  ): Promise<
    ({ replicas: number; name: string } | { error: MetricError; invalid: number }) & { statuses: MetricStatus[] }
  > {
    const specs = hpa.spec.metrics ?? [];
    const statuses: MetricStatus[] = [];
    let best: Proposal | undefined;
    let firstError: MetricError | undefined;
    let invalid = 0;
    for (const spec of specs) {
      try {
        const p = await this.proposal(hpa, spec, current, selector, now);
        statuses.push(p.status);
        if (!best || p.replicas > best.replicas) best = p;
      } catch (err) {
        const e = err instanceof MetricError ? err : new MetricError('FailedGetResourceMetric', errorMessage(err));
        this.d.recorder.event(hpa, 'Warning', e.reason, e.message);
        statuses.push({ type: spec.type });
        firstError ??= e;
        invalid++;
      }
    }
    if (!best || (invalid > 0 && best.replicas < current))
      return { error: firstError ?? new MetricError('FailedGetResourceMetric', 'no metrics'), invalid, statuses };
    return { replicas: best.replicas, name: best.name, statuses };
  }

  private async proposal(
    hpa: HorizontalPodAutoscaler,
    spec: MetricSpec,
    current: number,
    selector: string,
    now: number,
  ): Promise<Proposal> {
    const src =
      spec.type === 'Resource' ? spec.resource : spec.type === 'ContainerResource' ? spec.containerResource : undefined;
    const failReason = `FailedGet${spec.type}Metric`;
    if (!src)
      throw new MetricError(
        failReason,
        `unable to get ${spec.type} metric: kubelab serves only the resource metrics API (metrics.k8s.io); custom and external metrics are not available`,
      );
    const container = spec.type === 'ContainerResource' ? spec.containerResource?.container : undefined;
    const ns = hpa.metadata.namespace ?? '';
    const what = src.target.type === 'Utilization' ? `${src.name} utilization` : `${src.name} usage`;
    let metrics;
    try {
      metrics = await this.d.metrics.podMetrics(ns, selector, src.name, container);
    } catch (err) {
      throw new MetricError(
        failReason,
        `failed to get ${what}: unable to get metrics for resource ${src.name}: ${errorMessage(err)}`,
      );
    }
    const sel = parseLabelSelector(selector);
    const pods = this.d.pods
      .list()
      .filter((p) => (p.metadata.namespace ?? '') === ns && matches(sel, p.metadata.labels));
    const util = src.target.type === 'Utilization' ? (src.target.averageUtilization ?? 80) : undefined;
    const avg =
      src.target.averageValue !== undefined
        ? parseQuantity(src.target.averageValue) * (src.name === 'cpu' ? 1000 : 1)
        : undefined;
    let r;
    try {
      r = resourceReplicas(
        { currentReplicas: current, resource: src.name, ...(container ? { container } : {}), pods, metrics, now },
        util !== undefined ? { utilization: util } : { averageValue: avg ?? 1 },
      );
    } catch (err) {
      throw new MetricError(failReason, `failed to get ${what}: ${errorMessage(err)}`);
    }
    const cur: { averageValue: string; averageUtilization?: number } = {
      averageValue: formatUsage(src.name, r.rawAverage),
    };
    if (util !== undefined && r.utilization !== undefined) cur.averageUtilization = r.utilization;
    const status: MetricStatus =
      spec.type === 'Resource'
        ? { type: 'Resource', resource: { name: src.name, current: cur } }
        : {
            type: 'ContainerResource',
            containerResource: { name: src.name, container: container ?? '', current: cur },
          };
    const name =
      util !== undefined ? `${src.name} resource utilization (percentage of request)` : `${src.name} resource`;
    return {
      replicas: r.replicas,
      status,
      name: spec.type === 'ContainerResource' ? `${name} of container ${container}` : name,
    };
  }

  private setCondition(
    status: HorizontalPodAutoscalerStatus,
    type: CondType,
    ok: boolean,
    reason: string,
    message: string,
    now: number,
  ): void {
    const conds = status.conditions ?? [];
    const prev = conds.find((c) => c.type === type);
    const s = ok ? 'True' : 'False';
    const next: HorizontalPodAutoscalerCondition = {
      type,
      status: s,
      lastTransitionTime: prev && prev.status === s && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(now),
      reason,
      message,
    };
    const order: CondType[] = ['AbleToScale', 'ScalingActive', 'ScalingLimited'];
    status.conditions = [...conds.filter((c) => c.type !== type), next].sort(
      (a, b) => order.indexOf(a.type) - order.indexOf(b.type),
    );
  }

  private async writeStatus(hpa: HorizontalPodAutoscaler, status: HorizontalPodAutoscalerStatus): Promise<void> {
    if (hpa.metadata.generation) status.observedGeneration = hpa.metadata.generation;
    if (semanticEqual(status, hpa.status)) return;
    await this.d.api.updateStatus('horizontalpodautoscalers', { ...hpa, status });
  }
}

/**
 * From the metrics' proposal to the replica count the HPA sets, as upstream normalizes it. Without
 * `behavior`: the highest recommendation of the downscale stabilization window (the controller's
 * setting, 5 minutes upstream), then limits: at most max(2 × current, 4) per step, within
 * [min, max]. With `behavior`: the scale-up and scale-down stabilization windows, then each
 * direction's policies (Pods / Percent per period, combined by selectPolicy) against the scale
 * events of their periods. Also names the AbleToScale and ScalingLimited condition each decision
 * implies. The history (recommendations, scale events) is per HPA and in memory, as upstream's.
 */
import type { HorizontalPodAutoscalerBehavior, HPAScalingRules } from '@kubelab/api';
import { DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP } from '@kubelab/api';

export interface Verdict {
  reason: string;
  message: string;
}

export interface Normalized {
  replicas: number;
  /** AbleToScale=True with this reason (stabilized, or ready for a new scale). */
  ableToScale: Verdict;
  /** ScalingLimited (true when the limits changed the stabilized recommendation). */
  limited: Verdict & { status: boolean };
}

interface Stamped {
  value: number;
  at: number;
}

const READY: Verdict = { reason: 'ReadyForNewScale', message: 'recommended size matches current size' };
const WITHIN: Verdict = { reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };

export interface NormalizeArgs {
  key: string;
  current: number;
  desired: number;
  min: number;
  max: number;
  behavior?: HorizontalPodAutoscalerBehavior;
  now: number;
}

export class ScalingHistory {
  private readonly recommendations = new Map<string, Stamped[]>();
  private readonly ups = new Map<string, Stamped[]>();
  private readonly downs = new Map<string, Stamped[]>();

  constructor(private readonly downscaleWindowMs: number) {}

  forget(key: string): void {
    this.recommendations.delete(key);
    this.ups.delete(key);
    this.downs.delete(key);
  }

  /** Records a rescale from `from` to `to` (scale events for the behavior policies). */
  scaled(key: string, from: number, to: number, now: number, keepMs: number): void {
    const map = to > from ? this.ups : this.downs;
    const events = (map.get(key) ?? []).filter((e) => e.at > now - keepMs);
    events.push({ value: Math.abs(to - from), at: now });
    map.set(key, events);
  }

  private record(key: string, value: number, now: number, keepMs: number): Stamped[] {
    const recs = (this.recommendations.get(key) ?? []).filter((r) => r.at > now - keepMs);
    const before = [...recs];
    recs.push({ value, at: now });
    this.recommendations.set(key, recs);
    return before;
  }

  normalize(a: NormalizeArgs): Normalized {
    return a.behavior ? this.withBehavior(a, a.behavior) : this.plain(a);
  }

  private plain(a: NormalizeArgs): Normalized {
    const past = this.record(a.key, a.desired, a.now, this.downscaleWindowMs);
    const stabilized = Math.max(a.desired, ...past.map((r) => r.value));
    const ableToScale =
      stabilized !== a.desired
        ? {
            reason: 'ScaleDownStabilized',
            message: 'recent recommendations were higher than current one, applying the highest recent recommendation',
          }
        : READY;
    const scaleUpLimit = Math.max(2 * a.current, 4);
    let replicas = stabilized;
    let limit: Verdict = WITHIN;
    if (stabilized < a.min) {
      replicas = a.min;
      limit = { reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };
    } else {
      const maxAllowed = Math.min(a.max, scaleUpLimit);
      if (stabilized > maxAllowed) {
        replicas = maxAllowed;
        limit =
          a.max > scaleUpLimit
            ? {
                reason: 'ScaleUpLimit',
                message: 'the desired replica count is increasing faster than the maximum scale rate',
              }
            : {
                reason: 'TooManyReplicas',
                message: 'the desired replica count is more than the maximum replica count',
              };
      }
    }
    return { replicas, ableToScale, limited: { ...limit, status: replicas !== stabilized } };
  }

  private withBehavior(a: NormalizeArgs, b: HorizontalPodAutoscalerBehavior): Normalized {
    const up: HPAScalingRules = b.scaleUp ?? DEFAULT_SCALE_UP;
    const down: HPAScalingRules = b.scaleDown ?? DEFAULT_SCALE_DOWN;
    const upMs = (up.stabilizationWindowSeconds ?? 0) * 1000;
    const downMs = (down.stabilizationWindowSeconds ?? this.downscaleWindowMs / 1000) * 1000;
    const past = this.record(a.key, a.desired, a.now, Math.max(upMs, downMs));
    let upRec = a.desired;
    let downRec = a.desired;
    for (const r of past) {
      if (r.at > a.now - upMs) upRec = Math.min(upRec, r.value);
      if (r.at > a.now - downMs) downRec = Math.max(downRec, r.value);
    }
    let stabilized = Math.max(a.current, upRec);
    stabilized = Math.min(stabilized, downRec);
    const ableToScale =
      stabilized === a.desired
        ? READY
        : a.desired >= a.current
          ? {
              reason: 'ScaleUpStabilized',
              message: 'recent recommendations were lower than current one, applying the lowest recent recommendation',
            }
          : {
              reason: 'ScaleDownStabilized',
              message:
                'recent recommendations were higher than current one, applying the highest recent recommendation',
            };
    const { replicas, limit } = this.rate(a, stabilized, up, down);
    return { replicas, ableToScale, limited: { ...limit, status: replicas !== stabilized } };
  }

  private changeIn(events: Stamped[] | undefined, periodSeconds: number, now: number): number {
    return (events ?? []).filter((e) => e.at > now - periodSeconds * 1000).reduce((s, e) => s + e.value, 0);
  }

  private rate(
    a: NormalizeArgs,
    desired: number,
    up: HPAScalingRules,
    down: HPAScalingRules,
  ): { replicas: number; limit: Verdict } {
    const ups = this.ups.get(a.key);
    const downs = this.downs.get(a.key);
    const periodStart = (p: { periodSeconds: number }): number =>
      a.current - this.changeIn(ups, p.periodSeconds, a.now) + this.changeIn(downs, p.periodSeconds, a.now);
    if (desired > a.current) {
      let limit = a.current;
      if (up.selectPolicy !== 'Disabled') {
        const proposals = (up.policies ?? []).map((p) =>
          p.type === 'Pods' ? periodStart(p) + p.value : Math.ceil(periodStart(p) * (1 + p.value / 100)),
        );
        limit = proposals.length
          ? up.selectPolicy === 'Min'
            ? Math.min(...proposals)
            : Math.max(...proposals)
          : a.current;
      }
      limit = Math.max(limit, a.current);
      const maxAllowed = Math.min(a.max, limit);
      const verdict =
        a.max > limit
          ? {
              reason: 'ScaleUpLimit',
              message: 'the desired replica count is increasing faster than the maximum scale rate',
            }
          : { reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' };
      if (desired > maxAllowed) return { replicas: maxAllowed, limit: verdict };
    } else if (desired < a.current) {
      let limit = a.current;
      if (down.selectPolicy !== 'Disabled') {
        const proposals = (down.policies ?? []).map((p) =>
          p.type === 'Pods' ? periodStart(p) - p.value : Math.trunc(periodStart(p) * (1 - p.value / 100)),
        );
        limit = proposals.length
          ? down.selectPolicy === 'Min'
            ? Math.max(...proposals)
            : Math.min(...proposals)
          : a.current;
      }
      limit = Math.min(limit, a.current);
      const minAllowed = Math.max(a.min, limit);
      const verdict =
        a.min < limit
          ? {
              reason: 'ScaleDownLimit',
              message: 'the desired replica count is decreasing faster than the maximum scale rate',
            }
          : { reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };
      if (desired < minAllowed) return { replicas: minAllowed, limit: verdict };
    }
    return { replicas: desired, limit: WITHIN };
  }
}

/**
 * The event correlator, as client-go's (tools/record/events_cache.go), pure logic on an injected
 * clock. Three steps per event, in upstream's order:
 *  1. aggregate: more than `maxSimilar` (10) events of one source, object, type and reason with
 *     different messages within `aggregateWindowMs` (10 min, sliding) become one
 *     "(combined from similar events): <latest message>" event;
 *  2. observe: an event identical to one seen before (source, object, type, reason, message; or the
 *     same combined event) is the earlier Event again, with count+1 and the first timestamp kept,
 *     so the writer updates it instead of creating another;
 *  3. rate limit: a token bucket per source and object (burst 25, one token per 5 minutes) says
 *     whether this occurrence is written now; a skipped one still counts, so the next write carries
 *     every occurrence.
 * Each cache is an LRU of `cacheSize` (4096) keys, as upstream's.
 */
import { rfc3339, type Clock, type KubeEvent } from '@kubelab/api';

export interface CorrelatorOptions {
  clock: Clock;
  maxSimilar?: number;
  aggregateWindowMs?: number;
  burst?: number;
  /** One token comes back every refillMs. */
  refillMs?: number;
  cacheSize?: number;
}

export const COMBINED_PREFIX = '(combined from similar events): ';

/** What the writer should do with one occurrence. */
export interface Correlated {
  /** The Event as it should be stored now (name, count, timestamps filled in). */
  event: KubeEvent;
  /** The identity of this Event in the writer's state (the same key = the same Event object). */
  key: string;
  /** The rate limit says not to write this occurrence. */
  skip: boolean;
}

interface Observation {
  count: number;
  firstTimestamp: string;
  name: string;
}

interface Bucket {
  tokens: number;
  atMs: number;
}

export class EventCorrelator {
  private readonly clock: Clock;
  private readonly maxSimilar: number;
  private readonly windowMs: number;
  private readonly burst: number;
  private readonly refillMs: number;
  private readonly similar: Lru<{ messages: Set<string>; lastMs: number }>;
  private readonly observed: Lru<Observation>;
  private readonly buckets: Lru<Bucket>;

  constructor(opts: CorrelatorOptions) {
    this.clock = opts.clock;
    this.maxSimilar = opts.maxSimilar ?? 10;
    this.windowMs = opts.aggregateWindowMs ?? 600_000;
    this.burst = opts.burst ?? 25;
    this.refillMs = opts.refillMs ?? 300_000;
    const size = opts.cacheSize ?? 4096;
    this.similar = new Lru(size);
    this.observed = new Lru(size);
    this.buckets = new Lru(size);
  }

  correlate(ev: KubeEvent): Correlated {
    const { event: agg, key } = this.aggregate(ev);
    const event = this.observe(agg, key);
    return { event, key, skip: !this.allow(ev) };
  }

  private aggregate(ev: KubeEvent): { event: KubeEvent; key: string } {
    const nowMs = this.clock.now();
    const aggKey = aggregateKey(ev);
    let rec = this.similar.get(aggKey);
    if (!rec || nowMs - rec.lastMs > this.windowMs) rec = { messages: new Set(), lastMs: nowMs };
    rec.messages.add(ev.message ?? '');
    rec.lastMs = nowMs;
    this.similar.set(aggKey, rec);
    if (rec.messages.size < this.maxSimilar) return { event: ev, key: eventKey(ev) };
    // Keep the set bounded, as upstream (it drops one message, any).
    const first = rec.messages.values().next().value;
    if (first !== undefined) rec.messages.delete(first);
    const ts = rfc3339(nowMs);
    const combined: KubeEvent = {
      ...ev,
      metadata: { name: ev.metadata.name, namespace: ev.metadata.namespace },
      message: COMBINED_PREFIX + (ev.message ?? ''),
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
    };
    return { event: combined, key: aggKey };
  }

  private observe(ev: KubeEvent, key: string): KubeEvent {
    const last = this.observed.get(key);
    const out: KubeEvent = { ...ev, metadata: { ...ev.metadata } };
    if (last) {
      out.metadata.name = last.name;
      out.firstTimestamp = last.firstTimestamp;
      out.count = last.count + 1;
    }
    this.observed.set(key, {
      count: out.count ?? 1,
      firstTimestamp: out.firstTimestamp ?? rfc3339(this.clock.now()),
      name: out.metadata.name ?? '',
    });
    return out;
  }

  private allow(ev: KubeEvent): boolean {
    const nowMs = this.clock.now();
    const key = spamKey(ev);
    const b = this.buckets.get(key) ?? { tokens: this.burst, atMs: nowMs };
    const refilled = Math.min(this.burst, b.tokens + (nowMs - b.atMs) / this.refillMs);
    const ok = refilled >= 1;
    this.buckets.set(key, { tokens: ok ? refilled - 1 : refilled, atMs: nowMs });
    return ok;
  }
}

function objectParts(ev: KubeEvent): string[] {
  const o = ev.involvedObject;
  return [
    ev.source?.component ?? '',
    ev.source?.host ?? '',
    o.kind ?? '',
    o.namespace ?? '',
    o.name ?? '',
    o.uid ?? '',
    o.apiVersion ?? '',
  ];
}

/** Source and object: the rate limit's key (upstream's getSpamKey). */
export function spamKey(ev: KubeEvent): string {
  return objectParts(ev).join('\u0000');
}

/** Source, object, type and reason: similar events (upstream's EventAggregatorByReasonFunc). */
export function aggregateKey(ev: KubeEvent): string {
  return [
    ...objectParts(ev),
    ev.type ?? '',
    ev.reason ?? '',
    ev.reportingComponent ?? '',
    ev.reportingInstance ?? '',
  ].join('\u0000');
}

/** Everything that makes two events identical (upstream's getEventKey). */
export function eventKey(ev: KubeEvent): string {
  return [...objectParts(ev), ev.involvedObject.fieldPath ?? '', ev.type ?? '', ev.reason ?? '', ev.message ?? ''].join(
    '\u0000',
  );
}

/** A Map that forgets its least recently used key beyond `max`. */
export class Lru<V> {
  private readonly map = new Map<string, V>();

  constructor(private readonly max: number) {}

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    if (this.map.size > this.max) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
  }

  get size(): number {
    return this.map.size;
  }
}

/**
 * Event recorder: writes core/v1 Events about an object ("Scaled up replica set web-7d4b9c to 3").
 * Best effort, like upstream's broadcaster: recording never blocks or fails the caller; write
 * errors are logged at debug level and dropped. Every event goes through the correlator
 * (events-correlator.ts: repeats update one Event's count, similar ones are combined, a token
 * bucket per source and object limits the writes) and the writer (events-writer.ts: one write at a
 * time per Event, resourceVersion-checked). As upstream's broadcaster writes from a queue of its
 * own, writes wait their turn: at most maxInFlight at once (those that start in one turn go to the
 * apiserver in one call), oldest first, so a burst of events (a scheduler binding 1,000 pods a
 * second) does not compete with the work it reports; they are in within a second or two. Imported as
 * `@kubelab/client/events`.
 */
import type { Logger } from 'pino';
import { rfc3339, systemClock, type Clock, type KubeEvent, type KubeObject } from '@kubelab/api';
import { EventCorrelator, type Correlated, type CorrelatorOptions } from './events-correlator.js';
import { EventWriter, type EventSink } from './events-writer.js';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  event(obj: KubeObject, type: EventType, reason: string, message: string): void;
}

export type { EventSink } from './events-writer.js';

export interface EventRecorderOptions {
  /** source.component and reportingComponent, e.g. "deployment-controller", "default-scheduler". */
  component: string;
  /** source.host (kubelets set their node name). */
  host?: string;
  /** reportingInstance. */
  instance?: string;
  clock?: Clock;
  log?: Logger;
  /** Events written or waiting beyond this are dropped (default 5000; upstream queues 1,000). */
  maxPending?: number;
  /** Events written at once, at most (default 32); the others wait in order. */
  maxInFlight?: number;
  /** The correlator's limits (tests shorten them); upstream's by default. */
  correlation?: Omit<CorrelatorOptions, 'clock'>;
}

/** Builds the Event object; `seq` keeps names unique within one millisecond. */
export function buildEvent(
  obj: KubeObject,
  type: EventType,
  reason: string,
  message: string,
  opts: EventRecorderOptions,
  nowMs: number,
  seq: number,
): KubeEvent {
  const meta = obj.metadata;
  const nanos = BigInt(Math.floor(nowMs)) * 1_000_000n + BigInt(seq % 1_000_000);
  const namespace = meta.namespace || 'default';
  const ts = rfc3339(nowMs);
  const involved: KubeEvent['involvedObject'] = { name: meta.name ?? '' };
  if (obj.kind) involved.kind = obj.kind;
  if (meta.namespace) involved.namespace = meta.namespace;
  if (meta.uid) involved.uid = meta.uid;
  if (obj.apiVersion) involved.apiVersion = obj.apiVersion;
  if (meta.resourceVersion) (involved as Record<string, unknown>).resourceVersion = meta.resourceVersion;
  const source: { component: string; host?: string } = { component: opts.component };
  if (opts.host) source.host = opts.host;
  const ev: KubeEvent = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${meta.name ?? 'unknown'}.${nanos.toString(16)}`, namespace },
    involvedObject: involved,
    reason,
    message,
    source,
    firstTimestamp: ts,
    lastTimestamp: ts,
    count: 1,
    type,
    eventTime: null,
    reportingComponent: opts.component,
    reportingInstance: opts.instance ?? opts.host ?? '',
  };
  return ev;
}

export class ApiEventRecorder implements EventRecorder {
  private seq = 0;
  private readonly inFlight = new Set<Promise<void>>();
  /** Events waiting for a write slot, by correlation key, in order (a repeat replaces its occurrence). */
  private readonly waiting = new Map<string, KubeEvent>();
  private readonly clock: Clock;
  private readonly maxPending: number;
  private readonly maxInFlight: number;
  private readonly correlator: EventCorrelator;
  private readonly writer: EventWriter;

  constructor(
    sink: EventSink,
    private readonly opts: EventRecorderOptions,
  ) {
    this.clock = opts.clock ?? systemClock;
    this.maxPending = opts.maxPending ?? 5000;
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? 32);
    this.correlator = new EventCorrelator({ clock: this.clock, ...opts.correlation });
    this.writer = new EventWriter(sink, opts.log);
  }

  event(obj: KubeObject, type: EventType, reason: string, message: string): void {
    let c: Correlated;
    try {
      c = this.correlator.correlate(buildEvent(obj, type, reason, message, this.opts, this.clock.now(), this.seq++));
    } catch (err) {
      this.opts.log?.debug({ err, reason }, 'event dropped: could not build it');
      return;
    }
    if (c.skip) {
      this.opts.log?.debug(
        { reason, object: obj.metadata.name, count: c.event.count },
        'event not written: rate limited (counted for the next write)',
      );
      return;
    }
    if (this.writer.coalesce(c.key, c.event)) return;
    if (this.waiting.has(c.key)) {
      this.waiting.set(c.key, c.event);
      return;
    }
    if (this.inFlight.size + this.waiting.size >= this.maxPending) {
      this.opts.log?.debug({ reason, object: obj.metadata.name }, 'event dropped: too many waiting to be written');
      return;
    }
    this.waiting.set(c.key, c.event);
    this.pump();
  }

  /** Starts waiting writes, oldest first, while there are free slots. */
  private pump(): void {
    for (const [key, ev] of this.waiting) {
      if (this.inFlight.size >= this.maxInFlight) return;
      this.waiting.delete(key);
      const p = this.writer.write(key, ev);
      this.inFlight.add(p);
      void p.finally(() => {
        this.inFlight.delete(p);
        this.pump();
      });
    }
  }

  /** Resolves once every event recorded so far has been written or dropped (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0 || this.waiting.size > 0) await Promise.all([...this.inFlight]);
  }
}

export interface RecordedEvent {
  object: KubeObject;
  type: EventType;
  reason: string;
  message: string;
}

/** Keeps events in memory: the recorder fake for unit tests. */
export class MemoryEventRecorder implements EventRecorder {
  readonly events: RecordedEvent[] = [];

  event(obj: KubeObject, type: EventType, reason: string, message: string): void {
    this.events.push({ object: obj, type, reason, message });
  }

  /** "Normal ScalingReplicaSet Scaled up replica set web-7d4b9c to 3", one line per event. */
  lines(): string[] {
    return this.events.map((e) => `${e.type} ${e.reason} ${e.message}`);
  }

  clear(): void {
    this.events.length = 0;
  }
}

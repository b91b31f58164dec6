/**
 * Event recorder: writes core/v1 Events about an object ("Scaled up replica set web-7d4b9c to 3").
 * Best effort, like upstream's broadcaster: recording never blocks or fails the caller; write
 * errors are logged at debug level and dropped. Imported as `@kubelab/client/events`.
 */
import type { Logger } from 'pino';
import { rfc3339, systemClock, type Clock, type KubeEvent, type KubeObject } from '@kubelab/api';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  event(obj: KubeObject, type: EventType, reason: string, message: string): void;
}

/** The one ApiClient method the recorder needs (ApiClient satisfies it). */
export interface EventSink {
  create<T extends KubeObject>(resource: string, obj: T, namespace?: string): Promise<T>;
}

export interface EventRecorderOptions {
  /** source.component and reportingComponent, e.g. "deployment-controller", "default-scheduler". */
  component: string;
  /** source.host (kubelets set their node name). */
  host?: string;
  /** reportingInstance. */
  instance?: string;
  clock?: Clock;
  log?: Logger;
  /** Events in flight beyond this are dropped (default 500). */
  maxPending?: number;
}

/** Builds the Event object; `seq` keeps names unique within one millisecond. */
export function buildEvent(obj: KubeObject, type: EventType, reason: string, message: string, opts: EventRecorderOptions, nowMs: number, seq: number): KubeEvent {
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
  private readonly clock: Clock;
  private readonly maxPending: number;

  constructor(
    private readonly sink: EventSink,
    private readonly opts: EventRecorderOptions,
  ) {
    this.clock = opts.clock ?? systemClock;
    this.maxPending = opts.maxPending ?? 500;
  }

  event(obj: KubeObject, type: EventType, reason: string, message: string): void {
    if (this.inFlight.size >= this.maxPending) {
      this.opts.log?.debug({ reason, object: obj.metadata.name }, 'event dropped: too many in flight');
      return;
    }
    let ev: KubeEvent;
    try {
      ev = buildEvent(obj, type, reason, message, this.opts, this.clock.now(), this.seq++);
    } catch (err) {
      this.opts.log?.debug({ err, reason }, 'event dropped: could not build it');
      return;
    }
    const p: Promise<void> = this.sink.create('events', ev, ev.metadata.namespace).then(
      () => undefined,
      (err: unknown) => {
        this.opts.log?.debug({ reason, object: ev.involvedObject.name, err: err instanceof Error ? err.message : String(err) }, 'event dropped: write failed');
      },
    );
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /** Resolves once every event recorded so far has been written or dropped (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
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

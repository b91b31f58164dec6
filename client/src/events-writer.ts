/**
 * Writes correlated Events: the first occurrence is a create, later ones update the same Event
 * with the resourceVersion the server last returned. One write per Event at a time: an occurrence
 * that comes while its Event is being written replaces the pending state (the latest count wins,
 * none is lost), and the write loop sends it when the current write returns. A conflict (someone
 * else changed the Event) re-reads it and adds this recorder's new occurrences to the count it
 * has; a recorder that may not read Events (the components, whose roles allow only create, update
 * and patch, as upstream's) writes its own count over it instead: the last writer wins, as with
 * upstream's patch. A missing Event (expired by its TTL, or deleted) is created again, as
 * upstream does.
 */
import type { Logger } from 'pino';
import type { KubeEvent, KubeObject } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import { Lru } from './events-correlator.js';

/** The ApiClient methods the recorder needs (ApiClient satisfies it). */
export interface EventSink {
  /** ApiClient sends the creates of one turn (a pod's Pulled, Created, Started) in one call. */
  create<T extends KubeObject>(resource: string, obj: T, namespace?: string): Promise<T>;
  get<T extends KubeObject>(resource: string, namespace: string, name: string): Promise<T>;
  /** Writes the whole object; metadata.resourceVersion, when set, must still be current. */
  update<T extends KubeObject>(resource: string, obj: T): Promise<T>;
}

/** The stored Event as this recorder last saw it. */
interface Stored {
  name: string;
  resourceVersion: string;
  /** The count the server has. */
  count: number;
  /** The recorder's count that write carried (the server's count may differ after a conflict). */
  localCount: number;
}

const CONFLICT_RETRIES = 5;

export class EventWriter {
  private readonly stored = new Lru<Stored>(4096);
  /** Events being written, each with the occurrence to write next, if one came meanwhile. */
  private readonly writing = new Map<string, { next: KubeEvent | undefined }>();

  constructor(
    private readonly sink: EventSink,
    private readonly log?: Logger,
  ) {}

  /** True when key's Event is being written: ev is written after it (nothing else to do). */
  coalesce(key: string, ev: KubeEvent): boolean {
    const w = this.writing.get(key);
    if (!w) return false;
    w.next = ev;
    return true;
  }

  /** Writes ev, then whatever coalesced into it meanwhile; never rejects. */
  async write(key: string, ev: KubeEvent): Promise<void> {
    const slot: { next: KubeEvent | undefined } = { next: ev };
    this.writing.set(key, slot);
    try {
      while (slot.next) {
        const cur = slot.next;
        slot.next = undefined;
        try {
          await this.writeOne(key, cur);
        } catch (err) {
          this.log?.debug(
            {
              reason: cur.reason,
              object: cur.involvedObject.name,
              err: err instanceof Error ? err.message : String(err),
            },
            'event dropped: write failed',
          );
        }
      }
    } finally {
      this.writing.delete(key);
    }
  }

  private async writeOne(key: string, ev: KubeEvent): Promise<void> {
    let known = this.stored.get(key);
    const localCount = ev.count ?? 1;
    for (let attempt = 0; ; attempt++) {
      if (!known || known.name !== ev.metadata.name) return this.create(key, ev, localCount);
      const count = known.count + Math.max(0, localCount - known.localCount);
      const obj: KubeEvent = { ...ev, count, metadata: { ...ev.metadata, resourceVersion: known.resourceVersion } };
      try {
        return this.remember(key, await this.sink.update('events', obj), localCount);
      } catch (err) {
        if (isReason(err, 'NotFound')) return this.create(key, ev, localCount);
        if (!isReason(err, 'Conflict') || attempt >= CONFLICT_RETRIES) throw err;
        const now = await this.reread(ev);
        if (!now)
          return this.remember(
            key,
            await this.sink.update('events', { ...obj, metadata: { ...obj.metadata, resourceVersion: undefined } }),
            localCount,
          );
        known = {
          name: known.name,
          resourceVersion: now.metadata.resourceVersion ?? '',
          count: now.count ?? 1,
          localCount: known.localCount,
        };
      }
    }
  }

  /** The Event as stored now; undefined when this recorder may not read Events. */
  private async reread(ev: KubeEvent): Promise<KubeEvent | undefined> {
    try {
      return await this.sink.get<KubeEvent>('events', ev.metadata.namespace ?? '', ev.metadata.name ?? '');
    } catch (err) {
      if (isReason(err, 'Forbidden')) return undefined;
      throw err;
    }
  }

  /** Creates the Event; one that exists already (an earlier create whose answer was lost) is overwritten. */
  private async create(key: string, ev: KubeEvent, localCount: number): Promise<void> {
    const obj: KubeEvent = { ...ev, metadata: { ...ev.metadata } };
    delete obj.metadata.resourceVersion;
    try {
      this.remember(key, await this.sink.create('events', obj), localCount);
    } catch (err) {
      if (!isReason(err, 'AlreadyExists')) throw err;
      this.remember(key, await this.sink.update('events', obj), localCount);
    }
  }

  private remember(key: string, saved: KubeEvent, localCount: number): void {
    this.stored.set(key, {
      name: saved.metadata.name ?? '',
      resourceVersion: saved.metadata.resourceVersion ?? '',
      count: saved.count ?? 1,
      localCount,
    });
  }
}

function isReason(err: unknown, reason: string): boolean {
  return err instanceof ApiError && err.reason === reason;
}

/**
 * A watch-history check: records everything one client watch sees across faults (events,
 * bookmarks, reopenings after a dropped stream, relists after a 410) and checks it the way a
 * correct informer needs it:
 *  - per key, resourceVersions strictly increase (an equal one is a duplicate, a lower one a
 *    regression), and the stream never goes back in revision order;
 *  - every acknowledged write was either delivered as an event exactly once, or falls in a gap the
 *    client closed by relisting (after a 410, between its last revision and the relist's);
 *  - the state the client built (events applied to its relists) equals a final list.
 * Transport-free: watch-loop.ts drives it from a REST watch; anything that yields events can.
 */

export type ObservedType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Observed {
  type: ObservedType;
  key: string;
  rv: number;
}

export interface ListedItem {
  key: string;
  rv: number;
}

/** A write the server acknowledged: its key and the resourceVersion it answered. */
export interface AckedWrite {
  key: string;
  rv: number;
  type: 'put' | 'delete';
}

export interface HistoryReport {
  events: number;
  relists: number;
  reopens: number;
  bookmarks: number;
  /** Acknowledged writes neither delivered nor covered by a relist. */
  lost: AckedWrite[];
  /** The same (key, resourceVersion) delivered more than once. */
  duplicates: Observed[];
  /** An event older than what the stream had already delivered (per key or in revision order). */
  outOfOrder: string[];
  /** Where the client's state differs from the final list. */
  stateDiff: string[];
  /** Acknowledged writes covered by a relist instead of an event (allowed). */
  coveredByRelist: number;
}

export function historyOk(r: HistoryReport): boolean {
  return r.lost.length === 0 && r.duplicates.length === 0 && r.outOfOrder.length === 0 && r.stateDiff.length === 0;
}

export function describeReport(r: HistoryReport): string {
  const head = `${r.events} events, ${r.relists} relists, ${r.reopens} reopens, ${r.bookmarks} bookmarks; ${r.coveredByRelist} writes covered by a relist`;
  const parts = [
    r.lost.length
      ? `${r.lost.length} lost (first: ${r.lost
          .slice(0, 3)
          .map((w) => `${w.key}@${w.rv}`)
          .join(', ')})`
      : '',
    r.duplicates.length
      ? `${r.duplicates.length} duplicates (first: ${r.duplicates
          .slice(0, 3)
          .map((e) => `${e.key}@${e.rv}`)
          .join(', ')})`
      : '',
    r.outOfOrder.length ? `${r.outOfOrder.length} out of order (first: ${r.outOfOrder.slice(0, 3).join('; ')})` : '',
    r.stateDiff.length ? `${r.stateDiff.length} state differences (first: ${r.stateDiff.slice(0, 3).join('; ')})` : '',
  ].filter((p) => p);
  return parts.length ? `${head}; ${parts.join('; ')}` : head;
}

export class WatchHistory {
  /** The client's view: key → resourceVersion. */
  private readonly state = new Map<string, number>();
  /** Highest resourceVersion per key ever seen (events and relists). */
  private readonly lastByKey = new Map<string, number>();
  private readonly delivered = new Map<string, number>();
  private readonly duplicates: Observed[] = [];
  private readonly outOfOrder: string[] = [];
  /** Revision intervals (from, to] closed by a relist. */
  private readonly gaps: [number, number][] = [];
  private last = 0;
  private counts = { events: 0, relists: 0, reopens: 0, bookmarks: 0 };

  /** The revision to resume a dropped stream from. */
  get resumeFrom(): number {
    return this.last;
  }

  /** How many objects the client's view holds. */
  get size(): number {
    return this.state.size;
  }

  has(key: string): boolean {
    return this.state.has(key);
  }

  /** A full list at `rv` (the first one, or the relist after a 410). */
  relist(items: ListedItem[], rv: number): void {
    // Whatever happened up to rv and was not delivered is in this list (the first one included).
    this.gaps.push([this.last, rv]);
    this.counts.relists++;
    if (rv < this.last) this.outOfOrder.push(`relist at ${rv} after the stream reached ${this.last}`);
    const listed = new Set<string>();
    for (const it of items) {
      listed.add(it.key);
      const prev = this.lastByKey.get(it.key);
      if (prev !== undefined && it.rv < prev) this.outOfOrder.push(`${it.key}: relisted at ${it.rv} after ${prev}`);
      this.lastByKey.set(it.key, Math.max(prev ?? 0, it.rv));
      this.state.set(it.key, it.rv);
    }
    for (const key of [...this.state.keys()]) if (!listed.has(key)) this.state.delete(key);
    this.last = Math.max(this.last, rv);
  }

  /** The stream dropped and is reopened from resumeFrom. */
  reopened(): void {
    this.counts.reopens++;
  }

  bookmark(rv: number): void {
    this.counts.bookmarks++;
    if (rv < this.last) this.outOfOrder.push(`bookmark at ${rv} after ${this.last}`);
    this.last = Math.max(this.last, rv);
  }

  event(ev: Observed): void {
    this.counts.events++;
    const id = `${ev.key}@${ev.rv}`;
    const seen = this.delivered.get(id) ?? 0;
    this.delivered.set(id, seen + 1);
    const prev = this.lastByKey.get(ev.key);
    if (seen > 0 || prev === ev.rv) this.duplicates.push(ev);
    else if (prev !== undefined && ev.rv < prev)
      this.outOfOrder.push(`${ev.key}: ${ev.type} at ${ev.rv} after ${prev}`);
    else if (ev.rv < this.last)
      this.outOfOrder.push(`${ev.key}: ${ev.type} at ${ev.rv} after the stream reached ${this.last}`);
    this.lastByKey.set(ev.key, Math.max(prev ?? 0, ev.rv));
    this.last = Math.max(this.last, ev.rv);
    if (ev.type === 'DELETED') this.state.delete(ev.key);
    else this.state.set(ev.key, ev.rv);
  }

  private covered(rv: number): boolean {
    return this.gaps.some(([from, to]) => rv > from && rv <= to);
  }

  /** Checks the history against the acknowledged writes and a final list (read after the last write). */
  check(acked: AckedWrite[], finalList: ListedItem[]): HistoryReport {
    const lost: AckedWrite[] = [];
    let coveredByRelist = 0;
    for (const w of acked) {
      if (this.delivered.has(`${w.key}@${w.rv}`)) continue;
      if (this.covered(w.rv)) coveredByRelist++;
      else lost.push(w);
    }
    const stateDiff: string[] = [];
    const want = new Map(finalList.map((i) => [i.key, i.rv]));
    for (const [key, rv] of want) {
      const got = this.state.get(key);
      if (got !== rv)
        stateDiff.push(got === undefined ? `${key}@${rv} missing` : `${key} at ${got}, the list has ${rv}`);
    }
    for (const [key, rv] of this.state) if (!want.has(key)) stateDiff.push(`${key}@${rv} is gone from the list`);
    return {
      ...this.counts,
      lost,
      duplicates: [...this.duplicates],
      outOfOrder: [...this.outOfOrder],
      stateDiff,
      coveredByRelist,
    };
  }
}

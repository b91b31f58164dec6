/**
 * Round-robin state of one service port: the ready backends and a cursor. Pure (no I/O); the
 * TCP and UDP forwarders ask it for the order in which to try backends.
 */

export interface Backend {
  ip: string;
  port: number;
  /** The node the endpoint runs on (EndpointSlice endpoints[].nodeName), for traffic policy Local. */
  nodeName?: string;
}

export function backendKey(b: Backend): string {
  return `${b.ip}:${b.port}`;
}

/** What a forwarder needs from a pool. */
export interface BackendPicker {
  /**
   * Every backend once, starting with the one whose turn it is, and moves the turn on by one.
   * The first is the choice; the rest are the fail-over order. Empty when there are no backends.
   * `client` is the connecting address (session affinity, internalTrafficPolicy Local).
   */
  candidates(client?: string): Backend[];
  /** Which candidate the connection really went to (session affinity follows fail-over). */
  chose?(client: string | undefined, b: Backend): void;
}

export class RoundRobin implements BackendPicker {
  private backends: Backend[] = [];
  private cursor = 0;

  constructor(backends: Backend[] = []) {
    this.set(backends);
  }

  /**
   * Replaces the backends. The backend whose turn it was keeps its turn when it is still there,
   * so a change elsewhere in the list does not skip or repeat anyone.
   */
  set(backends: Backend[]): void {
    const seen = new Set<string>();
    const next = backends.filter((b) => {
      const k = backendKey(b);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    const due = this.backends[this.cursor];
    const kept = due ? next.findIndex((b) => backendKey(b) === backendKey(due)) : -1;
    this.backends = next;
    this.cursor = kept >= 0 ? kept : next.length === 0 ? 0 : this.cursor % next.length;
  }

  list(): Backend[] {
    return [...this.backends];
  }

  get size(): number {
    return this.backends.length;
  }

  /** `advance: false` leaves the turn where it is (a sticky client took its own backend). */
  candidates(_client?: string, advance = true): Backend[] {
    const n = this.backends.length;
    if (n === 0) return [];
    const start = this.cursor;
    if (advance) this.cursor = (start + 1) % n;
    return Array.from({ length: n }, (_, i) => this.backends[(start + i) % n]!);
  }
}

export function sameBackends(a: Backend[], b: Backend[]): boolean {
  return a.length === b.length && a.every((x, i) => backendKey(x) === backendKey(b[i]!));
}

/**
 * Where an ApiClient sends its calls: one gRPC channel per apiserver target of
 * KUBELAB_APISERVER ("apiserver:7000", or "a:7000,b:7000"). A target whose name resolves to
 * several addresses (a Docker network alias shared by every apiserver of the lab) is one channel
 * that grpc-js fails over by itself: pick_first over the shuffled addresses, re-resolved within a
 * second, trying the next address 250 ms into a stalled connect. With several targets the client
 * sticks to one and moves on to the next live one when a call on it fails in transport.
 */
import * as grpc from '@grpc/grpc-js';
import { CHANNEL_OPTIONS } from '@kubelab/proto';

/** CHANNEL_OPTIONS, plus what makes a channel over several addresses fail over fast. */
export const FAILOVER_CHANNEL_OPTIONS: grpc.ChannelOptions = {
  ...CHANNEL_OPTIONS,
  // A restarted apiserver comes back on a new address: look the name up again within a second
  // (grpc-js waits 30 s between lookups by default).
  'grpc.dns_min_time_between_resolutions_ms': 1_000,
  // Spread the lab's clients over the apiservers instead of all taking the first address.
  'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ pick_first: { shuffleAddressList: true } }] }),
};

/** "a:7000, b:7000" → ["a:7000", "b:7000"]; at least one target. */
export function parseTargets(address: string): string[] {
  const targets = address
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (targets.length === 0)
    throw new Error(`KUBELAB_APISERVER: Invalid value: "${address}": must name at least one apiserver as host:port`);
  return targets;
}

/**
 * A call failed before or while reaching the apiserver (no answer from it), not an error it
 * returned: UNAVAILABLE (no connection, or it dropped), or CANCELLED by the server's side (an
 * apiserver shutting down cuts its calls; this client's own cancels never get here).
 */
export function isTransportFailure(err: unknown): boolean {
  const e = err as Partial<grpc.ServiceError> | undefined;
  if (!e || (e.code !== grpc.status.UNAVAILABLE && e.code !== grpc.status.CANCELLED)) return false;
  // Errors the apiserver raises itself (e.g. etcd unavailable) carry their Kubernetes reason.
  return !(e.metadata instanceof grpc.Metadata && e.metadata.get('k8s-reason').length > 0);
}

/** The call never left this process (no connection to pick), so repeating it cannot duplicate it. */
export function neverSent(err: unknown): boolean {
  const msg = (err as { details?: string } | undefined)?.details ?? '';
  return (
    (err as { code?: number }).code === grpc.status.UNAVAILABLE &&
    isTransportFailure(err) &&
    (msg.startsWith('No connection established') || msg.startsWith('Name resolution failed'))
  );
}

export class ApiEndpoints<C extends grpc.Client> {
  readonly targets: string[];
  private readonly clients: C[];
  private current = 0;

  constructor(address: string, make: (target: string) => C) {
    this.targets = parseTargets(address);
    this.clients = this.targets.map(make);
  }

  /** The client to use now, with its index (to report a failure against). */
  pick(): { client: C; index: number } {
    return { client: this.clients[this.current]!, index: this.current };
  }

  /** A call on `index` failed in transport: from now on prefer the next target that is not known to be down. */
  failed(index: number): void {
    if (index !== this.current || this.clients.length === 1) return;
    for (let step = 1; step <= this.clients.length; step++) {
      const i = (index + step) % this.clients.length;
      // getConnectivityState(true) also starts connecting an idle channel, ready for the next call.
      const state = this.clients[i]!.getChannel().getConnectivityState(true);
      if (state !== grpc.connectivityState.TRANSIENT_FAILURE || step === this.clients.length - 1) {
        this.current = i;
        return;
      }
    }
  }

  /** The target calls go to now. */
  target(): string {
    return this.targets[this.current]!;
  }

  close(): void {
    for (const c of this.clients) c.close();
  }
}

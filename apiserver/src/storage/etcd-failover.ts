/**
 * What lets the apiserver ride out the loss of one etcd member (the HA profile's three): the
 * options of its etcd channel, and a short retry of unary calls that etcd refused without
 * doing them. Kept apart from etcd.ts on purpose (the watch layer is reworked there).
 *
 * - The client's one endpoint, http://etcd:2379, is a name every member carries: grpc-js
 *   connects to one of its addresses and, when that member dies, to another (pick_first, the
 *   name looked up again within a second, so a member back on a new address is found).
 * - Unary calls carry etcd's `hasleader` metadata (clientv3's WithRequireLeader): a member
 *   without a leader (quorum lost, or an election under way) refuses at once with "no leader"
 *   instead of holding the call until its deadline. Watches do not: a watch on a leaderless
 *   member stays open and resumes by itself when quorum is back.
 * - A call refused as unavailable (no connection, member gone, no leader, leader changed) is
 *   tried again for up to RETRY_BUDGET_MS, long enough for an election after a member is lost;
 *   then the apiserver answers 503 with Retry-After. A deadline is never retried (etcd may be
 *   slow rather than gone; retries would only add load). Writes are compare-guarded txns, so a
 *   retry of one that did land (etcd applied it, the answer was lost) fails its compare, never
 *   writes twice; the store then finds its own bytes there and answers the write as done
 *   (etcd-txn.ts landedRevision).
 */
import * as grpc from '@grpc/grpc-js';
import { sleep } from '@kubelab/client';
import { FLOW_CONTROL_WINDOW } from '@kubelab/proto';

export const RETRY_BUDGET_MS = 3_000;

/** Adds `hasleader: true` to unary calls (etcd's require-leader key). */
export const requireLeader: grpc.Interceptor = (options, next) => {
  const def = options.method_definition;
  const call = new grpc.InterceptingCall(next(options), {
    start(metadata, listener, proceed) {
      if (!def.requestStream && !def.responseStream) metadata.set('hasleader', 'true');
      proceed(metadata, listener);
    },
  });
  return call;
};

/** Channel options (and interceptors) of the etcd client. */
export function etcdGrpcOptions(): grpc.ChannelOptions {
  return {
    'grpc.keepalive_time_ms': 10_000,
    'grpc.keepalive_timeout_ms': 5_000,
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    'grpc.dns_min_time_between_resolutions_ms': 1_000,
    // One stream carries every watch: 64 KiB per round trip (the default) falls behind a rollout.
    'grpc-node.flow_control_window': FLOW_CONTROL_WINDOW,
    interceptors: [requireLeader],
  } as grpc.ChannelOptions;
}

/** etcd did not do the call and another try (elsewhere, or after an election) may work. */
export function isRefusedUnavailable(err: unknown): boolean {
  const msg = err instanceof Error ? err.message : String(err);
  if (/deadline/i.test(msg)) return false;
  const code = (err as { code?: number }).code;
  const name = (err as { name?: string }).name;
  return (
    code === grpc.status.UNAVAILABLE ||
    name === 'GRPCUnavailableError' ||
    /no leader|leader changed|No connection established|Connection dropped|ECONNREFUSED|ECONNRESET/i.test(msg)
  );
}

/** Runs fn, again while etcd refuses it as unavailable, for up to budgetMs. */
export async function withFailover<T>(fn: () => Promise<T>, budgetMs = RETRY_BUDGET_MS): Promise<T> {
  const until = Date.now() + budgetMs;
  for (let wait = 50; ; wait = Math.min(wait * 2, 500)) {
    try {
      return await fn();
    } catch (err) {
      if (!isRefusedUnavailable(err) || Date.now() + wait > until) throw err;
      await sleep(wait);
    }
  }
}

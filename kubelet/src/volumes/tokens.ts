/**
 * The kubelet's ServiceAccount token manager (upstream's pkg/kubelet/token): the tokens of
 * `serviceAccountToken` projections, each a TokenRequest bound to its pod, kept per pod,
 * ServiceAccount, audience and lifetime and asked anew once 80 % of its lifetime has passed (or
 * 24 h), so the volume's file is rewritten before it expires. When the apiserver cannot be reached
 * a token that has not expired yet is still used.
 */
import type { Clock, KubeObject, Pod } from '@kubelab/api';

export interface TokenApi {
  create<T extends KubeObject>(resource: string, obj: T, namespace?: string): Promise<T>;
}

export interface TokenSource {
  token(pod: Pod, audience: string | undefined, expirationSeconds: number): Promise<string>;
  forget(podUid: string): void;
}

interface Held {
  token: string;
  issuedMs: number;
  expiresMs: number;
  podUid: string;
}

const DAY_MS = 24 * 3600_000;

export function requiresRefresh(h: Held, nowMs: number): boolean {
  const lifetime = h.expiresMs - h.issuedMs;
  return nowMs >= h.issuedMs + Math.min(lifetime * 0.8, DAY_MS);
}

type TokenRequest = KubeObject & { status?: { token?: string; expirationTimestamp?: string } };

export class TokenManager implements TokenSource {
  private readonly held = new Map<string, Held>();
  /** Requests in flight by key: a prefetch and the volume set-up share one. */
  private readonly pending = new Map<string, Promise<string>>();

  constructor(
    private readonly api: TokenApi,
    private readonly clock: Clock,
  ) {}

  async token(pod: Pod, audience: string | undefined, expirationSeconds: number): Promise<string> {
    const ns = pod.metadata.namespace ?? 'default';
    const sa = (pod.spec['serviceAccountName'] as string | undefined) || 'default';
    const uid = pod.metadata.uid ?? '';
    const key = `${ns}/${sa}/${audience ?? ''}/${expirationSeconds}/${uid}`;
    const cur = this.held.get(key);
    if (cur && !requiresRefresh(cur, this.clock.now())) return cur.token;
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight;
    const p = this.request(pod, ns, sa, uid, key, audience, expirationSeconds, cur).finally(() =>
      this.pending.delete(key),
    );
    this.pending.set(key, p);
    return p;
  }

  private async request(
    pod: Pod,
    ns: string,
    sa: string,
    uid: string,
    key: string,
    audience: string | undefined,
    expirationSeconds: number,
    cur: Held | undefined,
  ): Promise<string> {
    const now = this.clock.now();
    const body: TokenRequest = {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: { name: sa, namespace: ns },
      spec: {
        expirationSeconds,
        ...(audience ? { audiences: [audience] } : {}),
        boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid },
      },
    };
    try {
      const tr = await this.api.create<TokenRequest>('serviceaccounts/token', body, ns);
      const token = tr.status?.token;
      if (!token) throw new Error(`the TokenRequest for serviceaccount ${ns}/${sa} came back without a token`);
      const exp = Date.parse(tr.status?.expirationTimestamp ?? '');
      this.held.set(key, {
        token,
        issuedMs: now,
        expiresMs: Number.isFinite(exp) ? exp : now + expirationSeconds * 1000,
        podUid: uid,
      });
      return token;
    } catch (err) {
      if (cur && cur.expiresMs > now) return cur.token;
      throw err;
    }
  }

  forget(podUid: string): void {
    for (const [k, h] of this.held) if (h.podUid === podUid) this.held.delete(k);
  }
}

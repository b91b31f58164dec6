/**
 * Bootstrap tokens as `kubeadm token` makes them: `<id>.<secret>` ([a-z0-9]{6}.[a-z0-9]{16}), kept
 * as the Secret kube-system/bootstrap-token-<id> of type bootstrap.kubernetes.io/token with
 * token-id, token-secret, expiration (RFC 3339; none for a TTL of 0), usage-bootstrap-
 * authentication and -signing, auth-extra-groups and description. The apiserver authenticates such
 * a token as system:bootstrap:<id> in system:bootstrappers, which may only ask for a node
 * certificate. Pure: the API calls are in cmd-token.ts.
 */
import { randomInt } from 'node:crypto';

export const TOKEN_RE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
export const ID_RE = /^[a-z0-9]{6}$/;
export const TOKEN_NAMESPACE = 'kube-system';
export const TOKEN_TYPE = 'bootstrap.kubernetes.io/token';
export const DEFAULT_GROUP = 'system:bootstrappers:kubelab:default-node-token';
const GROUP_RE = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export const secretName = (id: string): string => `bootstrap-token-${id}`;

function random(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

export function generateBootstrapToken(): string {
  return `${random(6)}.${random(16)}`;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration (24h, 1h30m, 90s, 0) in milliseconds; throws what is wrong. */
export function parseTtl(text: string): number {
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * UNITS[m[2]!]!;
    end = re.lastIndex;
  }
  if (text === '' || end !== text.length)
    throw new Error(`--ttl: ${JSON.stringify(text)} is not a duration (e.g. 24h, 1h30m, 90m; 0 never expires)`);
  return total;
}

/** The id of a token or of an id alone; throws with the expected form. */
export function tokenId(arg: string): string {
  const m = TOKEN_RE.exec(arg);
  if (m) return m[1]!;
  if (ID_RE.test(arg)) return arg;
  throw new Error(`${JSON.stringify(arg)} is neither a token id ([a-z0-9]{6}) nor a token ([a-z0-9]{6}.[a-z0-9]{16})`);
}

export interface TokenOptions {
  ttlMs: number;
  description?: string;
  groups?: string[];
  now?: Date;
}

export function tokenSecret(token: string, o: TokenOptions): Record<string, unknown> {
  const m = TOKEN_RE.exec(token);
  if (!m) throw new Error(`the token must match ${TOKEN_RE.source}`);
  const groups = o.groups ?? [DEFAULT_GROUP];
  const bad = groups.find((g) => !GROUP_RE.test(g));
  if (bad) throw new Error(`--groups: ${JSON.stringify(bad)} must match ${GROUP_RE.source}`);
  const data: Record<string, string> = {
    'token-id': m[1]!,
    'token-secret': m[2]!,
    'usage-bootstrap-authentication': 'true',
    'usage-bootstrap-signing': 'true',
    'auth-extra-groups': groups.join(','),
  };
  if (o.ttlMs > 0)
    data['expiration'] = new Date((o.now ?? new Date()).getTime() + o.ttlMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (o.description) data['description'] = o.description;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: secretName(m[1]!), namespace: TOKEN_NAMESPACE },
    type: TOKEN_TYPE,
    stringData: data,
  };
}

interface SecretLike {
  type?: string;
  data?: Record<string, string>;
}

const value = (s: SecretLike, key: string): string | undefined =>
  s.data?.[key] === undefined ? undefined : Buffer.from(s.data[key]!, 'base64').toString('utf8');

/** Upstream's short TTL: 23h, 59m, 30s; <invalid> once expired; <forever> without expiration. */
function ttlText(expiration: string | undefined, now: number): string {
  if (!expiration) return '<forever>';
  const left = Math.floor((Date.parse(expiration) - now) / 1000);
  if (Number.isNaN(left) || left <= 0) return '<invalid>';
  if (left < 60) return `${left}s`;
  if (left < 3600) return `${Math.floor(left / 60)}m`;
  if (left < 48 * 3600) return `${Math.floor(left / 3600)}h`;
  return `${Math.floor(left / 86400)}d`;
}

/** `kubeadm token list`'s table for the bootstrap-token Secrets. */
export function tokenTable(secrets: SecretLike[], now = Date.now()): string[] {
  const rows = [['TOKEN', 'TTL', 'EXPIRES', 'USAGES', 'DESCRIPTION', 'EXTRA GROUPS']];
  for (const s of secrets) {
    if (s.type !== TOKEN_TYPE) continue;
    const id = value(s, 'token-id');
    const secret = value(s, 'token-secret');
    if (!id || !secret) continue;
    const exp = value(s, 'expiration');
    const usages = ['authentication', 'signing'].filter((u) => value(s, `usage-bootstrap-${u}`) === 'true');
    rows.push([
      `${id}.${secret}`,
      ttlText(exp, now),
      exp ?? '<never>',
      usages.join(',') || '<none>',
      value(s, 'description') || '<none>',
      value(s, 'auth-extra-groups') || '<none>',
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join(''));
}

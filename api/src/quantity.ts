/**
 * Resource quantities ("100m", "0.5", "128Mi", "1G", "2e3"): parsing into plain numbers, the way
 * the scheduler and the kubelet compare requests with allocatable. Imported as
 * `@kubelab/api/quantity`.
 */
import { ApiError } from '@kubelab/proto';

const PATTERN = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;

const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

interface Parts {
  mantissa: string;
  exp10: number;
  exp2: number;
}

function parts(q: string | number): Parts {
  if (typeof q === 'number') {
    if (!Number.isFinite(q)) throw invalid(String(q));
    return { mantissa: String(q), exp10: 0, exp2: 0 };
  }
  const s = q.trim();
  const m = PATTERN.exec(s);
  if (!m) throw invalid(q);
  const suffix = m[2] ?? '';
  if (m[3] !== undefined) return { mantissa: m[1]!, exp10: Number(m[3]), exp2: 0 };
  if (suffix in BINARY) return { mantissa: m[1]!, exp10: 0, exp2: BINARY[suffix]! };
  return { mantissa: m[1]!, exp10: DECIMAL[suffix]!, exp2: 0 };
}

function invalid(q: string): ApiError {
  return new ApiError('BadRequest', `quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (got "${q}")`);
}

/** value * 10^shift, computed from the decimal string so that "0.1" * 1000 is exactly 100. */
function scaled(p: Parts, shift: number): number {
  return Number(`${p.mantissa}e${p.exp10 + shift}`) * 2 ** p.exp2;
}

/** The quantity in base units: cores for cpu ("250m" → 0.25), bytes for memory ("1Ki" → 1024). */
export function parseQuantity(q: string | number): number {
  return scaled(parts(q), 0);
}

/** Like parseQuantity, but undefined instead of throwing. */
export function tryParseQuantity(q: string | number | undefined | null): number | undefined {
  if (q === undefined || q === null || q === '') return undefined;
  try {
    return parseQuantity(q);
  } catch {
    return undefined;
  }
}

/** Thousandths of the quantity, rounded up like upstream's MilliValue ("100m" → 100, "1" → 1000). */
export function milliValue(q: string | number): number {
  return Math.ceil(scaled(parts(q), 3) - 1e-9);
}

/** The quantity rounded up to a whole number, like upstream's Value() ("1500m" → 2, "1Mi" → 1048576). */
export function intValue(q: string | number): number {
  return Math.ceil(scaled(parts(q), 0) - 1e-9);
}

/**
 * Resource quantities ("100m", "0.5", "128Mi", "1G", "2e3"), parsed the way upstream's
 * resource.ParseQuantity does: exactly (a sign, an integer and a power of ten), rounded up to
 * nano units. This is the one strict parser: the apiserver refuses what it refuses, and the
 * scheduler and the kubelet read numbers through it. Imported as `@kubelab/api/quantity`.
 *
 * Upstream accepts any magnitude; here a quantity beyond ±(2^63 - 1) base units (±8Ei) is out of
 * range and refused, so that no component ever computes with Infinity (`cpu: 1e400`).
 */
import { ApiError } from '@kubelab/proto';

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** value = (negative ? -1 : 1) × unscaled × 10^-scale, with 0 ≤ scale ≤ 9. */
export interface Quantity {
  negative: boolean;
  unscaled: bigint;
  scale: number;
  format: QuantityFormat;
}

export const QUANTITY_FORMAT_ERROR =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
export const QUANTITY_SUFFIX_ERROR = "unable to parse quantity's suffix";
export const MAX_QUANTITY = 2n ** 63n - 1n;
export const QUANTITY_RANGE_ERROR = `must be between -${MAX_QUANTITY} and ${MAX_QUANTITY}, inclusive`;

/** A quantity that does not parse (format, suffix) or is out of range; `message` is upstream's. */
export class QuantityError extends Error {
  constructor(
    message: string,
    readonly outOfRange = false,
  ) {
    super(message);
    this.name = 'QuantityError';
  }
}

const SPLIT = /^([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const DECIMAL: Record<string, number> = { '': 0, n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const NANO = 9;
/** Digits beyond these cannot be in range (they only round up at the nano place). */
const MAX_DIGITS = 64;

interface Suffix {
  base: 2 | 10;
  exponent: number;
  format: QuantityFormat;
}

function suffixOf(s: string): Suffix {
  if (s in DECIMAL) return { base: 10, exponent: DECIMAL[s]!, format: 'DecimalSI' };
  if (s in BINARY) return { base: 2, exponent: BINARY[s]!, format: 'BinarySI' };
  if (s.length > 1 && (s[0] === 'e' || s[0] === 'E') && /^[+-]?[0-9]+$/.test(s.slice(1)))
    return { base: 10, exponent: Number(s.slice(1)), format: 'DecimalExponent' };
  throw new QuantityError(QUANTITY_SUFFIX_ERROR);
}

const outOfRange = (): QuantityError => new QuantityError(QUANTITY_RANGE_ERROR, true);

/** ceil(n / 10^k) for n ≥ 0. */
function divCeil10(n: bigint, k: number): bigint {
  const d = 10n ** BigInt(k);
  return (n + d - 1n) / d;
}

/** Parses a quantity (a JSON number is read by its decimal text); throws QuantityError. */
export function parseQuantityValue(input: string | number): Quantity {
  const str = typeof input === 'number' ? (Number.isFinite(input) ? String(input) : '') : input;
  const m = SPLIT.exec(str);
  if (!m || `${m[2]}${m[3] ?? ''}`.length === 0) throw new QuantityError(QUANTITY_FORMAT_ERROR);
  const suffix = suffixOf(m[4]!);
  const intPart = m[2]!.replace(/^0+/, '');
  let frac = m[3] ?? '';
  if (intPart.length + frac.length > MAX_DIGITS) {
    if (intPart.length > MAX_DIGITS) throw outOfRange();
    // Digits this far right only round the value up at the nano place.
    const rest = frac.slice(MAX_DIGITS - intPart.length);
    frac = frac.slice(0, MAX_DIGITS - intPart.length) + (/[1-9]/.test(rest) ? '1' : '');
  }
  let unscaled = BigInt(`${intPart}${frac}` || '0');
  // value = unscaled × 10^-scale (× 2^binaryExp)
  let scale = frac.length;
  if (suffix.base === 10) scale -= suffix.exponent;
  else unscaled *= 2n ** BigInt(suffix.exponent);
  if (unscaled === 0n) return { negative: false, unscaled: 0n, scale: 0, format: suffix.format };
  const digits = unscaled.toString().length;
  if (digits - scale > 19) throw outOfRange();
  if (scale < 0) {
    unscaled *= 10n ** BigInt(-scale);
    scale = 0;
  } else if (scale > NANO) {
    // Round up to the nano place: a request for a little gets some, never nothing.
    unscaled = scale - NANO > digits + 1 ? 1n : divCeil10(unscaled, scale - NANO);
    scale = NANO;
  }
  while (scale > 0 && unscaled % 10n === 0n) {
    unscaled /= 10n;
    scale--;
  }
  if (unscaled > MAX_QUANTITY * 10n ** BigInt(scale)) throw outOfRange();
  // Upstream shows a binary quantity under 1 in decimal.
  const format = suffix.format === 'BinarySI' && unscaled < 10n ** BigInt(scale) ? 'DecimalSI' : suffix.format;
  return { negative: m[1] === '-', unscaled, scale, format };
}

/** Upstream's message for a value that is not a valid quantity, or undefined when it is one. */
export function quantityError(v: unknown): string | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return QUANTITY_FORMAT_ERROR;
  try {
    parseQuantityValue(v);
    return undefined;
  } catch (e) {
    if (e instanceof QuantityError) return e.message;
    throw e;
  }
}

function strict(q: string | number): Quantity {
  try {
    return parseQuantityValue(q);
  } catch (e) {
    if (e instanceof QuantityError) throw new ApiError('BadRequest', `${e.message} (got ${JSON.stringify(String(q))})`);
    throw e;
  }
}

/** value × 10^shift, rounded up (away from zero for negatives, like upstream's RoundUp). */
function scaledInt(q: Quantity, shift: number): number {
  const s = q.scale - shift;
  const n = s <= 0 ? q.unscaled * 10n ** BigInt(-s) : divCeil10(q.unscaled, s);
  return q.negative ? -Number(n) : Number(n);
}

/** The quantity in base units: cores for cpu ("250m" → 0.25), bytes for memory ("1Ki" → 1024). */
export function parseQuantity(q: string | number): number {
  const v = strict(q);
  const n = Number(v.unscaled) / 10 ** v.scale;
  return v.negative ? -n : n;
}

/** Like parseQuantity, but undefined for anything that is not a valid quantity. */
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
  return scaledInt(strict(q), 3);
}

/** The quantity rounded up to a whole number, like upstream's Value() ("1500m" → 2, "1Mi" → 1048576). */
export function intValue(q: string | number): number {
  return scaledInt(strict(q), 0);
}

/**
 * Quantities as upstream prints them (resource.Quantity's String(): the canonical form, e.g.
 * "1500m", "2", "512Mi", "1e3") and compared by value, for validation messages such as
 * `must be less than or equal to cpu limit of 1`.
 */
import { parseQuantityValue, type Quantity } from './quantity.js';

const DECIMAL_SUFFIX: Record<number, string> = {
  [-9]: 'n',
  [-6]: 'u',
  [-3]: 'm',
  0: '',
  3: 'k',
  6: 'M',
  9: 'G',
  12: 'T',
  15: 'P',
  18: 'E',
};
const BINARY_SUFFIX = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/** mantissa × 10^exponent with the exponent a multiple of 3 and the mantissa's trailing zeros moved out. */
function decimalParts(q: Quantity): { mantissa: bigint; exponent: number } {
  let mantissa = q.unscaled;
  let exponent = -q.scale;
  while (mantissa !== 0n && mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent++;
  }
  const r = ((exponent % 3) + 3) % 3;
  return { mantissa: mantissa * 10n ** BigInt(r), exponent: exponent - r };
}

function binaryString(q: Quantity): string | undefined {
  // Small or fractional binary quantities print in decimal, as upstream does.
  if (q.scale !== 0 || q.unscaled < 1024n) return undefined;
  let n = q.unscaled;
  let i = 0;
  while (i < BINARY_SUFFIX.length - 1 && n % 1024n === 0n) {
    n /= 1024n;
    i++;
  }
  return `${n}${BINARY_SUFFIX[i]}`;
}

/** The canonical form of a parsed quantity. */
export function formatQuantity(q: Quantity): string {
  if (q.unscaled === 0n) return '0';
  const sign = q.negative ? '-' : '';
  if (q.format === 'BinarySI') {
    const b = binaryString(q);
    if (b !== undefined) return sign + b;
  }
  const { mantissa, exponent } = decimalParts(q);
  if (q.format === 'DecimalExponent') return `${sign}${mantissa}${exponent === 0 ? '' : `e${exponent}`}`;
  const suffix = DECIMAL_SUFFIX[exponent];
  return suffix === undefined ? `${sign}${mantissa}e${exponent}` : `${sign}${mantissa}${suffix}`;
}

/** The canonical form of a quantity string or number (throws QuantityError when invalid). */
export function canonicalQuantity(v: string | number): string {
  return formatQuantity(parseQuantityValue(v));
}

/** -1, 0 or 1 as a is less than, equal to or greater than b. */
export function compareQuantities(a: Quantity, b: Quantity): number {
  const scale = Math.max(a.scale, b.scale);
  const va = a.unscaled * 10n ** BigInt(scale - a.scale) * (a.negative ? -1n : 1n);
  const vb = b.unscaled * 10n ** BigInt(scale - b.scale) * (b.negative ? -1n : 1n);
  return va < vb ? -1 : va > vb ? 1 : 0;
}

export function isNegative(q: Quantity): boolean {
  return q.negative && q.unscaled !== 0n;
}

/** True when the quantity is a whole number (upstream's MilliValue() % 1000 == 0). */
export function isWholeNumber(q: Quantity): boolean {
  return q.scale === 0 || q.unscaled % 10n ** BigInt(q.scale) === 0n;
}

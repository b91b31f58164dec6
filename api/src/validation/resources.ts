/**
 * Resource lists and requirements (containers' limits/requests, pod overhead, node capacity,
 * claim templates), validated as upstream's ValidateResourceRequirements and
 * ValidateResourceQuantityValue: each quantity parses and is in range, is not negative, is whole
 * for integer resources; a request is at most its limit, and equal to it for resources that
 * cannot be overcommitted (extended resources, huge pages).
 */
import { parseQuantityValue, quantityError, type Quantity } from '../quantity.js';
import { compareQuantities, formatQuantity, isNegative, isWholeNumber } from '../quantity-format.js';
import { forbidden, invalid, required, type FieldError } from './errors.js';
import { asRecord, qualifiedNameErrors } from './meta.js';

export const NEGATIVE_ERROR = 'must be greater than or equal to 0';
const NOT_INTEGER_ERROR = 'must be an integer';
const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

const isHugePages = (name: string): boolean => name.startsWith('hugepages-');
/** Native: no domain, or a kubernetes.io domain. */
const isNative = (name: string): boolean => !name.includes('/') || name.includes('kubernetes.io/');
const isExtended = (name: string): boolean =>
  !isNative(name) && !name.startsWith('requests.') && qualifiedNameErrors(`requests.${name}`).length === 0;
const isIntegerResource = (name: string): boolean => isExtended(name) || name === 'pods';
const overcommitAllowed = (name: string): boolean => isNative(name) && !isHugePages(name);

/** The resource name checks of upstream's validateContainerResourceName. */
function containerResourceNameErrors(name: string, field: string): FieldError[] {
  const errs = qualifiedNameErrors(name).map((m) => invalid(field, name, m));
  if (!name.includes('/')) {
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !isHugePages(name))
      errs.push(invalid(field, name, 'must be a standard resource for containers'));
  } else if (!isNative(name) && !isExtended(name)) {
    errs.push(invalid(field, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

/** Parses one quantity of a resource list; a format or range error is reported at `field`. */
function quantityAt(value: unknown, field: string, errs: FieldError[]): Quantity | undefined {
  const msg = quantityError(value);
  if (msg) {
    errs.push(invalid(field, typeof value === 'string' ? value : JSON.stringify(value), msg));
    return undefined;
  }
  return parseQuantityValue(value as string | number);
}

/** Upstream's ValidateResourceQuantityValue: not negative, whole for integer resources. */
function quantityValueErrors(name: string, q: Quantity, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (isNegative(q)) errs.push(invalid(field, formatQuantity(q), NEGATIVE_ERROR));
  if (isIntegerResource(name) && !isWholeNumber(q)) errs.push(invalid(field, formatQuantity(q), NOT_INTEGER_ERROR));
  return errs;
}

export interface ResourceListRules {
  /** Check names as container resources (limits, requests, overhead). */
  containerNames?: boolean;
  /** Paths as `field.<name>` (node capacity) rather than `field[<name>]`. */
  dotted?: boolean;
}

/** Validates a map of resource name → quantity; returns the parsed quantities too. */
export function validateResourceList(
  list: unknown,
  field: string,
  rules: ResourceListRules = {},
): { errs: FieldError[]; parsed: Map<string, Quantity> } {
  const errs: FieldError[] = [];
  const parsed = new Map<string, Quantity>();
  for (const [name, value] of Object.entries(asRecord(list))) {
    const f = rules.dotted ? `${field}.${name}` : `${field}[${name}]`;
    if (rules.containerNames) errs.push(...containerResourceNameErrors(name, f));
    const q = quantityAt(value, f, errs);
    if (!q) continue;
    parsed.set(name, q);
    errs.push(...quantityValueErrors(name, q, f));
  }
  return { errs, parsed };
}

/** Upstream's ValidateResourceRequirements for `resources` at `field` (limits, requests, claims left alone). */
export function validateResourceRequirements(resources: unknown, field: string): FieldError[] {
  const r = asRecord(resources);
  const limits = validateResourceList(r.limits, `${field}.limits`, { containerNames: true });
  const requests = validateResourceList(r.requests, `${field}.requests`, { containerNames: true });
  const errs = [...limits.errs, ...requests.errs];
  let hugePages = false;
  let cpuOrMemory = false;
  for (const name of [...limits.parsed.keys(), ...requests.parsed.keys()]) {
    if (isHugePages(name)) hugePages = true;
    if (name === 'cpu' || name === 'memory') cpuOrMemory = true;
  }
  for (const [name, q] of requests.parsed) {
    const limit = limits.parsed.get(name);
    if (limit) {
      const cmp = compareQuantities(q, limit);
      if (cmp !== 0 && !overcommitAllowed(name))
        errs.push(
          invalid(`${field}.requests`, formatQuantity(q), `must be equal to ${name} limit of ${formatQuantity(limit)}`),
        );
      else if (cmp > 0)
        errs.push(
          invalid(
            `${field}.requests`,
            formatQuantity(q),
            `must be less than or equal to ${name} limit of ${formatQuantity(limit)}`,
          ),
        );
    } else if (!overcommitAllowed(name) && !(name in asRecord(r.limits))) {
      errs.push(required(`${field}.limits`, 'Limit must be set for non overcommitable resources'));
    }
  }
  if (hugePages && !cpuOrMemory) errs.push(forbidden(field, 'HugePages require cpu or memory'));
  return errs;
}

/** A pod's DNS fields (dnsConfig, hostAliases, subdomain), with upstream's field paths and messages. */
import { checkLabel, checkSubdomain } from '../names.js';
import { invalid, required, type FieldError } from './errors.js';
import { IP_ERROR, asArray, asRecord, isValidIP } from './meta.js';

// Upstream's validation.MaxDNSNameservers, MaxDNSSearchPaths, MaxDNSSearchListChars.
const MAX_NAMESERVERS = 3;
const MAX_SEARCH_PATHS = 32;
const MAX_SEARCH_CHARS = 2048;

function validateDNSConfig(spec: Record<string, unknown>, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const f = `${field}.dnsConfig`;
  if (spec.dnsPolicy === 'None') {
    if (spec.dnsConfig === undefined || spec.dnsConfig === null)
      return [required(f, 'must provide `dnsConfig` when `dnsPolicy` is None')];
    if (asArray(asRecord(spec.dnsConfig).nameservers).length === 0)
      return [required(`${f}.nameservers`, 'must provide at least one DNS nameserver when `dnsPolicy` is None')];
  }
  if (spec.dnsConfig === undefined || spec.dnsConfig === null) return errs;
  const c = asRecord(spec.dnsConfig);
  const nameservers = asArray(c.nameservers);
  if (nameservers.length > MAX_NAMESERVERS)
    errs.push(invalid(`${f}.nameservers`, nameservers, `must not have more than ${MAX_NAMESERVERS} nameservers`));
  nameservers.forEach((ns, i) => isValidIP(ns) || errs.push(invalid(`${f}.nameservers[${i}]`, ns, IP_ERROR)));
  const searches = asArray(c.searches).map(String);
  if (searches.length > MAX_SEARCH_PATHS)
    errs.push(invalid(`${f}.searches`, searches, `must not have more than ${MAX_SEARCH_PATHS} search paths`));
  if (searches.join(' ').length > MAX_SEARCH_CHARS)
    errs.push(
      invalid(
        `${f}.searches`,
        searches,
        `must not have more than ${MAX_SEARCH_CHARS} characters (including spaces) in the search list`,
      ),
    );
  searches.forEach((s, i) => {
    // A trailing dot is fine; "." alone too (upstream's relaxed search validation, on by default since 1.33).
    if (s === '.') return;
    const msg = checkSubdomain(s.replace(/\.$/, ''));
    if (msg) errs.push(invalid(`${f}.searches[${i}]`, s.replace(/\.$/, ''), msg));
  });
  asArray(c.options).forEach((o, i) => {
    const name = asRecord(o).name;
    if (typeof name !== 'string' || name === '') errs.push(required(`${f}.options[${i}]`, 'must not be empty'));
  });
  return errs;
}

function validateHostAliases(spec: Record<string, unknown>, field: string): FieldError[] {
  const errs: FieldError[] = [];
  asArray(spec.hostAliases).forEach((raw, i) => {
    const a = asRecord(raw);
    const f = `${field}.hostAliases[${i}]`;
    if (a.ip === undefined || a.ip === '') errs.push(required(`${f}.ip`));
    else if (!isValidIP(a.ip)) errs.push(invalid(`${f}.ip`, a.ip, IP_ERROR));
    asArray(a.hostnames).forEach((h, j) => {
      const msg = checkSubdomain(String(h));
      if (msg) errs.push(invalid(`${f}.hostnames[${j}]`, h, msg));
    });
  });
  return errs;
}

export function validatePodDNS(specRaw: unknown, field: string): FieldError[] {
  const spec = asRecord(specRaw);
  const errs = [...validateDNSConfig(spec, field), ...validateHostAliases(spec, field)];
  if (typeof spec.subdomain === 'string' && spec.subdomain !== '') {
    const msg = checkLabel(spec.subdomain);
    if (msg) errs.push(invalid(`${field}.subdomain`, spec.subdomain, msg));
  }
  return errs;
}

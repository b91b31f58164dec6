/**
 * The pods/log request: PodLogOptions from the query string (validated like upstream), the
 * container it is about (defaulted for single-container pods), and whether that container has
 * logs yet — all before the kubelet is asked.
 */
import type { Pod } from '@kubelab/api';
import { ApiError, type StatusCause } from '@kubelab/proto';
import type { PodLogOptions } from './types.js';

function bool(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null || v === '') return false;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new ApiError('BadRequest', `${name}: Invalid value: "${v}": must be a boolean`);
}

function int(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw new ApiError('BadRequest', `${name}: Invalid value: "${v}": must be an integer`);
  return Number(v);
}

/** Parses and validates the query; `name` is the pod's, for the Invalid message. */
export function parseLogQuery(q: URLSearchParams, name: string): PodLogOptions {
  const o: PodLogOptions = {
    container: q.get('container') ?? '',
    follow: bool(q, 'follow'),
    previous: bool(q, 'previous'),
    timestamps: bool(q, 'timestamps'),
  };
  const tail = int(q, 'tailLines');
  const since = int(q, 'sinceSeconds');
  const limit = int(q, 'limitBytes');
  const sinceTime = q.get('sinceTime') ?? '';
  const causes: StatusCause[] = [];
  const invalid = (field: string, value: unknown, msg: string): void => {
    causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${msg}`, field });
  };
  if (tail !== undefined) {
    if (tail < 0) invalid('tailLines', tail, 'must be greater than or equal to 0');
    else o.tailLines = tail;
  }
  if (since !== undefined) {
    if (since < 1) invalid('sinceSeconds', since, 'must be greater than 0');
    else o.sinceSeconds = since;
  }
  if (limit !== undefined) {
    if (limit < 1) invalid('limitBytes', limit, 'must be greater than 0');
    else o.limitBytes = limit;
  }
  if (sinceTime !== '') {
    if (Number.isNaN(Date.parse(sinceTime)))
      throw new ApiError(
        'BadRequest',
        `sinceTime: Invalid value: "${sinceTime}": parsing time "${sinceTime}" as RFC3339 failed`,
      );
    o.sinceTime = sinceTime;
  }
  if (o.sinceSeconds !== undefined && o.sinceTime !== undefined)
    causes.push({
      reason: 'FieldValueForbidden',
      message: 'Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified',
      field: '',
    });
  if (causes.length) {
    const text = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(', ');
    throw new ApiError('Invalid', `PodLogOptions "${name}" is invalid: ${causes.length > 1 ? `[${text}]` : text}`, {
      name,
      kind: 'PodLogOptions',
      causes,
    });
  }
  return o;
}

/** The container the request is about; upstream's 400s when none or an unknown one is named. */
export function chooseContainer(pod: Pod, requested: string): string {
  const spec = pod.spec;
  const main = (spec?.containers ?? []).map((c) => c.name);
  const init = (spec?.initContainers ?? []).map((c) => c.name);
  const name = pod.metadata.name ?? '';
  if (!requested) {
    if (main.length === 1) return main[0]!;
    let msg = `a container name must be specified for pod ${name}, choose one of: [${main.join(' ')}]`;
    if (init.length) msg += ` or one of the init containers: [${init.join(' ')}]`;
    throw new ApiError('BadRequest', msg);
  }
  if (!main.includes(requested) && !init.includes(requested))
    throw new ApiError('BadRequest', `container ${requested} is not valid for pod ${name}`);
  return requested;
}

interface StatusLike {
  name: string;
  state?: { waiting?: { reason?: string }; running?: unknown; terminated?: unknown };
  lastState?: { terminated?: unknown };
}

/** Upstream's checks of the container status before asking the kubelet for logs. */
export function checkLogStatus(pod: Pod, container: string, previous: boolean): void {
  const status = pod.status as { containerStatuses?: StatusLike[]; initContainerStatuses?: StatusLike[] } | undefined;
  const all = [...(status?.containerStatuses ?? []), ...(status?.initContainerStatuses ?? [])];
  const s = all.find((c) => c.name === container);
  const name = pod.metadata.name ?? '';
  if (previous) {
    if (!s?.lastState?.terminated)
      throw new ApiError('BadRequest', `previous terminated container "${container}" in pod "${name}" not found`);
    return;
  }
  if (!s || (!s.state?.running && !s.state?.terminated && !s.lastState?.terminated)) {
    const reason = s?.state?.waiting?.reason || 'ContainerCreating';
    throw new ApiError('BadRequest', `container "${container}" in pod "${name}" is waiting to start: ${reason}`);
  }
}

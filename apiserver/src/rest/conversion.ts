/**
 * A request to an older served version (autoscaling/v1 HorizontalPodAutoscalers) sees the
 * registry through this wrapper: bodies are converted to the stored version on the way in, and
 * every object (reads, write results, watch events) to the served one on the way out, so the
 * handlers stay version-blind.
 */
import { converterFor, renameFieldLabels, type KubeObject, type ResourceInfo } from '@kubelab/api';
import type { ListQuery, Registry, RegistryEvent } from '../registry/types.js';

type Converter = NonNullable<ReturnType<typeof converterFor>>;

async function* convertEvents(
  events: AsyncIterable<RegistryEvent>,
  out: (o: KubeObject) => KubeObject,
): AsyncIterable<RegistryEvent> {
  for await (const ev of events) {
    yield ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED'
      ? { type: ev.type, object: out(ev.object) }
      : ev;
  }
}

/** The query with its field selector in the stored version's labels. */
function storedQuery<Q extends ListQuery>(q: Q, c: Converter): Q {
  return c.fieldLabels && q.fieldSelector
    ? { ...q, fieldSelector: renameFieldLabels(q.fieldSelector, c.fieldLabels) }
    : q;
}

function converting(inner: Registry, c: Converter): Registry {
  const out = (o: KubeObject): KubeObject => c.toServed(o);
  return {
    create: async (r, ns, obj, opts) => {
      c.validateCreate?.(obj);
      return out(await inner.create(r, ns, c.toStored(obj), opts));
    },
    // Never the cache's shared object: the conversion must not start from something it may change.
    get: async (r, ns, name, opts) => {
      const { shared: _s, ...copy } = opts ?? {};
      return out(await inner.get(r, ns, name, copy));
    },
    list: async (r, q) => {
      const page = await inner.list(r, storedQuery(q, c));
      return { ...page, items: page.items.map(out) };
    },
    update: async (r, ns, name, obj, opts) => out(await inner.update(r, ns, name, c.toStored(obj), opts)),
    updateStatus: async (r, ns, name, obj, opts) => out(await inner.updateStatus(r, ns, name, c.toStored(obj), opts)),
    delete: async (r, ns, name, opts) => out(await inner.delete(r, ns, name, opts)),
    watch: (r, q, signal) => convertEvents(inner.watch(r, storedQuery(q, c), signal), out),
    bind: (ns, name, node, uid) => inner.bind(ns, name, node, uid),
  };
}

/** The registry as a request to `info` must see it: converting for an older version, else as is. */
export function registryFor(registry: Registry, info: ResourceInfo): Registry {
  const c = converterFor(info);
  return c ? converting(registry, c) : registry;
}

/**
 * The warnings of a namespace whose enforce level changes (upstream's namespace evaluation): the
 * existing pods that would violate it, pods with the same reasons grouped (`p1 (and 2 other
 * pods): …`), at most a bounded number of pods looked at.
 */
import type { Registry } from '../registry/types.js';
import { evaluate, type LevelVersion, lvString, reasonText } from './policy.js';
import { obj, type Json } from './util.js';

const MAX_PODS = 3000;

export async function namespaceWarnings(
  registry: Pick<Registry, 'list'>,
  namespace: string,
  lv: LevelVersion,
): Promise<string[]> {
  const pods = (await registry.list('pods', { namespace, limit: MAX_PODS })).items;
  const byReasons = new Map<string, string[]>();
  for (const p of pods) {
    const failed = evaluate(lv.level, obj(p.metadata), obj((p as unknown as Json)['spec']));
    if (!failed.length) continue;
    const key = reasonText(failed);
    byReasons.set(key, [...(byReasons.get(key) ?? []), p.metadata.name ?? '']);
  }
  if (!byReasons.size) return [];
  const out = [`existing pods in namespace "${namespace}" violate the new PodSecurity enforce level "${lvString(lv)}"`];
  for (const [reasons, names] of byReasons) {
    const first = names[0] ?? '';
    const others = names.length - 1;
    out.push(
      others ? `${first} (and ${others} other ${others === 1 ? 'pod' : 'pods'}): ${reasons}` : `${first}: ${reasons}`,
    );
  }
  return out;
}

/**
 * Abort callbacks kept in a Set behind one listener per signal. A signal's EventTarget walks its
 * whole list of listeners on every add and remove (to ignore duplicates), and one process-wide
 * signal is awaited by every sleep and queue wait of a component: in a hollow kubelet's 200 nodes
 * that list held thousands, and adding and removing them was a tenth of the process's busy time.
 */
const callbacks = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Calls fn once when the signal aborts (never when it already has: check `signal.aborted` first);
 * returns a function that takes it off again.
 */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  if (signal.aborted) return () => undefined;
  let set = callbacks.get(signal);
  if (!set) {
    const fns = new Set<() => void>();
    set = fns;
    callbacks.set(signal, fns);
    signal.addEventListener(
      'abort',
      () => {
        callbacks.delete(signal);
        for (const f of [...fns]) {
          try {
            f();
          } catch (err) {
            queueMicrotask(() => {
              throw err; // as a listener's throw: reported, the other callbacks still run
            });
          }
        }
        fns.clear();
      },
      { once: true },
    );
  }
  const entry = (): void => fn();
  set.add(entry);
  return () => {
    set.delete(entry);
  };
}

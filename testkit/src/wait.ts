/** Waiting for a condition with a deadline: polls, never a fixed sleep; the error says what was awaited and what was last seen. */

export interface WaitOptions {
  /** Give up after this long (milliseconds). */
  timeout: number;
  /** Between checks (default 250 ms). */
  interval?: number;
  /** For the error message. */
  what?: string;
}

/** Resolves with the first value other than undefined/false that `condition` returns; a throw counts as "not yet". */
export async function waitFor<T>(
  condition: () => Promise<T | undefined | false> | T | undefined | false,
  o: WaitOptions,
): Promise<T> {
  const start = Date.now();
  let last = 'not yet';
  for (;;) {
    try {
      const v = await condition();
      if (v !== undefined && v !== false) return v;
      last = 'not yet';
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() - start >= o.timeout)
      throw new Error(
        `timed out after ${((Date.now() - start) / 1000).toFixed(1)}s waiting for ${o.what ?? 'the condition'}; last: ${last}`,
      );
    await new Promise((r) => setTimeout(r, o.interval ?? 250));
  }
}

/** How the CLI and the lab API report progress: one line at a time, with elapsed seconds. */
export type Log = (line: string) => void;

export const consoleLog: Log = (line) => process.stdout.write(`${line}\n`);

/** Seconds since `start` (a Date.now() value), e.g. "12s" or "3.4s" under ten seconds. */
export function since(start: number, now = Date.now()): string {
  const s = (now - start) / 1000;
  return s < 10 ? `${s.toFixed(1)}s` : `${Math.round(s)}s`;
}

/** Docker's streaming endpoints (events, pull, build) send one JSON object per line. */

/** Yields each parsed line of a byte stream; unparseable lines are skipped. */
export async function* jsonLines(stream: AsyncIterable<unknown>): AsyncGenerator<Record<string, unknown>> {
  let buf = '';
  for await (const chunk of stream) {
    buf += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      const obj = parse(line);
      if (obj) yield obj;
    }
  }
  const last = parse(buf.trim());
  if (last) yield last;
}

function parse(line: string): Record<string, unknown> | undefined {
  if (!line) return undefined;
  try {
    const v = JSON.parse(line) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Consumes a progress stream (pull, build); rejects with the first `error` the daemon reports. */
export async function drainProgress(stream: AsyncIterable<unknown>): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const obj of jsonLines(stream)) {
    out.push(obj);
    const detail = obj.errorDetail as { message?: string } | undefined;
    const err = (typeof obj.error === 'string' ? obj.error : undefined) ?? detail?.message;
    if (err) throw new Error(err);
  }
  return out;
}

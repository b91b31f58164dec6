/**
 * Duplicate keys of a JSON document, which JSON.parse silently resolves to the last one. Runs over
 * text JSON.parse already accepted (so it needs no error handling of its own), without recursion,
 * and names each duplicate by its field path the way upstream's strict decoder does:
 * `duplicate field "spec.replicas"`.
 */

interface Frame {
  object: boolean;
  path: string;
  keys: Set<string> | undefined;
  key: string;
  index: number;
}

const MAX_REPORTED = 100;

function childPath(f: Frame): string {
  if (!f.object) return `${f.path}[${f.index}]`;
  return f.path ? `${f.path}.${f.key}` : f.key;
}

/** The index of the quote closing the string that opens at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  for (;;) {
    const q = text.indexOf('"', i);
    let backslashes = 0;
    for (let j = q - 1; text[j] === '\\'; j--) backslashes++;
    if (backslashes % 2 === 0) return q;
    i = q + 1;
  }
}

/** Paths of the keys that occur more than once in their object, in document order. */
export function duplicateKeys(text: string): string[] {
  const out: string[] = [];
  const stack: Frame[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const end = stringEnd(text, i);
      const top = stack[stack.length - 1];
      if (top?.object && expectKey) {
        const raw = text.slice(i + 1, end);
        const key = raw.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
        top.keys ??= new Set();
        if (top.keys.has(key) && out.length < MAX_REPORTED) out.push(childPath({ ...top, key }));
        top.keys.add(key);
        top.key = key;
        expectKey = false;
      }
      i = end;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const parent = stack[stack.length - 1];
      stack.push({ object: c === 0x7b, path: parent ? childPath(parent) : '', keys: undefined, key: '', index: 0 });
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.object) expectKey = true;
      else if (top) top.index++;
    }
  }
  return out;
}

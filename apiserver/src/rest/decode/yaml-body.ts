/**
 * YAML bodies, read with limits. The yaml package composes documents recursively, and a stack
 * overflow inside V8's regular expression compiler is fatal to the process: so the nesting is
 * measured first on the package's own (iterative) lexer, stopping at the first token past the
 * limit, and only a document within it is composed. Aliases are bounded (a "billion laughs"
 * document is refused, not expanded); duplicate keys are reported with their line as upstream's
 * YAML decoder does (`line 4: key "replicas" already set in map`), the last one wins.
 */
import { isMap, isScalar, Lexer, LineCounter, parseDocument, type Node } from 'yaml';
import { MAX_NESTING_DEPTH, tooDeep } from '../../registry/limits.js';

/** The yaml package's bound on alias expansion (also its default). */
export const MAX_ALIAS_COUNT = 100;

export interface YamlBody {
  value: unknown;
  /** Upstream's strict message for duplicate keys, or undefined when there are none. */
  duplicates: string | undefined;
}

function duplicateLines(doc: ReturnType<typeof parseDocument>, lines: LineCounter): string[] {
  const out: string[] = [];
  const stack: unknown[] = [doc.contents];
  while (stack.length && out.length < 100) {
    const n = stack.pop();
    if (isMap(n)) {
      const seen = new Set<string>();
      for (const pair of n.items) {
        const k = pair.key;
        if (isScalar(k)) {
          const key = String(k.value);
          if (seen.has(key))
            out.push(`line ${lines.linePos(k.range?.[0] ?? 0).line}: key ${JSON.stringify(key)} already set in map`);
          seen.add(key);
        }
        stack.push(pair.value);
      }
    } else if (n && typeof n === 'object' && 'items' in n && Array.isArray((n as { items: unknown }).items)) {
      stack.push(...(n as { items: Node[] }).items);
    }
  }
  return out;
}

const INDICATORS = new Set(['-', '?', ':']);
const isSpace = (t: string): boolean => /^[ \t]+$/.test(t);

/**
 * Throws the 400 when the document may nest deeper than `max`: an upper bound of its depth, the
 * open block indentation levels plus the collection indicators on the line plus the open flow
 * collections, taken from the lexer's tokens (which know quoting, comments and block scalars).
 */
export function assertYamlDepth(text: string, max = MAX_NESTING_DEPTH): void {
  const indents: number[] = [];
  let flow = 0;
  let lineStart = true;
  let onLine = 0;
  for (const tok of new Lexer().lex(text)) {
    if (tok.length === 1 && tok < ' ' && tok !== '\n' && tok !== '\t') continue; // the lexer's markers
    if (tok.includes('\n') && tok.trim() === '') {
      lineStart = true;
      onLine = 0;
      continue;
    }
    if (lineStart && flow === 0) {
      const indent = isSpace(tok) ? tok.length : 0;
      while (indents.length && indents[indents.length - 1]! >= indent) indents.pop();
      indents.push(indent);
    }
    lineStart = false;
    if (tok === '[' || tok === '{') flow++;
    else if ((tok === ']' || tok === '}') && flow > 0) flow--;
    else if (flow === 0 && INDICATORS.has(tok)) onLine++;
    if (indents.length + onLine + flow > max) throw tooDeep([], max);
  }
}

/** Parses one YAML document; throws an Error with the parser's message when it is not one. */
export function parseYamlDocument(text: string): YamlBody {
  assertYamlDepth(text);
  const lines = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: false, lineCounter: lines, prettyErrors: false });
  const err = doc.errors[0];
  if (err) throw new Error(err.message);
  const dups = duplicateLines(doc, lines);
  const value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
  return {
    value,
    duplicates: dups.length
      ? `error converting YAML to JSON: yaml: unmarshal errors:\n  ${dups.join('\n  ')}`
      : undefined,
  };
}

/**
 * Upstream's $(VAR) expansion (third_party/forked/golang/expansion): $(NAME) is replaced by the
 * mapping's value when it has one and left as written otherwise; $$ is an escaped $; any other
 * use of $ is kept literally.
 */
export function expand(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let i = 0;
  while (i < input.length) {
    const ch = input[i]!;
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      i++;
      continue;
    }
    const next = input[i + 1]!;
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close === -1) {
        // Unterminated reference: kept as written.
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      const v = name.length > 0 ? lookup(name) : undefined;
      out += v ?? `$(${name})`;
      i = close + 1;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

/**
 * The string form of label selectors (`a=b,c!=d,e in (x,y),f notin (z),g,!h,n>3`), parsed the way
 * upstream's labels.Parse does: a lexer of identifiers and operators, a parser that names what
 * it found and what it expected, keys and values checked as label keys and values. Anything that
 * does not parse is an error: a typo must never select everything.
 */
import { labelValueErrors, qualifiedNameErrors } from './validation/meta.js';

export type Operator = '=' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  key: string;
  op: Operator;
  values: string[];
}

type Token = 'end' | ')' | ',' | '!' | '==' | '=' | '>' | 'id' | 'in' | '<' | '!=' | 'notin' | '(';

interface Item {
  tok: Token;
  lit: string;
}

const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<']);
const SYMBOLS = new Set<string>([')', ',', '!', '==', '=', '>', '<', '!=', '(']);
const WHITESPACE = new Set([' ', '\t', '\r', '\n']);
const BINARY_OPERATORS = 'in, notin, =, ==, !=, gt, lt';

function lex(s: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && WHITESPACE.has(s[pos]!)) pos++;
    if (pos >= s.length) {
      items.push({ tok: 'end', lit: '' });
      return items;
    }
    if (SPECIAL.has(s[pos]!)) {
      // the longest run of special characters that is still an operator
      let lit = '';
      while (pos < s.length && SPECIAL.has(s[pos]!) && SYMBOLS.has(lit + s[pos]!)) lit += s[pos++]!;
      items.push({ tok: lit as Token, lit });
      continue;
    }
    let lit = '';
    while (pos < s.length && !SPECIAL.has(s[pos]!) && !WHITESPACE.has(s[pos]!)) lit += s[pos++]!;
    items.push({ tok: lit === 'in' || lit === 'notin' ? lit : 'id', lit });
  }
}

class SelectorError extends Error {}

class Parser {
  private pos = 0;
  constructor(private readonly items: Item[]) {}

  /** In value position `in` and `notin` are plain identifiers. */
  private peek(values = true): Item {
    const it = this.items[Math.min(this.pos, this.items.length - 1)]!;
    return values && (it.tok === 'in' || it.tok === 'notin') ? { tok: 'id', lit: it.lit } : it;
  }

  private next(values = true): Item {
    const it = this.peek(values);
    this.pos++;
    return it;
  }

  parse(): Requirement[] {
    const out: Requirement[] = [];
    for (;;) {
      const { tok, lit } = this.peek();
      if (tok === 'end') return out;
      if (tok !== 'id' && tok !== '!')
        throw new SelectorError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      out.push(this.requirement());
      const t = this.next();
      if (t.tok === 'end') return out;
      if (t.tok !== ',') throw new SelectorError(`found '${t.lit}', expected: ',' or 'end of string'`);
      const after = this.peek();
      if (after.tok !== 'id' && after.tok !== '!')
        throw new SelectorError(`found '${after.lit}', expected: identifier after ','`);
    }
  }

  private requirement(): Requirement {
    let t = this.next();
    const negated = t.tok === '!';
    if (negated) t = this.next();
    if (t.tok !== 'id') throw new RequirementError(`found '${t.lit}', expected: identifier`);
    const key = t.lit;
    const keyErrs = qualifiedNameErrors(key);
    if (keyErrs.length)
      throw new RequirementError(`<nil>: Invalid value: ${JSON.stringify(key)}: ${keyErrs.join('; ')}`);
    const ahead = this.peek().tok;
    if (negated || ahead === 'end' || ahead === ',') return checked(key, negated ? '!' : 'exists', []);
    const op = this.next(false);
    switch (op.tok) {
      case 'in':
      case 'notin':
        return checked(key, op.tok, this.setValues());
      case '=':
      case '==':
        return checked(key, '=', this.exactValue());
      case '!=':
        return checked(key, '!=', this.exactValue());
      case '>':
        return checked(key, 'gt', this.exactValue());
      case '<':
        return checked(key, 'lt', this.exactValue());
      default:
        throw new RequirementError(`found '${op.lit}', expected: ${BINARY_OPERATORS}`);
    }
  }

  private setValues(): string[] {
    const open = this.next();
    if (open.tok !== '(') throw new RequirementError(`found '${open.lit}' expected: '('`);
    const first = this.peek();
    if (first.tok === ')') {
      this.next();
      return [''];
    }
    if (first.tok !== 'id' && first.tok !== ',')
      throw new RequirementError(`found '${first.lit}', expected: ',', ')' or identifier`);
    const values = new Set<string>();
    for (;;) {
      const t = this.next();
      if (t.tok === 'id') {
        values.add(t.lit);
        const after = this.peek();
        if (after.tok === ',') continue;
        if (after.tok === ')') break;
        throw new RequirementError(`found '${after.lit}', expected: ',' or ')'`);
      }
      if (t.tok !== ',') throw new RequirementError(`found '${t.lit}', expected: ',', or identifier`);
      // "(," ",," and ",)" each stand for an empty value
      if (values.size === 0) values.add('');
      const after = this.peek().tok;
      if (after === ')' || after === ',') values.add('');
      if (after === ')') break;
    }
    if (this.next().tok !== ')') throw new RequirementError(`found '${first.lit}', expected: ')'`);
    return [...values].sort();
  }

  private exactValue(): string[] {
    const ahead = this.peek();
    if (ahead.tok === 'end' || ahead.tok === ',') return [''];
    const t = this.next();
    if (t.tok === 'id') return [t.lit];
    throw new RequirementError(`found '${t.lit}', expected: identifier`);
  }
}

/** An error inside one requirement: upstream prefixes these with "unable to parse requirement". */
class RequirementError extends SelectorError {
  constructor(message: string) {
    super(`unable to parse requirement: ${message}`);
  }
}

/** Upstream's NewRequirement checks of the values. */
function checked(key: string, op: Operator, values: string[]): Requirement {
  const errs: string[] = [];
  if ((op === 'gt' || op === 'lt') && values.some((v) => !/^[+-]?\d+$/.test(v))) {
    values.forEach((v, i) => {
      if (!/^[+-]?\d+$/.test(v))
        errs.push(
          `values[${i}]: Invalid value: ${JSON.stringify(v)}: for 'Gt', 'Lt' operators, the value must be an integer`,
        );
    });
  }
  values.forEach((v, i) => {
    const m = labelValueErrors(v);
    if (m.length) errs.push(`values[${i}][${key}]: Invalid value: ${JSON.stringify(v)}: ${m.join('; ')}`);
  });
  if (errs.length) throw new RequirementError(errs.length === 1 ? errs[0]! : `[${errs.join(', ')}]`);
  return { key, op, values };
}

/** Parses a label selector string; throws an Error with upstream's message when it does not parse. */
export function parseSelectorString(s: string): Requirement[] {
  return new Parser(lex(s)).parse();
}

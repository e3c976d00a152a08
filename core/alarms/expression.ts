/**
 * A small, safe expression language for alarm conditions over several points. Never eval or
 * new Function: the text is tokenised, parsed by recursive descent into a tree, and the tree is
 * turned into closures.
 *
 *   literals     12  3.5  1e3  true  false  "text"
 *   point refs   ess1/Temperature   pcc-meter/ActivePower   {any odd/id}
 *   arithmetic   + - * /  unary -   ( )
 *   comparison   < <= > >= == !=
 *   logic        and or not   (also && || !)
 *   functions    abs(x) min(a, b, ...) max(a, b, ...)
 *
 * A point ref is `asset/Channel` written without spaces (the channel starts with a letter), so
 * `ess1/Soc / 2` divides while `ess1/Soc` is a point. Evaluation returns `undefined` when a point
 * it needs has no usable value: the caller then keeps the alarm in its present state.
 */
import type { PointValue } from '../common/point';

export type ExprValue = number | boolean | string;

type Token =
  | { k: 'num'; v: number; pos: number }
  | { k: 'str'; v: string; pos: number }
  | { k: 'ident'; v: string; pos: number }
  | { k: 'point'; v: string; pos: number }
  | { k: 'op'; v: string; pos: number }
  | { k: 'end'; pos: number };

export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(`${message} (at character ${pos + 1})`);
    this.name = 'ExpressionError';
  }
}

const MAX_LENGTH = 2000;
const MAX_DEPTH = 64;

function tokenize(src: string): Token[] {
  if (src.length > MAX_LENGTH) throw new ExpressionError(`expression longer than ${MAX_LENGTH} characters`, 0);
  const out: Token[] = [];
  let i = 0;
  const isIdStart = (c: string) => /[A-Za-z_]/.test(c);
  const isIdChar = (c: string) => /[A-Za-z0-9_-]/.test(c);
  while (i < src.length) {
    const c = src[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i));
      if (!m) throw new ExpressionError(`bad number`, i);
      out.push({ k: 'num', v: Number(m[0]), pos: start });
      i += m[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new ExpressionError('unterminated string', i);
      out.push({ k: 'str', v: src.slice(i + 1, end), pos: start });
      i = end + 1;
      continue;
    }
    if (c === '{') {
      const end = src.indexOf('}', i + 1);
      if (end < 0) throw new ExpressionError('unterminated {point}', i);
      const ref = src.slice(i + 1, end).trim();
      if (!/^[^/\s]+\/[^/\s]+$/.test(ref)) throw new ExpressionError(`"{${ref}}" is not a point id asset/channel`, i);
      out.push({ k: 'point', v: ref, pos: start });
      i = end + 1;
      continue;
    }
    if (isIdStart(c)) {
      let j = i + 1;
      while (j < src.length && isIdChar(src[j] as string)) j++;
      // asset/Channel without spaces: a point reference
      if (src[j] === '/' && j + 1 < src.length && /[A-Za-z]/.test(src[j + 1] as string)) {
        let k = j + 2;
        while (k < src.length && /[A-Za-z0-9_]/.test(src[k] as string)) k++;
        out.push({ k: 'point', v: src.slice(i, k), pos: start });
        i = k;
        continue;
      }
      // an identifier never contains "-": "a-b" is a minus
      let e = i + 1;
      while (e < j && src[e] !== '-') e++;
      out.push({ k: 'ident', v: src.slice(i, e), pos: start });
      i = e;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (['<=', '>=', '==', '!=', '&&', '||'].includes(two)) {
      out.push({ k: 'op', v: two, pos: start });
      i += 2;
      continue;
    }
    if ('+-*/<>()!,'.includes(c)) {
      out.push({ k: 'op', v: c, pos: start });
      i++;
      continue;
    }
    if (c === '=') throw new ExpressionError('use "==" to compare', i);
    throw new ExpressionError(`unexpected character "${c}"`, i);
  }
  out.push({ k: 'end', pos: src.length });
  return out;
}

type Node =
  | { t: 'lit'; v: ExprValue }
  | { t: 'pt'; id: string }
  | { t: 'un'; op: '-' | 'not'; a: Node }
  | { t: 'bin'; op: string; a: Node; b: Node }
  | { t: 'fn'; name: 'abs' | 'min' | 'max'; args: Node[] };

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly toks: Token[]) {}

  private peek(): Token {
    return this.toks[this.i] as Token;
  }
  private next(): Token {
    return this.toks[this.i++] as Token;
  }
  private isOp(...ops: string[]): boolean {
    const t = this.peek();
    return (t.k === 'op' && ops.includes(t.v)) || (t.k === 'ident' && ops.includes(t.v.toLowerCase()));
  }
  private expect(op: string): void {
    const t = this.next();
    if (t.k !== 'op' || t.v !== op) throw new ExpressionError(`expected "${op}"`, t.pos);
  }

  parse(): Node {
    const n = this.or();
    const t = this.peek();
    if (t.k !== 'end') throw new ExpressionError(`unexpected "${'v' in t ? String(t.v) : ''}"`, t.pos);
    return n;
  }
  private enter(pos: number): void {
    if (++this.depth > MAX_DEPTH) throw new ExpressionError('expression nested too deeply', pos);
  }
  private or(): Node {
    let a = this.and();
    while (this.isOp('or', '||')) {
      this.next();
      a = { t: 'bin', op: 'or', a, b: this.and() };
    }
    return a;
  }
  private and(): Node {
    let a = this.not();
    while (this.isOp('and', '&&')) {
      this.next();
      a = { t: 'bin', op: 'and', a, b: this.not() };
    }
    return a;
  }
  private not(): Node {
    if (this.isOp('not', '!')) {
      const t = this.next();
      this.enter(t.pos);
      const a = this.not();
      this.depth--;
      return { t: 'un', op: 'not', a };
    }
    return this.cmp();
  }
  private cmp(): Node {
    const a = this.add();
    if (this.isOp('<', '<=', '>', '>=', '==', '!=')) {
      const op = (this.next() as { v: string }).v;
      const b = this.add();
      if (this.isOp('<', '<=', '>', '>=', '==', '!=')) throw new ExpressionError('chained comparison: use "and"', this.peek().pos);
      return { t: 'bin', op, a, b };
    }
    return a;
  }
  private add(): Node {
    let a = this.mul();
    while (this.isOp('+', '-')) {
      const op = (this.next() as { v: string }).v;
      a = { t: 'bin', op, a, b: this.mul() };
    }
    return a;
  }
  private mul(): Node {
    let a = this.unary();
    while (this.isOp('*', '/')) {
      const op = (this.next() as { v: string }).v;
      a = { t: 'bin', op, a, b: this.unary() };
    }
    return a;
  }
  private unary(): Node {
    if (this.isOp('-')) {
      const t = this.next();
      this.enter(t.pos);
      const a = this.unary();
      this.depth--;
      return { t: 'un', op: '-', a };
    }
    if (this.isOp('+')) {
      this.next();
      return this.unary();
    }
    return this.primary();
  }
  private primary(): Node {
    const t = this.next();
    switch (t.k) {
      case 'num':
        return { t: 'lit', v: t.v };
      case 'str':
        return { t: 'lit', v: t.v };
      case 'point':
        return { t: 'pt', id: t.v };
      case 'ident': {
        const name = t.v.toLowerCase();
        if (name === 'true' || name === 'false') return { t: 'lit', v: name === 'true' };
        if (name === 'abs' || name === 'min' || name === 'max') {
          this.expect('(');
          this.enter(t.pos);
          const args: Node[] = [this.or()];
          while (this.isOp(',')) {
            this.next();
            args.push(this.or());
          }
          this.expect(')');
          this.depth--;
          if (name === 'abs' && args.length !== 1) throw new ExpressionError('abs takes one argument', t.pos);
          return { t: 'fn', name, args };
        }
        throw new ExpressionError(`unknown name "${t.v}" (a point is written asset/Channel)`, t.pos);
      }
      case 'op':
        if (t.v === '(') {
          this.enter(t.pos);
          const n = this.or();
          this.expect(')');
          this.depth--;
          return n;
        }
        throw new ExpressionError(`unexpected "${t.v}"`, t.pos);
      case 'end':
        throw new ExpressionError('unexpected end of expression', t.pos);
    }
  }
}

/** Looks up the present value of a point; undefined when it has no usable value. */
export type PointLookup = (id: string) => PointValue | undefined;

type Fn = (get: PointLookup) => ExprValue | undefined;

function num(v: ExprValue): number {
  return typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : Number.NaN;
}
function truthy(v: ExprValue): boolean {
  return typeof v === 'boolean' ? v : typeof v === 'number' ? v !== 0 && !Number.isNaN(v) : v.length > 0;
}

function compile(n: Node): Fn {
  switch (n.t) {
    case 'lit': {
      const v = n.v;
      return () => v;
    }
    case 'pt': {
      const id = n.id;
      return (get) => {
        const v = get(id);
        return v === null || v === undefined ? undefined : v;
      };
    }
    case 'un': {
      const a = compile(n.a);
      if (n.op === '-')
        return (g) => {
          const x = a(g);
          return x === undefined ? undefined : -num(x);
        };
      return (g) => {
        const x = a(g);
        return x === undefined ? undefined : !truthy(x);
      };
    }
    case 'fn': {
      const args = n.args.map(compile);
      const f = n.name === 'abs' ? Math.abs : n.name === 'min' ? Math.min : Math.max;
      return (g) => {
        const xs: number[] = [];
        for (const a of args) {
          const x = a(g);
          if (x === undefined) return undefined;
          xs.push(num(x));
        }
        return f(...xs);
      };
    }
    case 'bin': {
      const a = compile(n.a);
      const b = compile(n.b);
      switch (n.op) {
        case 'and':
          // three-valued: false and unknown = false
          return (g) => {
            const x = a(g);
            if (x !== undefined && !truthy(x)) return false;
            const y = b(g);
            if (y !== undefined && !truthy(y)) return false;
            return x === undefined || y === undefined ? undefined : true;
          };
        case 'or':
          return (g) => {
            const x = a(g);
            if (x !== undefined && truthy(x)) return true;
            const y = b(g);
            if (y !== undefined && truthy(y)) return true;
            return x === undefined || y === undefined ? undefined : false;
          };
        default: {
          const op = n.op;
          return (g) => {
            const x = a(g);
            if (x === undefined) return undefined;
            const y = b(g);
            if (y === undefined) return undefined;
            if (op === '==' || op === '!=') {
              const eq = typeof x === 'string' || typeof y === 'string' ? String(x) === String(y) : num(x) === num(y);
              return op === '==' ? eq : !eq;
            }
            const p = num(x);
            const q = num(y);
            switch (op) {
              case '+':
                return p + q;
              case '-':
                return p - q;
              case '*':
                return p * q;
              case '/':
                return q === 0 ? undefined : p / q;
              case '<':
                return p < q;
              case '<=':
                return p <= q;
              case '>':
                return p > q;
              case '>=':
                return p >= q;
              default:
                return undefined;
            }
          };
        }
      }
    }
  }
}

function collectPoints(n: Node, into: Set<string>): void {
  switch (n.t) {
    case 'pt':
      into.add(n.id);
      break;
    case 'un':
      collectPoints(n.a, into);
      break;
    case 'bin':
      collectPoints(n.a, into);
      collectPoints(n.b, into);
      break;
    case 'fn':
      n.args.forEach((a) => collectPoints(a, into));
      break;
    case 'lit':
      break;
  }
}

export interface CompiledExpression {
  readonly source: string;
  /** the points the expression reads */
  readonly points: readonly string[];
  evaluate(get: PointLookup): ExprValue | undefined;
  /** true / false, or undefined when an input is missing */
  test(get: PointLookup): boolean | undefined;
}

/** Parses and compiles; throws ExpressionError naming the position of the first problem. */
export function compileExpression(source: string): CompiledExpression {
  const tree = new Parser(tokenize(source)).parse();
  const fn = compile(tree);
  const pts = new Set<string>();
  collectPoints(tree, pts);
  return {
    source,
    points: [...pts],
    evaluate: fn,
    test(get) {
      const v = fn(get);
      return v === undefined ? undefined : truthy(v);
    },
  };
}

/** Returns the error message, or undefined when the expression is valid. */
export function checkExpression(source: string): string | undefined {
  try {
    compileExpression(source);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

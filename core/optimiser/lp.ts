/**
 * A small builder for linear / mixed-integer programs that writes the CPLEX LP text format
 * (read by HiGHS, GLPK's glpsol --lp and COIN-OR cbc), so every solve can be saved and
 * re-solved by support with any solver.
 *
 * Objective terms are named: each cost is recorded under its term ("energy import",
 * "demand charge", ...), the objective is their sum, and after a solve every term's value is
 * computed from the solution, so the plan screen can show what the optimum is made of.
 */

export type VarType = 'continuous' | 'binary' | 'integer';
export type Sense = '<=' | '>=' | '=';

export interface LpVar {
  name: string;
  lb: number;
  ub: number;
  type: VarType;
}

export interface LpRow {
  name: string;
  terms: Array<[string, number]>;
  sense: Sense;
  rhs: number;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;

/** Numbers written so that every LP reader parses them back exactly enough (12 digits). */
export function num(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`not a finite number: ${x}`);
  const s = Number(x.toPrecision(12)).toString();
  return s === '-0' ? '0' : s;
}

export class LpModel {
  readonly vars = new Map<string, LpVar>();
  readonly rows: LpRow[] = [];
  private readonly rowNames = new Set<string>();
  /** term name -> (variable -> coefficient) */
  readonly terms = new Map<string, Map<string, number>>();
  readonly comments: string[] = [];

  addVar(name: string, lb: number, ub: number, type: VarType = 'continuous'): string {
    if (!NAME.test(name)) throw new Error(`invalid LP variable name "${name}"`);
    if (this.vars.has(name)) throw new Error(`LP variable "${name}" declared twice`);
    if (Number.isNaN(lb) || Number.isNaN(ub)) throw new Error(`LP variable "${name}" has a NaN bound`);
    if (lb > ub) throw new Error(`LP variable "${name}" has lower bound ${lb} above upper bound ${ub}`);
    this.vars.set(name, { name, lb, ub, type });
    return name;
  }

  addRow(name: string, terms: Array<[string, number]>, sense: Sense, rhs: number): void {
    if (!NAME.test(name)) throw new Error(`invalid LP row name "${name}"`);
    if (this.rowNames.has(name)) throw new Error(`LP row "${name}" declared twice`);
    if (!Number.isFinite(rhs)) throw new Error(`LP row "${name}" has a non-finite right-hand side ${rhs}`);
    for (const [v, c] of terms) {
      if (!this.vars.has(v)) throw new Error(`LP row "${name}" uses undeclared variable "${v}"`);
      if (!Number.isFinite(c)) throw new Error(`LP row "${name}" has a non-finite coefficient on "${v}"`);
    }
    this.rowNames.add(name);
    this.rows.push({ name, terms: terms.filter(([, c]) => c !== 0), sense, rhs });
  }

  /** Adds `coef * variable` to the objective under the named term. */
  addCost(term: string, variable: string, coef: number): void {
    if (!this.vars.has(variable)) throw new Error(`objective term "${term}" uses undeclared variable "${variable}"`);
    if (!Number.isFinite(coef)) throw new Error(`objective term "${term}" has a non-finite coefficient on "${variable}"`);
    if (coef === 0) return;
    let t = this.terms.get(term);
    if (!t) this.terms.set(term, (t = new Map()));
    t.set(variable, (t.get(variable) ?? 0) + coef);
  }

  objective(): Map<string, number> {
    const obj = new Map<string, number>();
    for (const t of this.terms.values()) for (const [v, c] of t) obj.set(v, (obj.get(v) ?? 0) + c);
    return obj;
  }

  /** Value of every objective term for a solution. */
  termValues(x: ReadonlyMap<string, number>): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, t] of this.terms) {
      let s = 0;
      for (const [v, c] of t) s += c * (x.get(v) ?? 0);
      out[name] = s;
    }
    return out;
  }

  get integerCount(): number {
    let n = 0;
    for (const v of this.vars.values()) if (v.type !== 'continuous') n++;
    return n;
  }

  toString(): string {
    const out: string[] = [];
    for (const c of this.comments) out.push(`\\ ${c}`);
    out.push('Minimize');
    const obj = [...this.objective()].filter(([, c]) => c !== 0);
    const first = this.vars.keys().next().value;
    if (obj.length === 0 && first !== undefined) obj.push([first, 0]);
    out.push(...wrap(' obj:', obj));
    out.push('Subject To');
    for (const r of this.rows) {
      const terms = r.terms.length > 0 ? r.terms : ([[this.vars.keys().next().value as string, 0]] as Array<[string, number]>);
      const lines = wrap(` ${r.name}:`, terms);
      lines[lines.length - 1] += ` ${r.sense} ${num(r.rhs)}`;
      out.push(...lines);
    }
    out.push('Bounds');
    for (const v of this.vars.values()) {
      if (v.type === 'binary') continue;
      if (v.lb === v.ub) out.push(` ${v.name} = ${num(v.lb)}`);
      else if (v.lb === -Infinity && v.ub === Infinity) out.push(` ${v.name} free`);
      else if (v.ub === Infinity) {
        if (v.lb !== 0) out.push(` ${v.name} >= ${num(v.lb)}`);
      } else out.push(` ${v.lb === -Infinity ? '-inf' : num(v.lb)} <= ${v.name} <= ${num(v.ub)}`);
    }
    const bins = [...this.vars.values()].filter((v) => v.type === 'binary').map((v) => v.name);
    const ints = [...this.vars.values()].filter((v) => v.type === 'integer').map((v) => v.name);
    if (bins.length > 0) {
      out.push('Binary');
      for (let i = 0; i < bins.length; i += 8) out.push(` ${bins.slice(i, i + 8).join(' ')}`);
    }
    if (ints.length > 0) {
      out.push('General');
      for (let i = 0; i < ints.length; i += 8) out.push(` ${ints.slice(i, i + 8).join(' ')}`);
    }
    out.push('End', '');
    return out.join('\n');
  }
}

/** Writes `head t1 + t2 ...` over lines of at most 6 terms (LP readers limit line length). */
function wrap(head: string, terms: Array<[string, number]>): string[] {
  const lines: string[] = [];
  let cur = head;
  terms.forEach(([v, c], i) => {
    const sign = c < 0 ? '-' : '+';
    const abs = Math.abs(c);
    const coef = abs === 1 ? '' : `${num(abs)} `;
    cur += i === 0 && c >= 0 ? ` ${coef}${v}` : ` ${sign} ${coef}${v}`;
    if ((i + 1) % 6 === 0 && i + 1 < terms.length) {
      lines.push(cur);
      cur = '   ';
    }
  });
  lines.push(cur);
  return lines;
}

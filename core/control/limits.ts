/**
 * The limits and interlocks of a power setpoint, as a pure module (no I/O, no clock): the
 * command pipeline (people, alarm procedures) and the machine lane (controllers, optimiser)
 * share it, so a limit has one definition.
 *
 * The caller collects what it knows (asset limits, live BMS limits, SoC, measured power, PCC,
 * the previous setpoint) into an `EssPowerInput`; `essPowerConstraints` turns that into a list
 * of constraints, each an allowed interval [lo, hi] in kW (positive = discharge) with a rule id,
 * a sentence and whether it is PHYSICAL (the equipment: ratings, BMS, SoC window, unknown SoC)
 * or COMMERCIAL (ramp between commands, contracted power at the PCC). `decide(lane, …)` then
 * applies them for one of three lanes:
 *
 *  - `person`     out of limits → refused with the first rule it breaks and a sentence;
 *  - `machine`    clamped into the allowed range; the binding rule is reported. Physical
 *                 constraints win over commercial ones when they conflict;
 *  - `protective` stop, standby, trip, power to 0: only physical constraints apply — the
 *                 contracted power, the ramp (and any tariff rule) never block them.
 *
 * Unknown inputs: a reading that is missing quality (bad, stale, uncertain, not finite) is
 * UNKNOWN (`null`), never a number. Unknown SoC allows only 0 kW; unknown PCC or ESS power
 * allows only reductions toward 0 kW. A limit point that is configured but unknown (a BMS limit
 * with bad quality) allows only 0 kW in that direction. `undefined` means "not on this site":
 * that constraint does not exist.
 *
 * Sign convention: ESS power positive = discharge; PCC power positive = import.
 */

import { NATURES, natureChannel, type NatureName } from '../common/natures';

export type Lane = 'person' | 'machine' | 'protective';

/** A measured input: a finite number of good quality, `null` = present but unknown, `undefined` = absent. */
export type Known = number | null | undefined;

/** Turns a reading (value + quality) into a `Known`: only a finite number of good quality is known. */
export function known(r: { value: unknown; quality: { level: string } } | undefined): Known {
  if (r === undefined) return undefined;
  return r.quality.level === 'good' && typeof r.value === 'number' && Number.isFinite(r.value) ? r.value : null;
}

export interface EssPowerInput {
  /** the asset, named in the sentences */
  assetId: string;
  /** nameplate rating, kW (used when no explicit limit is set) */
  ratedKw?: number;
  /** configured limits of the asset (site file) */
  limits?: {
    maxChargeKw?: number;
    maxDischargeKw?: number;
    socMinPct?: number;
    socMaxPct?: number;
    rampKwPerS?: number;
  };
  /** what the BMS allows now (both ≥ 0), if the device reports it */
  bms?: { maxChargeKw?: Known; maxDischargeKw?: Known };
  /** state of charge now, % */
  socPct?: Known;
  /** the ESS's measured power now, kW */
  essKw?: Known;
  /** the PCC, if the site has one: contracted power and measured power now (positive = import) */
  pcc?: { contractedPowerKw: number; pccKw: Known };
  /** the previous setpoint and how long ago it was written, for the ramp */
  last?: { kw: number; ageS: number };
}

export interface Constraint {
  rule: string;
  /** physical constraints apply in every lane; commercial ones not to protective actions */
  physical: boolean;
  /** allowed interval, kW; lo ≤ hi */
  lo: number;
  hi: number;
  /** the sentence for a value outside [lo, hi] */
  explain(valueKw: number): string;
}

export type LimitDecision =
  /** `valueKw` is what may be written (clamped in the machine lane); `binding` names the rule that clamped it */
  | { ok: true; valueKw: number; requestedKw: number; binding: { rule: string; message: string } | null; range: { lo: number; hi: number } }
  | { ok: false; rule: string; message: string; range: { lo: number; hi: number } };

const INF = Number.POSITIVE_INFINITY;
const EPS = 1e-9;

/**
 * One constraint as data: the sentence is written by `explain` (on the prototype) from the
 * rule and the figures kept here, so building the constraints of a setpoint allocates no
 * closure (the machine lane does it every cycle).
 */
class Rule implements Constraint {
  constructor(
    readonly rule: string,
    readonly physical: boolean,
    readonly lo: number,
    readonly hi: number,
    /** the asset named in the sentence */
    private readonly id: string,
    /** the rule's figures: a limit, the SoC, the previous setpoint, the PCC power */
    private readonly a: number,
    private readonly b: number,
    private readonly c: number,
  ) {}

  explain(v: number): string {
    const { id, a, b, c } = this;
    switch (this.rule) {
      case 'limit.max-discharge':
        return `${r1(v)} kW exceeds the discharge limit of ${id} (${a} kW)`;
      case 'limit.max-charge':
        return `${r1(-v)} kW charge exceeds the charge limit of ${id} (${a} kW)`;
      case 'limit.bms-discharge':
        return `${r1(v)} kW exceeds what the BMS allows now (${r1(a)} kW discharge)`;
      case 'limit.bms-charge':
        return `${r1(-v)} kW charge exceeds what the BMS allows now (${r1(a)} kW)`;
      case 'limit.bms-unknown':
        return `the ${a > 0 ? 'discharge' : 'charge'} power the BMS of ${id} allows is not known with good quality: ${a > 0 ? 'discharge' : 'charge'} refused`;
      case 'interlock.soc-unknown':
        return `the state of charge of ${id} is not known with good quality: only 0 kW is allowed`;
      case 'interlock.soc-min':
        return `${id} is at ${r1(a)} % SoC, at or below its minimum ${b} %: discharge refused`;
      case 'interlock.soc-max':
        return `${id} is at ${r1(a)} % SoC, at or above its maximum ${b} %: charge refused`;
      case 'limit.ramp': {
        // a = previous setpoint, b = its age in s, c = the ramp, kW/s
        const step = c * Math.max(0, b);
        return `a step of ${r1(Math.abs(v - a))} kW in ${r1(b)} s exceeds the ramp limit of ${id} (${c} kW/s): command at most ${r1(a + Math.sign(v - a) * step)} kW now`;
      }
      case 'interlock.pcc-unknown':
        return `the PCC or ESS power is not known with good quality: only reductions toward 0 kW are allowed`;
      case 'interlock.contracted-power':
        // a = PCC power, b = ESS power, c = contracted power
        return `${r1(v)} kW would take the PCC to ${r1(a + b - v)} kW, beyond the contracted ${c} kW`;
      default:
        return `${r1(v)} kW is outside ${r1(this.lo)}..${r1(this.hi)} kW (${this.rule})`;
    }
  }
}

/** Every constraint on an ESS power setpoint, in the order a person's refusal names them. */
export function essPowerConstraints(x: EssPowerInput): Constraint[] {
  const out: Constraint[] = [];
  const id = x.assetId;
  const L = x.limits ?? {};

  // power limits from the asset model
  const maxDis = L.maxDischargeKw ?? x.ratedKw;
  const maxCh = L.maxChargeKw ?? x.ratedKw;
  if (maxDis !== undefined) out.push(new Rule('limit.max-discharge', true, -INF, Math.max(0, maxDis), id, maxDis, 0, 0));
  if (maxCh !== undefined) out.push(new Rule('limit.max-charge', true, -Math.max(0, maxCh), INF, id, maxCh, 0, 0));

  // live BMS limits; a BMS limit the device reports but that is unknown now allows nothing in that direction
  const bDis = x.bms?.maxDischargeKw;
  if (bDis === null) out.push(new Rule('limit.bms-unknown', true, -INF, 0, id, 1, 0, 0));
  else if (bDis !== undefined) out.push(new Rule('limit.bms-discharge', true, -INF, Math.max(0, bDis), id, bDis, 0, 0));
  const bCh = x.bms?.maxChargeKw;
  if (bCh === null) out.push(new Rule('limit.bms-unknown', true, 0, INF, id, -1, 0, 0));
  else if (bCh !== undefined) out.push(new Rule('limit.bms-charge', true, -Math.max(0, bCh), INF, id, bCh, 0, 0));

  // SoC window: zero is always allowed
  if (L.socMinPct !== undefined || L.socMaxPct !== undefined) {
    const soc = x.socPct;
    if (soc === null || soc === undefined) out.push(new Rule('interlock.soc-unknown', true, 0, 0, id, 0, 0, 0));
    else {
      if (L.socMinPct !== undefined && soc <= L.socMinPct) out.push(new Rule('interlock.soc-min', true, -INF, 0, id, soc, L.socMinPct, 0));
      if (L.socMaxPct !== undefined && soc >= L.socMaxPct) out.push(new Rule('interlock.soc-max', true, 0, INF, id, soc, L.socMaxPct, 0));
    }
  }

  // ramp between successive setpoints (guards the inverter against chatter); the first
  // setpoint, with no previous one known, is not limited (the inverter ramps itself)
  if (L.rampKwPerS !== undefined && x.last) {
    const { kw, ageS } = x.last;
    const step = L.rampKwPerS * Math.max(0, ageS);
    out.push(new Rule('limit.ramp', false, kw - step, kw + step, id, kw, ageS, L.rampKwPerS));
  }

  // contracted power at the PCC: predicted = pcc + (essNow − value); allowed while |predicted|
  // stays within the contract or does not get worse than now
  if (x.pcc) {
    const { contractedPowerKw: c, pccKw } = x.pcc;
    const ess = x.essKw;
    if (ess === null || ess === undefined || pccKw === null || pccKw === undefined) {
      const e = typeof ess === 'number' ? ess : 0;
      out.push(new Rule('interlock.pcc-unknown', false, Math.min(0, e), Math.max(0, e), id, 0, 0, 0));
    } else {
      const m = Math.max(c, Math.abs(pccKw));
      const centre = pccKw + ess;
      out.push(new Rule('interlock.contracted-power', false, centre - m, centre + m, id, pccKw, ess, c));
    }
  }
  return out;
}

/**
 * Applies constraints to a requested value for one lane. A non-finite request is refused in
 * every lane. The machine lane clamps: first into the commercial range, then into the
 * physical one (physical wins); a rule is reported as binding when it moved the value.
 */
export function decide(lane: Lane, constraints: readonly Constraint[], requestedKw: number): LimitDecision {
  const protective = lane === 'protective';
  // the allowed intervals: of every constraint that applies in this lane, and of the physical ones
  let allLo = -INF;
  let allHi = INF;
  let physLo = -INF;
  let physHi = INF;
  for (const c of constraints) {
    if (c.physical) {
      if (c.lo > physLo) physLo = c.lo;
      if (c.hi < physHi) physHi = c.hi;
    } else if (protective) continue;
    if (c.lo > allLo) allLo = c.lo;
    if (c.hi < allHi) allHi = c.hi;
  }
  const all = { lo: allLo, hi: allHi };
  if (!Number.isFinite(requestedKw)) return { ok: false, rule: 'value.not-finite', message: `the requested power is not a number`, range: all };

  if (lane !== 'machine') {
    for (const c of constraints)
      if ((c.physical || !protective) && (requestedKw < c.lo - EPS || requestedKw > c.hi + EPS)) return { ok: false, rule: c.rule, message: c.explain(requestedKw), range: all };
    return { ok: true, valueKw: requestedKw, requestedKw, binding: null, range: all };
  }

  // machine: commercial range limited to the physical one (physical wins where they conflict)
  const range = { lo: clamp(allLo, physLo, physHi), hi: clamp(allHi, physLo, physHi) };
  if (range.lo > range.hi) range.lo = range.hi;
  const valueKw = clamp(requestedKw, range.lo, range.hi);
  if (Math.abs(valueKw - requestedKw) <= EPS) return { ok: true, valueKw: requestedKw, requestedKw, binding: null, range };
  const binding = bindingRule(constraints, valueKw, requestedKw);
  return {
    ok: true,
    valueKw,
    requestedKw,
    binding: binding ? { rule: binding.rule, message: `${binding.explain(requestedKw)}; limited to ${r1(valueKw)} kW` } : null,
    range,
  };
}

/** The rule a clamped value is bound by: the constraint whose bound it was clamped to (physical first), else the first one broken. */
function bindingRule(constraints: readonly Constraint[], valueKw: number, requestedKw: number): Constraint | undefined {
  const up = valueKw > requestedKw;
  let any: Constraint | undefined;
  for (const c of constraints) {
    if (Math.abs((up ? c.lo : c.hi) - valueKw) > EPS) continue;
    if (c.physical) return c;
    any ??= c;
  }
  if (any) return any;
  for (const c of constraints) if (requestedKw < c.lo - EPS || requestedKw > c.hi + EPS) return c;
  return undefined;
}

/** Convenience: constraints and decision in one call. */
export function essPowerLimit(lane: Lane, input: EssPowerInput, requestedKw: number): LimitDecision {
  return decide(lane, essPowerConstraints(input), requestedKw);
}

/**
 * Is this command a protective action (stop, standby, trip, power to 0)? Protective actions
 * face only physical limits. Known here: an ESS power setpoint of 0 kW, an ESS stop request
 * (`Stop` := true/1), an ESS mode or state change to a state labelled Off/Standby/Stop, and a
 * breaker opened (`Close`/`Closed` := false).
 */
export function isProtective(c: { nature: string; channel: string; value: number | boolean; states?: Record<string, string> }): boolean {
  // what the channel is comes from its nature (core/common/natures.ts), not from its name
  const def = isNatureName(c.nature) ? natureChannel(c.nature, c.channel) : undefined;
  const role = def?.role;
  if (c.nature === 'Ess') {
    if (role === 'power-setpoint') return c.value === 0;
    // a mode, state or stop point whose value is labelled Off/Standby/Stop (the profile's states, else the nature's)
    const states = c.states ?? def?.states;
    const code = typeof c.value === 'boolean' ? (c.value ? 1 : 0) : c.value;
    if (states) return /^(off|standby|stop|stopped)$/i.test(states[String(code)] ?? '');
  }
  if (c.nature === 'Breaker' && role === 'breaker-position') return c.value === false || c.value === 0;
  return false;
}

function isNatureName(n: string): n is NatureName {
  return Object.prototype.hasOwnProperty.call(NATURES, n);
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

function r1(x: number): number {
  return Math.round(x * 10) / 10;
}

/**
 * Pure helpers of the alarm definition editor: the form state (strings, as typed) to and from a
 * definition, the source of each definition (site file or edited), filtering, and mapping the
 * core's issue paths ("actions[0].target") to form fields. No React, no DOM.
 */
import type { AlarmDefinition, AlarmDefinitionIssue, AlarmDefinitionOverrideInfo, AlarmPriority, AlarmType } from '../../../../core/common/alarms';

/** the types an administrator can create (system alarms are raised by services, by id) */
export const EDITABLE_TYPES: readonly AlarmType[] = ['limit', 'state', 'rate', 'deviation', 'quality', 'expression', 'system'];

export const TYPE_LABEL: Record<AlarmType, string> = {
  limit: 'Limit (HH/H/L/LL)',
  state: 'Digital / state',
  rate: 'Rate of change',
  deviation: 'Deviation',
  quality: 'Quality',
  expression: 'Expression',
  system: 'System',
};

export const QUALITY_REASONS = ['comm-fail', 'stale', 'out-of-range', 'manual', 'initial', 'device'] as const;
export type QualityReason = (typeof QUALITY_REASONS)[number];

export interface ActionForm {
  target: string;
  value: string;
  reason: string;
}

/** Everything the form can hold; only the fields of the chosen type go into the definition. */
export interface DefinitionForm {
  id: string;
  type: AlarmType;
  message: string;
  priority: AlarmPriority;
  class: string;
  consequence: string;
  response: string;
  enabled: boolean;
  latching: boolean;
  shelvable: boolean;
  /** seconds, as typed */
  onDelayS: string;
  offDelayS: string;
  suppressWhen: string;
  point: string;
  // limit
  level: 'HH' | 'H' | 'L' | 'LL';
  setpoint: string;
  deadband: string;
  // state: comma-separated values, e.g. "3" or "true"
  alarmValues: string;
  // rate
  ratePerMin: string;
  direction: 'rise' | 'fall' | 'both';
  windowS: string;
  // deviation: a number or a point id
  deviationSetpoint: string;
  maxDeviation: string;
  // quality
  reasons: QualityReason[];
  includeUncertain: boolean;
  // expression
  expr: string;
  actions: ActionForm[];
}

export function emptyForm(type: AlarmType = 'limit'): DefinitionForm {
  return {
    id: '',
    type,
    message: '',
    priority: 'medium',
    class: 'process',
    consequence: '',
    response: '',
    enabled: true,
    latching: false,
    shelvable: true,
    onDelayS: '0',
    offDelayS: '0',
    suppressWhen: '',
    point: '',
    level: 'H',
    setpoint: '',
    deadband: '0',
    alarmValues: '',
    ratePerMin: '',
    direction: 'both',
    windowS: '60',
    deviationSetpoint: '',
    maxDeviation: '',
    reasons: ['comm-fail', 'stale'],
    includeUncertain: false,
    expr: '',
    actions: [],
  };
}

const secs = (ms: number): string => String(ms / 1000);

export function formFromDefinition(d: AlarmDefinition): DefinitionForm {
  const f: DefinitionForm = {
    ...emptyForm(d.type),
    id: d.id,
    message: d.message,
    priority: d.priority,
    class: d.class,
    consequence: d.consequence ?? '',
    response: d.response ?? '',
    enabled: d.enabled,
    latching: d.latching,
    shelvable: d.shelvable,
    onDelayS: secs(d.onDelayMs),
    offDelayS: secs(d.offDelayMs),
    suppressWhen: d.suppressWhen ?? '',
    actions: d.actions.map((a) => ({ target: a.target, value: String(a.value), reason: a.reason ?? '' })),
  };
  switch (d.type) {
    case 'limit':
      return { ...f, point: d.point, level: d.level, setpoint: String(d.setpoint), deadband: String(d.deadband) };
    case 'state':
      return { ...f, point: d.point, alarmValues: d.alarmValues.map(String).join(', ') };
    case 'rate':
      return { ...f, point: d.point, ratePerMin: String(d.ratePerMin), direction: d.direction, windowS: secs(d.windowMs), deadband: String(d.deadband) };
    case 'deviation':
      return { ...f, point: d.point, deviationSetpoint: String(d.setpoint), maxDeviation: String(d.maxDeviation), deadband: String(d.deadband) };
    case 'quality':
      return { ...f, point: d.point, reasons: [...d.reasons], includeUncertain: d.includeUncertain };
    case 'expression':
      return { ...f, expr: d.expr };
    case 'system':
      return f;
  }
}

/** "12.5" -> 12.5; "" or "abc" -> undefined */
export function parseNumber(s: string): number | undefined {
  const t = s.trim().replace(',', '.');
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** a value of a state alarm or a procedure step: true/false, a number, or (state only) text */
export function parseValue(s: string, allowText: boolean): number | boolean | string | undefined {
  const t = s.trim();
  if (t === '') return undefined;
  if (t === 'true' || t === 'false') return t === 'true';
  const n = parseNumber(t);
  if (n !== undefined) return n;
  return allowText ? t : undefined;
}

export interface BuiltDefinition {
  /** what goes to alarms.definitions.validate / upsert (may still be invalid for the core) */
  definition: Record<string, unknown>;
  /** problems found before asking the core, by form field */
  errors: Partial<Record<string, string>>;
}

/**
 * The definition for the core from the form. Numbers that do not parse are reported by field
 * and left out, so the core's own check names everything else.
 */
export function formToDefinition(f: DefinitionForm): BuiltDefinition {
  const errors: Partial<Record<string, string>> = {};
  const num = (field: string, s: string, required: boolean): number | undefined => {
    const n = parseNumber(s);
    if (n === undefined && (required || s.trim() !== '')) errors[field] = s.trim() === '' ? 'required' : 'not a number';
    return n;
  };
  const ms = (field: string, s: string): number | undefined => {
    const n = num(field, s, false);
    return n === undefined ? undefined : Math.round(n * 1000);
  };
  const d: Record<string, unknown> = {
    id: f.id.trim(),
    type: f.type,
    message: f.message.trim(),
    priority: f.priority,
    class: f.class.trim() || 'process',
    enabled: f.enabled,
    latching: f.latching,
    shelvable: f.shelvable,
  };
  const opt = (k: string, v: string): void => {
    if (v.trim() !== '') d[k] = v.trim();
  };
  opt('consequence', f.consequence);
  opt('response', f.response);
  opt('suppressWhen', f.suppressWhen);
  const onDelay = ms('onDelayS', f.onDelayS);
  if (onDelay !== undefined) d.onDelayMs = onDelay;
  const offDelay = ms('offDelayS', f.offDelayS);
  if (offDelay !== undefined) d.offDelayMs = offDelay;
  const setIf = (k: string, v: unknown): void => {
    if (v !== undefined) d[k] = v;
  };
  if (f.type !== 'expression' && f.type !== 'system') d.point = f.point.trim();
  switch (f.type) {
    case 'limit':
      d.level = f.level;
      setIf('setpoint', num('setpoint', f.setpoint, true));
      setIf('deadband', num('deadband', f.deadband, false));
      break;
    case 'state': {
      const parts = f.alarmValues.split(',').map((s) => s.trim()).filter((s) => s !== '');
      d.alarmValues = parts.map((s) => parseValue(s, true));
      if (parts.length === 0) errors.alarmValues = 'at least one value, e.g. 3 or true';
      break;
    }
    case 'rate': {
      setIf('ratePerMin', num('ratePerMin', f.ratePerMin, true));
      d.direction = f.direction;
      setIf('windowMs', ms('windowS', f.windowS));
      setIf('deadband', num('deadband', f.deadband, false));
      break;
    }
    case 'deviation': {
      const sp = f.deviationSetpoint.trim();
      const n = parseNumber(sp);
      if (sp === '') errors.deviationSetpoint = 'required: a number or a point';
      else d.setpoint = n ?? sp;
      setIf('maxDeviation', num('maxDeviation', f.maxDeviation, true));
      setIf('deadband', num('deadband', f.deadband, false));
      break;
    }
    case 'quality':
      d.reasons = [...f.reasons];
      d.includeUncertain = f.includeUncertain;
      if (f.reasons.length === 0) errors.reasons = 'at least one reason';
      break;
    case 'expression':
      d.expr = f.expr.trim();
      break;
    case 'system':
      break;
  }
  d.actions = f.actions.map((a, k) => {
    const v = parseValue(a.value, false);
    if (v === undefined) errors[`actions[${k}].value`] = a.value.trim() === '' ? 'required' : 'a number, true or false';
    return { target: a.target.trim(), value: v ?? a.value.trim(), ...(a.reason.trim() ? { reason: a.reason.trim() } : {}) };
  });
  return { definition: d, errors };
}

/**
 * The form field an issue path of the core belongs to: "setpoint" -> "setpoint" (limit) or
 * "deviationSetpoint"; "windowMs" -> "windowS"; "actions[1].target" stays; "definition.x" -> "x".
 */
export function fieldOfIssue(path: string, type: AlarmType): string {
  const p = path.replace(/^definition\.?/, '');
  const head = p.split('.')[0] ?? '';
  if (/^actions\[\d+\]/.test(p)) return p.replace(/^(actions\[\d+\])\.?(\w+)?.*$/, (_m, a: string, f?: string) => (f ? `${a}.${f}` : a));
  if (head.startsWith('alarmValues')) return 'alarmValues';
  if (head.startsWith('reasons')) return 'reasons';
  switch (head) {
    case 'setpoint':
      return type === 'deviation' ? 'deviationSetpoint' : 'setpoint';
    case 'onDelayMs':
      return 'onDelayS';
    case 'offDelayMs':
      return 'offDelayS';
    case 'windowMs':
      return 'windowS';
    default:
      return head;
  }
}

/** issues of the core by form field (first message wins), plus the local errors */
export function issuesByField(issues: readonly AlarmDefinitionIssue[], type: AlarmType, local: Partial<Record<string, string>> = {}): Partial<Record<string, string>> {
  const out: Partial<Record<string, string>> = { ...local };
  for (const i of issues) {
    const f = fieldOfIssue(i.path, type) || '(definition)';
    out[f] ??= i.message;
  }
  return out;
}

// ---------------------------------------------------------------- table

export type DefinitionSource = 'site' | 'edited' | 'added';

export const SOURCE_LABEL: Record<DefinitionSource, string> = { site: 'Site file', edited: 'Edited', added: 'Added' };

export interface DefinitionRow {
  id: string;
  type: AlarmType;
  point: string;
  priority: AlarmPriority;
  class: string;
  message: string;
  actions: number;
  enabled: boolean;
  source: DefinitionSource;
  /** who edited it last, when edited */
  editedBy?: string;
  editedAt?: number;
}

export function pointOf(d: AlarmDefinition): string {
  if ('point' in d) return d.point;
  if (d.type === 'expression') return d.expr;
  return '';
}

export function definitionRows(defs: readonly AlarmDefinition[], overrides: readonly AlarmDefinitionOverrideInfo[]): DefinitionRow[] {
  const byId = new Map(overrides.map((o) => [o.id, o]));
  return defs.map((d) => {
    const o = byId.get(d.id);
    const source: DefinitionSource = !o || o.kind === 'deleted' ? 'site' : o.kind === 'added' ? 'added' : 'edited';
    return {
      id: d.id,
      type: d.type,
      point: pointOf(d),
      priority: d.priority,
      class: d.class,
      message: d.message,
      actions: d.actions.length,
      enabled: d.enabled,
      source,
      ...(o && o.kind !== 'deleted' ? { editedBy: o.updatedBy, editedAt: o.updatedAt } : {}),
    };
  });
}

export interface DefinitionFilter {
  text: string;
  type: AlarmType | '';
  source: DefinitionSource | '';
}

export function filterRows(rows: readonly DefinitionRow[], f: DefinitionFilter): DefinitionRow[] {
  const t = f.text.trim().toLowerCase();
  return rows.filter(
    (r) =>
      (f.type === '' || r.type === f.type) &&
      (f.source === '' || r.source === f.source) &&
      (t === '' || r.id.toLowerCase().includes(t) || r.message.toLowerCase().includes(t) || r.point.toLowerCase().includes(t) || r.class.toLowerCase().includes(t)),
  );
}

/** site-file definitions an administrator deleted (shown as a count, they no longer exist) */
export function deletedFromSiteFile(overrides: readonly AlarmDefinitionOverrideInfo[]): string[] {
  return overrides.filter((o) => o.kind === 'deleted' && o.inSiteFile).map((o) => o.id);
}

/** a suggested id for a new limit alarm: "<point with dots>.<level>" e.g. "ess.temperature.HH" */
export function suggestId(f: Pick<DefinitionForm, 'type' | 'point' | 'level'>): string {
  if (!f.point.includes('/')) return '';
  const base = f.point.replace('/', '.').replace(/[^A-Za-z0-9_.:-]/g, '');
  return f.type === 'limit' ? `${base}.${f.level}` : `${base}.${f.type}`;
}

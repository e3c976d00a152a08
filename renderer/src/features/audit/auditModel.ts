/** Pure helpers of the audit log screen: the form → AuditFilter, value and row texts. */
import type { AuditEntry, AuditFilter, AuditOutcome, AuditVerifyResult } from '../../../../core/common/security';

export const AUDIT_PAGE = 50;

export interface AuditForm {
  user: string;
  type: string;
  assetId: string;
  outcome: '' | AuditOutcome;
  /** `datetime-local` input values (local time), '' for open */
  from: string;
  to: string;
}

export const EMPTY_FORM: AuditForm = { user: '', type: '', assetId: '', outcome: '', from: '', to: '' };

/** A `datetime-local` value as ms since epoch (local time), or undefined when empty/invalid. */
export function parseLocalDateTime(s: string): number | undefined {
  if (!s.trim()) return undefined;
  const t = new Date(s).getTime();
  return Number.isFinite(t) ? t : undefined;
}

/** ms since epoch → `datetime-local` value in local time. */
export function toLocalDateTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** The filter to send; empty fields are left out; a type without a dot is a prefix "type.". */
export function buildAuditFilter(form: AuditForm, beforeSeq?: number, limit = AUDIT_PAGE): AuditFilter {
  const f: AuditFilter = { limit };
  const user = form.user.trim();
  if (user) f.user = user;
  let type = form.type.trim();
  if (type && !type.includes('.')) type = `${type}.`;
  if (type) f.type = type;
  if (form.assetId) f.assetId = form.assetId;
  if (form.outcome) f.outcome = form.outcome;
  const from = parseLocalDateTime(form.from);
  const to = parseLocalDateTime(form.to);
  if (from !== undefined) f.from = from;
  if (to !== undefined) f.to = to;
  if (beforeSeq !== undefined) f.beforeSeq = beforeSeq;
  return f;
}

/** The beforeSeq for the next (older) page, or undefined when this page was the last. */
export function nextBeforeSeq(page: readonly AuditEntry[], limit = AUDIT_PAGE): number | undefined {
  if (page.length < limit) return undefined;
  return Math.min(...page.map((e) => e.seq));
}

/** `{ "<target>": x }` (how commands record before/after) is shown as just x. */
export function unwrapTarget(v: unknown, target: string | null): unknown {
  if (!target || typeof v !== 'object' || v === null || Array.isArray(v)) return v;
  const keys = Object.keys(v);
  return keys.length === 1 && keys[0] === target ? (v as Record<string, unknown>)[target] : v;
}

const UNIT_SUFFIX: ReadonlyArray<[RegExp, string]> = [
  [/Kwh$/, ' kWh'],
  [/Kw$/, ' kW'],
  [/KwPerS$/, ' kW/s'],
  [/Pct$/, ' %'],
  [/Ms$/, ' ms'],
  [/(Offset|Temp|Temperature)C$/, '$1 °C'],
];

/** "loadStepKw" -> ["load step", "kW"]; "pvFactor" -> ["PV factor", ""] */
function keyWords(key: string): [string, string] {
  let k = key;
  let unit = '';
  for (const [re, u] of UNIT_SUFFIX) {
    if (re.test(k)) {
      const replaced = k.replace(re, u.startsWith(' ') ? '' : u);
      unit = u.includes('°C') ? '°C' : u.trim();
      k = u.includes('°C') ? replaced.replace(/ °C$/, '') : replaced;
      break;
    }
  }
  const words = k
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase()
    .replace(/\bpv\b/g, 'PV')
    .replace(/\bsoc\b/g, 'SoC')
    .replace(/\bess\b/g, 'ESS')
    .replace(/\bpcc\b/g, 'PCC');
  return [words, unit];
}

function scalarText(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 1000) / 1000);
  if (typeof v === 'string') return v;
  return '';
}

/**
 * A before/after value as people read it, never raw JSON: `{ "loadStepKw": 20, "pvFactor": 0.4 }`
 * becomes "load step 20 kW, PV factor 0.4"; `{ "value": 10 }` becomes "10"; lists are joined.
 */
export function readableValue(v: unknown, depth = 0): string {
  if (v === null || v === undefined || typeof v !== 'object') return scalarText(v);
  if (Array.isArray(v)) return v.length === 0 ? 'none' : v.map((x) => readableValue(x, depth + 1)).join(', ');
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 0) return '—';
  if (entries.length === 1 && entries[0]![0] === 'value') return readableValue(entries[0]![1], depth + 1);
  const parts = entries.map(([k, x]) => {
    const [words, unit] = keyWords(k);
    const text = readableValue(x, depth + 1);
    const nested = typeof x === 'object' && x !== null && !Array.isArray(x);
    return nested ? `${words} (${text})` : `${words} ${text}${unit && typeof x === 'number' ? ` ${unit}` : ''}`;
  });
  return parts.join(depth === 0 ? ', ' : '; ');
}

/** Short text of a before/after value (table cell). */
export function auditValueText(v: unknown, max = 80): string {
  const s = readableValue(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Full text (details panel): one line per field of an object. */
export function auditValueFull(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v !== 'object' || Array.isArray(v)) return readableValue(v);
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 1 && entries[0]![0] === 'value') return readableValue(entries[0]![1]);
  return entries.map(([k, x]) => readableValue({ [k]: x })).join('\n');
}

export function actorText(e: Pick<AuditEntry, 'actor' | 'impersonator'>): string {
  return e.impersonator ? `${e.actor} (by ${e.impersonator})` : e.actor;
}

export function verifyText(r: AuditVerifyResult): string {
  if (r.ok) return `Chain intact: ${r.count} entries verified, head #${r.headSeq}.`;
  return `Chain broken at entry #${r.firstBad.seq} (${r.firstBad.problem}) after ${r.count} good entries: ${r.message}`;
}

export const OUTCOMES: readonly AuditOutcome[] = ['ok', 'refused', 'failed', 'info'];

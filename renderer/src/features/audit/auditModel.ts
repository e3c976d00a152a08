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

/** Short text of a before/after value: numbers and strings as they are, objects as JSON. */
export function auditValueText(v: unknown, max = 80): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return v.length > max ? `${v.slice(0, max - 1)}…` : v;
  let s: string;
  try {
    s = JSON.stringify(v);
  } catch {
    s = String(v);
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Full text (details panel). */
export function auditValueFull(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v, null, 2);
  } catch {
    return String(v);
  }
}

export function actorText(e: Pick<AuditEntry, 'actor' | 'impersonator'>): string {
  return e.impersonator ? `${e.actor} (by ${e.impersonator})` : e.actor;
}

export function verifyText(r: AuditVerifyResult): string {
  if (r.ok) return `Chain intact: ${r.count} entries verified, head #${r.headSeq}.`;
  return `Chain broken at entry #${r.firstBad.seq} (${r.firstBad.problem}) after ${r.count} good entries: ${r.message}`;
}

export const OUTCOMES: readonly AuditOutcome[] = ['ok', 'refused', 'failed', 'info'];

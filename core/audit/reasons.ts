/**
 * The administrator's predefined list of justifications (users.03 Req2), and whether a
 * reason is required for commands and for configuration changes.
 */
import type Database from 'better-sqlite3';
import { ApiError } from '../common/api/contract';
import type { ReasonView } from '../common/security';

interface Row {
  id: string;
  label: string;
  applies_to: 'command' | 'config' | 'all';
  active: number;
}

const toView = (r: Row): ReasonView => ({ id: r.id, label: r.label, appliesTo: r.applies_to, active: r.active === 1 });

export type ReasonKind = 'command' | 'config';

export type ReasonCheck = { ok: true; reason: ReasonView | null } | { ok: false; rule: string; message: string };

export class ReasonCatalog {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now,
  ) {}

  list(appliesTo?: ReasonKind, includeInactive = false): ReasonView[] {
    const rows = this.db.prepare('SELECT id, label, applies_to, active FROM reasons ORDER BY label').all() as Row[];
    return rows
      .map(toView)
      .filter((r) => (includeInactive || r.active) && (appliesTo === undefined || r.appliesTo === 'all' || r.appliesTo === appliesTo));
  }

  get(id: string): ReasonView | undefined {
    const r = this.db.prepare('SELECT id, label, applies_to, active FROM reasons WHERE id = ?').get(id) as Row | undefined;
    return r ? toView(r) : undefined;
  }

  /** Creates or updates; returns the previous value (for the audit's before/after). */
  upsert(r: ReasonView): { before: ReasonView | null; after: ReasonView } {
    const before = this.get(r.id) ?? null;
    this.db
      .prepare(
        `INSERT INTO reasons (id, label, applies_to, active, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET label = excluded.label, applies_to = excluded.applies_to, active = excluded.active, updated_at = excluded.updated_at`,
      )
      .run(r.id, r.label, r.appliesTo, r.active ? 1 : 0, this.now());
    return { before, after: this.get(r.id)! };
  }

  isRequired(kind: ReasonKind): boolean {
    const row = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(`reasons.required.${kind}`) as { value: string } | undefined;
    return row?.value === 'true';
  }

  setRequired(kind: ReasonKind, required: boolean): void {
    if (required && this.list(kind).length === 0)
      throw new ApiError('conflict', `define at least one active ${kind} reason before requiring one`);
    this.db
      .prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
      .run(`reasons.required.${kind}`, String(required));
  }

  /** Checks a reason id given with an action of this kind. */
  check(kind: ReasonKind, id: string | undefined): ReasonCheck {
    if (id === undefined || id === '') {
      if (this.isRequired(kind))
        return { ok: false, rule: 'reason.required', message: `a reason from the administrator's list is required for this ${kind}` };
      return { ok: true, reason: null };
    }
    const r = this.get(id);
    if (!r || !r.active || (r.appliesTo !== 'all' && r.appliesTo !== kind))
      return { ok: false, rule: 'reason.unknown', message: `"${id}" is not an active ${kind} reason in the administrator's list` };
    return { ok: true, reason: r };
  }
}

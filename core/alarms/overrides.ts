/**
 * Administrator edits of alarm definitions, kept in the application database
 * (`alarm_definition_overrides`, migration 2) and applied over the site file's definitions when
 * the services open. One row per alarm id: the whole definition as edited, or NULL for a deleted
 * one. See docs/decisions/0005-alarm-definition-overrides.md.
 */
import type Database from 'better-sqlite3';
import { stringify } from 'yaml';
import { alarmDefinitionSchema, type AlarmDefinition, type AlarmDefinitionInput, type AlarmDefinitionIssue } from '../common/alarms';

export interface AlarmDefinitionOverride {
  id: string;
  /** the definition as the administrator saved it; null = deleted */
  definition: unknown;
  updatedAt: number;
  updatedBy: string;
}

interface Row {
  id: string;
  definition_json: string | null;
  updated_at: number;
  updated_by: string;
}

export class AlarmDefinitionOverrideStore {
  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly upsertStmt: Database.Statement;
  private readonly allStmt: Database.Statement;
  private readonly removeStmt: Database.Statement;

  constructor(db: Database.Database, now: () => number = Date.now) {
    this.db = db;
    this.now = now;
    this.upsertStmt = db.prepare(
      `INSERT INTO alarm_definition_overrides (id, definition_json, updated_at, updated_by) VALUES (?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET definition_json = excluded.definition_json, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
    );
    this.removeStmt = db.prepare('DELETE FROM alarm_definition_overrides WHERE id = ?');
    this.allStmt = db.prepare('SELECT id, definition_json, updated_at, updated_by FROM alarm_definition_overrides ORDER BY updated_at, id');
  }

  list(): AlarmDefinitionOverride[] {
    return (this.allStmt.all() as Row[]).map((r) => {
      let definition: unknown = null;
      if (r.definition_json !== null) {
        try {
          definition = JSON.parse(r.definition_json) as unknown;
        } catch {
          definition = { id: r.id, invalidJson: r.definition_json };
        }
      }
      return { id: r.id, definition, updatedAt: r.updated_at, updatedBy: r.updated_by };
    });
  }

  /** records an edit (a definition) or a deletion (null) */
  put(id: string, definition: AlarmDefinition | null, user: string): void {
    this.upsertStmt.run(id, definition === null ? null : JSON.stringify(definition), this.now(), user);
  }

  /** forgets the edit: the site file's definition (or none) applies again */
  remove(id: string): void {
    this.removeStmt.run(id);
  }

  /** runs `fn` in one transaction of the application database (nested calls use savepoints) */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}

export interface MergedDefinitions {
  definitions: AlarmDefinitionInput[];
  /** overrides that no longer validate (unknown point, changed schema): not applied */
  skipped: Array<{ id: string; issues: AlarmDefinitionIssue[] }>;
}

/**
 * The effective definitions: the site file's, with each override replacing the definition of
 * the same id in place, adding a new one at the end, or removing one (null).
 */
export function mergeDefinitionOverrides(
  site: readonly AlarmDefinitionInput[],
  overrides: readonly AlarmDefinitionOverride[],
  validate: (d: unknown) => { ok: boolean; issues: AlarmDefinitionIssue[] },
): MergedDefinitions {
  const byId = new Map<string, AlarmDefinitionInput>(site.map((d) => [d.id, d]));
  const skipped: MergedDefinitions['skipped'] = [];
  for (const o of overrides) {
    if (o.definition === null) {
      byId.delete(o.id);
      continue;
    }
    const v = validate(o.definition);
    // the same leniency as the site file: a large deadband is a warning, not an error
    const issues = v.issues.filter((i) => i.message !== 'deadband larger than the setpoint itself');
    const id = (o.definition as { id?: unknown }).id;
    if (issues.length > 0 || id !== o.id) {
      skipped.push({ id: o.id, issues: issues.length ? issues : [{ path: 'id', message: `stored under "${o.id}" but names "${String(id)}"` }] });
      continue;
    }
    byId.set(o.id, o.definition as AlarmDefinitionInput);
  }
  return { definitions: [...byId.values()], skipped };
}

/**
 * A definition without the fields that only repeat the schema's defaults (enabled: true,
 * onDelayMs: 0, actions: [] ...), so the exported YAML reads like a hand-written site file.
 */
export function compactDefinition(def: AlarmDefinition): Record<string, unknown> {
  const out: Record<string, unknown> = { ...def };
  for (const k of Object.keys(def)) {
    if (k === 'id' || k === 'type') continue;
    const without = { ...out };
    delete without[k];
    const r = alarmDefinitionSchema.safeParse(without);
    if (r.success && JSON.stringify((r.data as Record<string, unknown>)[k]) === JSON.stringify(out[k])) delete out[k];
  }
  return out;
}

/** The effective definitions as the `alarms: definitions:` section of a site file. */
export function definitionsToYaml(defs: readonly AlarmDefinition[], header: string): string {
  const body = stringify({ alarms: { definitions: defs.map(compactDefinition) } }, { lineWidth: 0 });
  const comment = header
    .split('\n')
    .map((l) => `# ${l}`.trimEnd())
    .join('\n');
  return `${comment}\n${body}`;
}

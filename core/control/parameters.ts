/**
 * Site parameters changed at run time (contracted power, peak-shaving limit, SoC reserve), kept in the
 * application database (`site_parameter_overrides`, migration 3) over the site file's
 * defaults. Only `CommandService.setParameter` writes here (permission, limits, reason,
 * audit); everything that uses a parameter (the contracted-power interlock, alarm limits,
 * controllers) reads the value in force from `effective()`.
 */
import type Database from 'better-sqlite3';
import { SITE_PARAMETER_LABELS, SITE_PARAMETER_UNITS, SITE_PARAMETERS, type SiteParameter, type SiteParameterView } from '../common/control';

export interface SiteParameterDefaults {
  contractedPowerKw: number;
  /** default: the contracted power (the device's own peak shaving keeps the PCC within the contract) */
  peakShavingLimitKw?: number;
  /** the batteries' SoC reserve in the site file (the first battery's); without it the site has no socMinPct parameter */
  socMinPct?: number;
}

/** The values in force; `socMinPct` only on a site whose batteries have a reserve. */
export type SiteParameterValues = Record<Exclude<SiteParameter, 'socMinPct'>, number> & { socMinPct?: number };

interface Row {
  parameter: string;
  value: number;
  updated_at: number;
  updated_by: string;
  reason: string | null;
  comment: string | null;
}

export class SiteParameterStore {
  private readonly listeners = new Set<(siteId: string, values: SiteParameterValues) => void>();
  private readonly cache = new Map<string, Map<SiteParameter, Row>>();

  constructor(
    private readonly db: Database.Database,
    private readonly defaults: ReadonlyMap<string, SiteParameterDefaults>,
    private readonly now: () => number = Date.now,
  ) {}

  has(siteId: string): boolean {
    return this.defaults.has(siteId);
  }

  /** The values in force for a site; undefined for an unknown site. */
  effective(siteId: string): SiteParameterValues | undefined {
    const views = this.views(siteId);
    if (!views) return undefined;
    return Object.fromEntries(views.map((v) => [v.id, v.value])) as SiteParameterValues;
  }

  views(siteId: string): SiteParameterView[] | undefined {
    const d = this.defaults.get(siteId);
    if (!d) return undefined;
    const rows = this.rows(siteId);
    const contracted = rows.get('contractedPowerKw')?.value ?? d.contractedPowerKw;
    const defaults: Partial<Record<SiteParameter, number>> = { contractedPowerKw: d.contractedPowerKw, peakShavingLimitKw: d.peakShavingLimitKw ?? contracted, socMinPct: d.socMinPct };
    return SITE_PARAMETERS.flatMap((id) => {
      const def = defaults[id];
      if (def === undefined) return [];
      const r = rows.get(id);
      return {
        id,
        label: SITE_PARAMETER_LABELS[id],
        unit: SITE_PARAMETER_UNITS[id],
        value: r?.value ?? def,
        default: def,
        ...(r ? { override: { value: r.value, by: r.updated_by, at: r.updated_at, reason: r.reason, ...(r.comment ? { comment: r.comment } : {}) } } : {}),
      };
    });
  }

  /** Stores an override (or removes it with null). Callers check permission and limits first. */
  set(siteId: string, parameter: SiteParameter, value: number | null, meta: { by: string; reason: string | null; comment?: string }): void {
    if (!this.defaults.has(siteId)) throw new Error(`unknown site "${siteId}"`);
    if (value === null) this.db.prepare('DELETE FROM site_parameter_overrides WHERE site_id = ? AND parameter = ?').run(siteId, parameter);
    else
      this.db
        .prepare(
          `INSERT INTO site_parameter_overrides (site_id, parameter, value, updated_at, updated_by, reason, comment) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (site_id, parameter) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by, reason = excluded.reason, comment = excluded.comment`,
        )
        .run(siteId, parameter, value, this.now(), meta.by, meta.reason, meta.comment ?? null);
    this.cache.delete(siteId);
    const values = this.effective(siteId);
    if (values)
      for (const l of this.listeners) {
        try {
          l(siteId, values);
        } catch (e) {
          console.error(`site parameters: a listener failed: ${(e as Error).message}`);
        }
      }
  }

  onChange(cb: (siteId: string, values: SiteParameterValues) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  private rows(siteId: string): Map<SiteParameter, Row> {
    let m = this.cache.get(siteId);
    if (!m) {
      const rows = this.db.prepare('SELECT parameter, value, updated_at, updated_by, reason, comment FROM site_parameter_overrides WHERE site_id = ?').all(siteId) as Row[];
      m = new Map(rows.filter((r) => (SITE_PARAMETERS as readonly string[]).includes(r.parameter)).map((r) => [r.parameter as SiteParameter, r]));
      this.cache.set(siteId, m);
    }
    return m;
  }
}

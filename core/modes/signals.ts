/**
 * External grid signals from a file (energy.11; issue #11 item 6): TSO setpoints, PCC limits
 * and a P(f) curve that the system operator (or an integration) drops into a YAML or JSON file.
 * The file is read when it changes (checked every `pollMs` on the host's scheduler), checked
 * against `gridSignalsSchema` with file:line errors, and only a valid file replaces the signals
 * in force: a bad file raises the alarm `signals.invalid` (the previous signals stay) until a
 * good one arrives. The controllers read `current(now)` (GridSignalSource); the plan service
 * reads `window()` for the next plan (limits and setpoints over its horizon).
 *
 * A driver feeds signals too: device channels mapped in the site file (`points` of the
 * grid-signals controller: e.g. the export limit of the grid RTU over IEC 104, a TSO setpoint
 * register over Modbus) are read from the CVT (`read`): a value of good quality is in force from
 * its time stamp to `validMinutes` after it is last read good — in the cycle at once, in the plan
 * for the steps it covers —
 * over the file's signals for the same moment; a value that is not good (comm failure, stale)
 * is not a signal. A changed point value is told to listeners on the poll (the plan is made again).
 * `accept()` takes whole signal sets from a driver that sends periods.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import type { Cancel, Scheduler } from '../common/clock';
import type { GridSignalsConfig } from '../common/cycle';
import { gridSignalsSchema, type GridSignals, type GridSignalsNow } from '../common/modes';
import type { PointState } from '../common/point';
import type { GridSignalSource } from '../cycle/controllers/grid-signals';

export const SIGNALS_INVALID_ALARM = 'signals.invalid';

export interface SignalAlarms {
  raiseSystemAlarm(id: string, opts?: { message?: string; priority?: 'critical' | 'high' | 'medium' | 'low'; class?: string; text?: string }): void;
  clearSystemAlarm(id: string, opts?: { text?: string }): void;
}

/** Parses and checks a signals file's text; errors are "file:line:col: path: sentence". */
export function parseGridSignals(text: string, file: string): { ok: true; signals: GridSignals } | { ok: false; errors: string[] } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0)
    return {
      ok: false,
      errors: doc.errors.map((e) => {
        const p = lc.linePos(e.pos[0]);
        return `${file}:${p.line}:${p.col}: ${e.message.split('\n')[0] ?? e.message}`;
      }),
    };
  const r = gridSignalsSchema.safeParse(doc.toJS());
  if (r.success) return { ok: true, signals: r.data };
  return {
    ok: false,
    errors: r.error.issues.map((i) => {
      let where = '';
      for (let n = i.path.length; n >= 0; n--) {
        const node = (n === 0 ? doc.contents : doc.getIn(i.path.slice(0, n), true)) as { range?: [number, number, number] } | null | undefined;
        if (node && typeof node === 'object' && Array.isArray(node.range)) {
          const p = lc.linePos(node.range[0]);
          where = `:${p.line}:${p.col}`;
          break;
        }
      }
      return `${file}${where}: ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`;
    }),
  };
}

export class GridSignalFile implements GridSignalSource {
  private signals: GridSignals | undefined;
  private receivedAt = 0;
  private mtime = -1;
  private error: string | undefined;
  private timer: Cancel | undefined;
  private readonly listeners = new Set<() => void>();

  /** the point values last told to listeners (a change triggers a new plan) */
  private pointsSeen = '';

  constructor(
    private readonly o: {
      file: string;
      scheduler: Scheduler;
      alarms?: SignalAlarms;
      pollMs?: number;
      /** device channels read as signals, and how to read them (the CVT) */
      points?: GridSignalsConfig['points'];
      read?: (id: string) => Readonly<PointState> | undefined;
    },
  ) {}

  /** the signals the mapped device channels give now: each good value in force from its time stamp for validMinutes */
  private fromPoints(): GridSignals | undefined {
    const pts = this.o.points;
    if (!pts || !this.o.read) return undefined;
    const validMs = pts.validMinutes * 60_000;
    const now = this.o.scheduler.now();
    const at = (id: string | undefined): { from: number; to: number; v: number } | undefined => {
      if (id === undefined) return undefined;
      const st = this.o.read?.(id);
      if (!st || st.quality.level !== 'good' || typeof st.value !== 'number' || !Number.isFinite(st.value)) return undefined;
      // a value the device still reports with good quality holds on: validMinutes from now
      return { from: Math.min(st.ts, now), to: Math.max(st.ts, now) + validMs, v: st.value };
    };
    const sp = at(pts.setpointKw);
    const imp = at(pts.importMaxKw);
    const exp = at(pts.exportMaxKw);
    if (!sp && !imp && !exp) return undefined;
    return {
      source: pts.source,
      setpoints: sp ? [{ from: sp.from, to: sp.to, kw: sp.v }] : [],
      limits: [...(imp ? [{ from: imp.from, to: imp.to, importMaxKw: Math.max(0, imp.v) }] : []), ...(exp ? [{ from: exp.from, to: exp.to, exportMaxKw: Math.max(0, exp.v) }] : [])],
    } as GridSignals;
  }

  /** the file's (or a driver's accepted) signals with the mapped channels' over them */
  private effective(): GridSignals | undefined {
    const f = this.signals;
    const p = this.fromPoints();
    if (!p) return f;
    if (!f) return p;
    return { ...f, source: `${p.source} and ${f.source}`, setpoints: [...p.setpoints, ...f.setpoints], limits: [...p.limits, ...f.limits] };
  }

  start(): void {
    this.check();
    this.timer ??= this.o.scheduler.setInterval(() => this.check(), this.o.pollMs ?? 5000);
  }

  stop(): void {
    this.timer?.();
    this.timer = undefined;
  }

  /** told after the signals in force changed (a new valid file, or signals from a driver) */
  onChange(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** reads the file now if it changed (also called by the timer); tells listeners when a mapped channel's value changed */
  check(): void {
    if (this.o.points) {
      const p = this.fromPoints();
      const seen = JSON.stringify([p?.setpoints.map((x) => x.kw), p?.limits.map((x) => [x.importMaxKw, x.exportMaxKw])]);
      if (seen !== this.pointsSeen) {
        this.pointsSeen = seen;
        this.notify();
      }
    }
    this.checkFile();
  }

  private checkFile(): void {
    let m: number;
    try {
      if (!existsSync(this.o.file)) {
        if (this.signals !== undefined && this.mtime !== -1) {
          // the file was removed: the operator's signals end with it
          this.signals = undefined;
          this.mtime = -1;
          this.notify();
        }
        return;
      }
      m = statSync(this.o.file).mtimeMs;
    } catch {
      return;
    }
    if (m === this.mtime) return;
    this.mtime = m;
    let text: string;
    try {
      text = readFileSync(this.o.file, 'utf8');
    } catch (e) {
      this.fail([`${this.o.file}: cannot read: ${(e as Error).message}`]);
      return;
    }
    const r = parseGridSignals(text, this.o.file);
    if (!r.ok) {
      this.fail(r.errors);
      return;
    }
    this.accept(r.signals);
  }

  /** signals from a driver or the file, in force from now */
  accept(signals: GridSignals): void {
    this.signals = signals;
    this.receivedAt = this.o.scheduler.now();
    if (this.error !== undefined) {
      this.error = undefined;
      this.o.alarms?.clearSystemAlarm(SIGNALS_INVALID_ALARM, { text: 'a valid signals file was read' });
    }
    this.notify();
  }

  current(now: number): GridSignalsNow | undefined {
    const s = this.effective();
    if (!s) return undefined;
    const sp = s.setpoints.find((x) => now >= x.from && now < x.to);
    const lims = s.limits.filter((x) => now >= x.from && now < x.to);
    const imp = lims.flatMap((l) => (l.importMaxKw !== undefined ? [l.importMaxKw] : []));
    const exp = lims.flatMap((l) => (l.exportMaxKw !== undefined ? [l.exportMaxKw] : []));
    if (!sp && imp.length === 0 && exp.length === 0 && !s.pf) return undefined;
    return {
      source: s.source,
      receivedAt: sp && s.setpoints[0] === sp && s !== this.signals ? sp.from : this.receivedAt,
      ...(sp ? { setpointKw: sp.kw } : {}),
      ...(imp.length ? { importMaxKw: Math.min(...imp) } : {}),
      ...(exp.length ? { exportMaxKw: Math.min(...exp) } : {}),
      ...(s.pf ? { pf: s.pf.map(([f, p]) => [f, p] as [number, number]) } : {}),
    };
  }

  /** the signals over a plan's steps: per step the TSO setpoint and the PCC caps, where given */
  window(start: number, steps: number, stepMinutes: number): { setpointKw: Array<number | undefined>; importMaxKw: Array<number | undefined>; exportMaxKw: Array<number | undefined> } | undefined {
    const s = this.effective();
    if (!s || (s.setpoints.length === 0 && s.limits.length === 0)) return undefined;
    const stepMs = stepMinutes * 60_000;
    const out = { setpointKw: [] as Array<number | undefined>, importMaxKw: [] as Array<number | undefined>, exportMaxKw: [] as Array<number | undefined> };
    for (let t = 0; t < steps; t++) {
      const a = start + t * stepMs;
      const b = a + stepMs;
      const overlaps = (x: { from: number; to: number }) => x.from < b && x.to > a;
      out.setpointKw.push(s.setpoints.find(overlaps)?.kw);
      const lims = s.limits.filter(overlaps);
      const imp = lims.flatMap((l) => (l.importMaxKw !== undefined ? [l.importMaxKw] : []));
      const exp = lims.flatMap((l) => (l.exportMaxKw !== undefined ? [l.exportMaxKw] : []));
      out.importMaxKw.push(imp.length ? Math.min(...imp) : undefined);
      out.exportMaxKw.push(exp.length ? Math.min(...exp) : undefined);
    }
    return out;
  }

  status(now = this.o.scheduler.now()): (GridSignalsNow & { file: string; error?: string }) | undefined {
    const c = this.current(now);
    if (!c && this.error === undefined && !this.signals) return undefined;
    return { ...(c ?? { source: this.signals?.source ?? 'external signal file', receivedAt: this.receivedAt }), file: this.o.file, ...(this.error !== undefined ? { error: this.error } : {}) };
  }

  private fail(errors: string[]): void {
    this.error = errors.join('\n');
    this.o.alarms?.raiseSystemAlarm(SIGNALS_INVALID_ALARM, {
      message: 'The external signals file is invalid: the previous signals stay in force',
      priority: 'medium',
      class: 'energy',
      text: this.error,
    });
    this.notify();
  }

  private notify(): void {
    for (const l of this.listeners) {
      try {
        l();
      } catch (e) {
        console.error(`signals: a listener failed: ${(e as Error).message}`);
      }
    }
  }
}

/**
 * External grid signals from a file (energy.11; issue #11 item 6): TSO setpoints, PCC limits
 * and a P(f) curve that the system operator (or an integration) drops into a YAML or JSON file.
 * The file is read when it changes (checked every `pollMs` on the host's scheduler), checked
 * against `gridSignalsSchema` with file:line errors, and only a valid file replaces the signals
 * in force: a bad file raises the alarm `signals.invalid` (the previous signals stay) until a
 * good one arrives. The controllers read `current(now)` (GridSignalSource); the plan service
 * reads `window()` for the next plan (limits and setpoints over its horizon).
 *
 * A driver can feed the same signals through `accept()` (e.g. points of a TSO gateway).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import type { Cancel, Scheduler } from '../common/clock';
import { gridSignalsSchema, type GridSignals, type GridSignalsNow } from '../common/modes';
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

  constructor(
    private readonly o: { file: string; scheduler: Scheduler; alarms?: SignalAlarms; pollMs?: number },
  ) {}

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

  /** reads the file now if it changed (also called by the timer) */
  check(): void {
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
    const s = this.signals;
    if (!s) return undefined;
    const sp = s.setpoints.find((x) => now >= x.from && now < x.to);
    const lims = s.limits.filter((x) => now >= x.from && now < x.to);
    const imp = lims.flatMap((l) => (l.importMaxKw !== undefined ? [l.importMaxKw] : []));
    const exp = lims.flatMap((l) => (l.exportMaxKw !== undefined ? [l.exportMaxKw] : []));
    if (!sp && imp.length === 0 && exp.length === 0 && !s.pf) return undefined;
    return {
      source: s.source,
      receivedAt: this.receivedAt,
      ...(sp ? { setpointKw: sp.kw } : {}),
      ...(imp.length ? { importMaxKw: Math.min(...imp) } : {}),
      ...(exp.length ? { exportMaxKw: Math.min(...exp) } : {}),
      ...(s.pf ? { pf: s.pf.map(([f, p]) => [f, p] as [number, number]) } : {}),
    };
  }

  /** the signals over a plan's steps: per step the TSO setpoint and the PCC caps, where given */
  window(start: number, steps: number, stepMinutes: number): { setpointKw: Array<number | undefined>; importMaxKw: Array<number | undefined>; exportMaxKw: Array<number | undefined> } | undefined {
    const s = this.signals;
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

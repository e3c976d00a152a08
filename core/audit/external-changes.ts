/**
 * Setpoints changed outside ES Manager (issue #8, item 7): a writable point (a setpoint, a
 * mode) whose value changes on the device while no command of ours explains it — another
 * Modbus client, a local panel, a second EMS — is written to the audit log as a sentence
 * ("ess/SetActivePower changed from 0 to 20 kW outside ES Manager"), and raises an alarm
 * where the site file asks for one (`alarmOnExternalChange: true` on the point).
 *
 * "Explained" = the new value is (within the readback tolerance) the last value the command
 * pipeline wrote to that point; the pipeline's writer tells `noteWrite` before each write and
 * `writeFailed` when the device refused it. The first good value after start is the baseline;
 * values of bad quality are ignored (the last good one stays the reference across a comm loss).
 * The alarm clears when ES Manager commands the point again.
 */
import type { PointId, PointValue } from '../common/point';
import type { Quality } from '../common/quality';
import type { AuditLog } from './log';

export interface WatchedPoint {
  id: PointId;
  unit: string;
  /** raise an alarm on an unexplained change (the site file's `alarmOnExternalChange`) */
  alarm: boolean;
  /** e.g. the device id, named as the actor of the audit entry */
  source?: string;
}

export interface ExternalChangeOptions {
  audit: AuditLog;
  siteId: string;
  points: readonly WatchedPoint[];
  /** readback tolerance for numbers: max(abs, rel * |value|); default 0.5 unit, 1 % */
  tolerance?: { abs: number; rel: number };
  raiseAlarm?: (alarmId: string, message: string, text: string) => void;
  clearAlarm?: (alarmId: string, text: string) => void;
}

/** The id of the alarm raised for an unexplained change of `point`. */
export const externalChangeAlarmId = (point: PointId): string => `external-change.${point}`;

type Sample = { id: string; value: PointValue; quality: Quality };

export class ExternalChangeWatcher {
  private readonly points: Map<string, WatchedPoint>;
  private readonly last = new Map<string, number | boolean>();
  /** the last value we wrote (and the one before it, restored if the write failed) */
  private readonly ours = new Map<string, { value: number | boolean; previous: number | boolean | undefined }>();
  private readonly tol: { abs: number; rel: number };

  constructor(private readonly o: ExternalChangeOptions) {
    this.points = new Map(o.points.map((p) => [p.id, p]));
    this.tol = o.tolerance ?? { abs: 0.5, rel: 0.01 };
  }

  watches(id: string): boolean {
    return this.points.has(id);
  }

  /** The command pipeline is about to write `value` to `id`. */
  noteWrite(id: string, value: number | boolean): void {
    const p = this.points.get(id);
    if (!p) return;
    this.ours.set(id, { value, previous: this.ours.get(id)?.value });
    if (p.alarm) this.o.clearAlarm?.(externalChangeAlarmId(id), `${id} commanded by ES Manager`);
  }

  /** The write of `value` to `id` failed: the device did not take it. */
  writeFailed(id: string, value: number | boolean): void {
    const o = this.ours.get(id);
    if (!o || o.value !== value) return;
    if (o.previous === undefined) this.ours.delete(id);
    else this.ours.set(id, { value: o.previous, previous: undefined });
  }

  /** Changed point states from the CVT. */
  observe(states: readonly Sample[]): void {
    for (const s of states) {
      const p = this.points.get(s.id);
      if (!p || s.quality.level !== 'good') continue;
      const v = s.value;
      if (typeof v !== 'number' && typeof v !== 'boolean') continue;
      if (typeof v === 'number' && !Number.isFinite(v)) continue;
      const prev = this.last.get(s.id);
      this.last.set(s.id, v);
      if (prev === undefined || this.same(prev, v)) continue;
      const ours = this.ours.get(s.id);
      if (ours !== undefined && this.same(ours.value, v)) continue;
      this.report(p, prev, v);
    }
  }

  private same(a: number | boolean, b: number | boolean): boolean {
    if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) === Number(b);
    return Math.abs(a - b) <= Math.max(this.tol.abs, this.tol.rel * Math.abs(b));
  }

  private report(p: WatchedPoint, from: number | boolean, to: number | boolean): void {
    const unit = p.unit ? ` ${p.unit}` : '';
    const message = `${p.id} changed from ${show(from)} to ${show(to)}${unit} outside ES Manager`;
    try {
      this.o.audit.append({
        type: 'point.external-change',
        actor: `external:${p.source ?? 'device'}`,
        siteId: this.o.siteId,
        assetId: p.id.split('/')[0] ?? null,
        target: p.id,
        outcome: 'info',
        before: { [p.id]: from },
        after: { [p.id]: to },
        details: { message, alarm: p.alarm },
      });
    } catch (e) {
      console.error(`audit: could not record an external change of ${p.id}:`, e);
    }
    if (p.alarm) this.o.raiseAlarm?.(externalChangeAlarmId(p.id), `${p.id} changed outside ES Manager`, message);
  }
}

function show(v: number | boolean): string {
  return typeof v === 'boolean' ? String(v) : String(Math.round(v * 1000) / 1000);
}

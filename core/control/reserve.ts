/**
 * The site's SoC reserve written to each battery's own reserve (the Ess nature's MinSoc
 * channel), so the SoC window holds in the device's own modes (local peak shaving) even when
 * the device was commissioned with another value.
 *
 * Written as a system command through the command pipeline (permission, limits, audit record,
 * read-back): when the device comes online (first good reading of MinSoc, at start-up and after
 * every reconnect), and whenever the site's reserve changes (`setReserve`). A device that reads
 * the site's value already is left alone; a value changed at the device while it stays online is
 * the external-change watcher's business (audited, alarmed where the site file asks).
 *
 * The same mechanism carries the site's peak-shaving limit (a run-time override stored in the
 * app database) to each battery's PeakShavingLimit: `what`/`unit` name the value in the log,
 * and `expect` records a value the pipeline has just written itself (no second write).
 */
import type { PointId, PointState } from '../common/point';

export interface ReserveTarget {
  /** the battery's MinSoc point, e.g. `ess1/MinSoc` */
  point: PointId;
  /** the site's reserve for that battery, % */
  reservePct: number;
}

export interface ReserveSyncOptions {
  targets: ReserveTarget[];
  /** runs the write through the command pipeline as a system principal; resolves with the outcome */
  write: (point: PointId, valuePct: number) => Promise<{ ok: boolean; message?: string }>;
  /** tolerance, % (the register's resolution) */
  tolerancePct?: number;
  log?: (line: string) => void;
  /** what the value is, for the log; default "the site's SoC reserve" */
  what?: string;
  /** its unit, for the log; default "%" */
  unit?: string;
}

export class ReserveSync {
  private readonly targets = new Map<PointId, { reservePct: number; online: boolean; busy: boolean; lastRead: number | undefined }>();
  private readonly tolerance: number;
  private readonly log: (line: string) => void;
  private readonly what: string;
  private readonly unit: string;

  constructor(private readonly o: ReserveSyncOptions) {
    for (const t of o.targets) this.targets.set(t.point, { reservePct: t.reservePct, online: false, busy: false, lastRead: undefined });
    this.tolerance = o.tolerancePct ?? 0.05;
    this.log = o.log ?? ((l) => console.log(l));
    this.what = o.what ?? "the site's SoC reserve";
    this.unit = o.unit ?? '%';
  }

  /** CVT changes: a MinSoc point turning good (device online) is brought to the site's reserve. */
  observe(states: readonly PointState[]): void {
    for (const s of states) {
      const t = this.targets.get(s.id);
      if (!t) continue;
      const good = s.quality.level === 'good' && typeof s.value === 'number' && Number.isFinite(s.value);
      t.lastRead = good ? (s.value as number) : undefined;
      const cameOnline = good && !t.online;
      t.online = good;
      if (cameOnline) this.sync(s.id);
    }
  }

  /** The site's reserve changed at run time: every online battery gets the new value. */
  setReserve(point: PointId, reservePct: number): void {
    const t = this.targets.get(point);
    if (!t) return;
    t.reservePct = reservePct;
    if (t.online) this.sync(point);
  }

  /** The value in force changed and the pipeline wrote it to the device already: remember it, write nothing. */
  expect(point: PointId, value: number): void {
    const t = this.targets.get(point);
    if (!t) return;
    t.reservePct = value;
    t.lastRead = value;
  }

  /** The value the device should hold (undefined for an unknown point). */
  target(point: PointId): number | undefined {
    return this.targets.get(point)?.reservePct;
  }

  private sync(point: PointId): void {
    const t = this.targets.get(point);
    if (!t || t.busy) return;
    if (t.lastRead !== undefined && Math.abs(t.lastRead - t.reservePct) <= this.tolerance) return;
    t.busy = true;
    const want = t.reservePct;
    const was = t.lastRead;
    this.o
      .write(point, want)
      .then(
        (r) =>
          this.log(
            r.ok
              ? `control: ${point} set to ${this.what} ${want} ${this.unit} (the device had ${String(was)} ${this.unit})`
              : `control: ${point} could not be set to ${this.what} ${want} ${this.unit}: ${r.message ?? 'refused'}`,
          ),
        (e: unknown) => this.log(`control: ${point} could not be set to ${this.what} ${want} ${this.unit}: ${(e as Error).message}`),
      )
      .finally(() => {
        t.busy = false;
      });
  }
}

/**
 * Table tests for controllers, the way OpenEMS tests its controllers: one row per cycle,
 * inputs on nature channels → the expected setpoint. Runs the real ControlCycle (snapshot,
 * priority merge) on a virtual clock; only the point source is a table instead of the CVT.
 */
import { GOOD, type PointState, type Quality } from '../common';
import { VirtualScheduler } from '../common/clock';
import type { SiteConfig } from '../common/site';
import type { Controller, CycleParameters } from './controller';
import { ControlCycle } from './cycle';
import type { MergedSetpoint } from './merge';

/** a number (good quality), 'bad' (comm-fail), 'stale', or NaN (non-finite with good quality) */
export type Input = number | 'bad' | 'stale';

export interface Row {
  /** what the row is about, for the failure message */
  name: string;
  inputs: Record<string, Input>;
  /** the setpoint expected for `target`, kW; null = no setpoint at all */
  expect: number | null;
  /** the controller named as the setpoint's source */
  source?: string;
  how?: MergedSetpoint['how'];
}

const BAD: Quality = { level: 'bad', reason: 'comm-fail' };
const STALE: Quality = { level: 'uncertain', reason: 'stale' };

export interface TableRun {
  row: Row;
  got: MergedSetpoint | undefined;
}

/** Runs the rows as consecutive cycles; returns what each produced (the test asserts). */
export function runTable(site: SiteConfig, controllers: Controller[], target: string, rows: readonly Row[], periodMs = 1000, parameters?: () => Partial<CycleParameters>): TableRun[] {
  const clock = new VirtualScheduler(Date.UTC(2026, 0, 5, 12));
  let points = new Map<string, PointState>();
  let got: MergedSetpoint[] = [];
  const cycle = new ControlCycle({
    site,
    scheduler: clock,
    periodMs,
    controllers,
    source: { snapshot: () => points },
    sink: { apply: (s) => (got = [...s]) },
    ...(parameters ? { parameters } : {}),
  });
  cycle.start();
  const out: TableRun[] = [];
  for (const row of rows) {
    points = new Map(
      Object.entries(row.inputs).map(([id, v]) => {
        const st: PointState =
          v === 'bad' ? { id, value: 0, quality: BAD, ts: clock.now(), rts: clock.now() }
          : v === 'stale' ? { id, value: 0, quality: STALE, ts: clock.now(), rts: clock.now() }
          : { id, value: v, quality: GOOD, ts: clock.now(), rts: clock.now() };
        return [id, st];
      }),
    );
    got = [];
    clock.advance(periodMs);
    out.push({ row, got: got.find((s) => s.target === target) });
  }
  cycle.stop();
  return out;
}

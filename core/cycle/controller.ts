/**
 * What a controller is: a small class that reads natures through typed asset views over the
 * cycle's frozen snapshot and returns requests for setpoints. It never writes: the cycle
 * merges every controller's requests by priority and hands the result to the machine lane.
 */
import type { SiteAssets } from '../assets';
import type { PointId } from '../common/point';

/** One controller's request for one setpoint (kW, the nature's sign convention). */
export interface SetpointRequest {
  /** hard lower bound for this and every lower-priority controller */
  min?: number;
  /** hard upper bound for this and every lower-priority controller */
  max?: number;
  /** the value it wants: the first in priority order wins, clamped into the bounds so far */
  value?: number;
  /** used when no controller asks for a `value`, clamped into all bounds */
  fallback?: number;
  /** why, in a sentence an operator understands */
  why: string;
  /**
   * only shapes what others ask (a ramp limit): when no controller asks a value or a fallback
   * and every request for the target is passive, the target is not written at all (manual mode
   * stays manual), instead of the interval's point nearest 0 kW
   */
  passive?: boolean;
}

/** A controller's requests of one cycle, by target point (e.g. `ess/SetActivePower`). */
export type ControllerOutput = ReadonlyMap<PointId, SetpointRequest>;

export interface CycleContext {
  /** the cycle's time (the injected clock), ms */
  readonly now: number;
  readonly periodMs: number;
  /** typed views over the frozen snapshot taken at the start of the cycle */
  readonly assets: SiteAssets;
  /** the site parameters in force this cycle (run-time changes over the site file's), kW */
  readonly parameters: CycleParameters;
}

export interface CycleParameters {
  contractedPowerKw: number;
  /** the PCC import the site's peak shaving holds to; the contracted power unless changed */
  peakShavingLimitKw: number;
  /** the batteries' SoC reserve changed from the screens, %; unset: each battery's limits.socMinPct */
  socMinPct?: number;
}

export interface Controller {
  /** unique on the site: "peak-shaving" */
  readonly id: string;
  /** the controller class: "peak-shaving" */
  readonly type: string;
  /** for people: "Peak shaving" */
  readonly label: string;
  /** one cycle; synchronous and quick (no I/O). A throw drops this controller's requests for the cycle. */
  run(ctx: CycleContext): ControllerOutput;
}

/** no requests (one shared empty map: a controller with nothing to ask allocates nothing) */
const NONE: ControllerOutput = new Map();

export function output(entries: ReadonlyArray<readonly [PointId, SetpointRequest]>): ControllerOutput {
  if (entries.length === 0) return NONE;
  // set one by one: a Map built from an iterable goes through the iteration protocol
  const m = new Map<PointId, SetpointRequest>();
  for (let i = 0; i < entries.length; i++) m.set(entries[i]![0], entries[i]![1]);
  return m;
}

/** One decimal, for the kW figures in a controller's reason sentence. */
export function r1(x: number): number {
  return Math.round(x * 10) / 10;
}

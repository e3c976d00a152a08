/**
 * Audible annunciation, the pure part: one tone pattern per priority (distinct by pitch,
 * rhythm and repetition, so they can be told apart without looking) and the horn's state:
 * which priorities are sounding. No WebAudio here (see horn.ts).
 *
 * Rules (ISA-18.2 annunciation, EEMUA 191):
 *  - a priority starts sounding when an alarm of that priority becomes unack-active
 *    (`annunciate` of 'alarms.changed');
 *  - it keeps repeating while unacknowledged active alarms of that priority exist;
 *  - "Silence" stops every sounding priority on this workstation only; a new annunciation
 *    starts the horn again;
 *  - only the most urgent sounding priority is played.
 */
import { ALARM_PRIORITIES, priorityRank, type AlarmCounts, type AlarmPriority } from '../../../../core/common/alarms';

export interface ToneNote {
  /** Hz */
  freq: number;
  /** from the start of the pattern, ms */
  atMs: number;
  durationMs: number;
}

export interface TonePattern {
  notes: ToneNote[];
  /** the pattern starts again this long after it started, ms */
  periodMs: number;
  /** linear gain 0..1 (kept moderate: a control room is not a factory floor) */
  gain: number;
}

function beeps(freq: number, count: number, onMs: number, offMs: number): ToneNote[] {
  return Array.from({ length: count }, (_, i) => ({ freq, atMs: i * (onMs + offMs), durationMs: onMs }));
}

export const TONES: Readonly<Record<AlarmPriority, TonePattern>> = {
  /** three fast high beeps every 2 s */
  critical: { notes: beeps(880, 3, 140, 90), periodMs: 2_000, gain: 0.35 },
  /** two beeps every 4 s */
  high: { notes: beeps(660, 2, 200, 140), periodMs: 4_000, gain: 0.3 },
  /** one falling two-tone chime every 8 s */
  medium: {
    notes: [
      { freq: 587, atMs: 0, durationMs: 220 },
      { freq: 466, atMs: 260, durationMs: 260 },
    ],
    periodMs: 8_000,
    gain: 0.25,
  },
  /** one soft low beep every 30 s */
  low: { notes: [{ freq: 392, atMs: 0, durationMs: 250 }], periodMs: 30_000, gain: 0.2 },
};

/** Total length of one pattern, ms. */
export function patternLength(p: TonePattern): number {
  return Math.max(0, ...p.notes.map((n) => n.atMs + n.durationMs));
}

/** Every pattern ends well before it repeats (so patterns never overlap). */
export function isWellFormed(p: TonePattern): boolean {
  return p.notes.length > 0 && patternLength(p) < p.periodMs && p.notes.every((n, i) => i === 0 || n.atMs >= p.notes[i - 1]!.atMs + p.notes[i - 1]!.durationMs);
}

// ---------------------------------------------------------------- horn state

export interface HornState {
  /** priorities that are sounding, most urgent first */
  sounding: AlarmPriority[];
}

export const HORN_IDLE: HornState = { sounding: [] };

export type HornEvent =
  | { type: 'annunciate'; priorities: readonly AlarmPriority[] }
  | { type: 'counts'; counts: AlarmCounts }
  | { type: 'silence' };

function sorted(ps: Iterable<AlarmPriority>): AlarmPriority[] {
  return [...new Set(ps)].sort((a, b) => priorityRank(a) - priorityRank(b));
}

export function hornReducer(s: HornState, e: HornEvent): HornState {
  switch (e.type) {
    case 'annunciate': {
      if (e.priorities.length === 0) return s;
      const next = sorted([...s.sounding, ...e.priorities]);
      return next.length === s.sounding.length ? s : { sounding: next };
    }
    case 'counts': {
      // stop a priority once no unacknowledged active alarm of it is left
      const next = s.sounding.filter((p) => e.counts.byPriority[p].unackActive > 0);
      return next.length === s.sounding.length ? s : { sounding: next };
    }
    case 'silence':
      return s.sounding.length === 0 ? s : HORN_IDLE;
  }
}

/** The priority the horn plays now (the most urgent sounding one), if any. */
export function hornPriority(s: HornState): AlarmPriority | undefined {
  return s.sounding[0];
}

/** Whether the pattern of `p` should start now, given when it last started. */
export function isDue(p: AlarmPriority, lastStart: number | undefined, now: number): boolean {
  return lastStart === undefined || now - lastStart >= TONES[p].periodMs;
}

export { ALARM_PRIORITIES };

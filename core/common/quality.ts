/**
 * Quality of a point value, after OPC UA / IEC 61850 practice: good, uncertain or bad,
 * with a reason so the operator sees *why* a value is not to be trusted.
 */
export type QualityLevel = 'good' | 'uncertain' | 'bad';

export type QualityReason =
  /** the device or link does not answer */
  | 'comm-fail'
  /** no fresh value for longer than the point's stale time */
  | 'stale'
  /** the value lies outside the configured engineering range */
  | 'out-of-range'
  /** the value was entered by hand (substituted) */
  | 'manual'
  /** never read since start */
  | 'initial'
  /** the device reported the value itself as invalid */
  | 'device';

export interface Quality {
  level: QualityLevel;
  reason?: QualityReason;
}

/**
 * The quality of a source timestamp (IEC 61850-8-1 TimeQuality; other protocols may map to it):
 * whether the device's clock knows leap seconds, has failed, is not synchronised, and how many
 * bits of the second's fraction are accurate (31 = unspecified). Shown beside the time.
 */
export interface TimeQuality {
  leapSecondsKnown: boolean;
  clockFailure: boolean;
  clockNotSynchronized: boolean;
  /** accurate bits of the fraction of a second (0-24; 31 unspecified) */
  accuracyBits: number;
}

/** The time-quality flags in words ("" when the clock is synchronised, working and its accuracy is given). */
export function timeQualityText(tq: TimeQuality | undefined): string {
  if (!tq) return '';
  const out: string[] = [];
  if (tq.clockFailure) out.push('clock failure');
  if (tq.clockNotSynchronized) out.push('clock not synchronised');
  if (tq.accuracyBits === 31) out.push('accuracy unspecified');
  else if (tq.accuracyBits > 24) out.push(`accuracy code ${tq.accuracyBits} invalid`);
  if (!tq.leapSecondsKnown && out.length > 0) out.push('leap seconds not known');
  return out.join(', ');
}

/** The time-quality flags in full, for a tooltip: every flag and the accuracy in time. */
export function timeQualityDetail(tq: TimeQuality | undefined): string {
  if (!tq) return '';
  const acc =
    tq.accuracyBits === 31 ? 'unspecified' : tq.accuracyBits > 24 ? `invalid (${tq.accuracyBits})` : `${tq.accuracyBits} bits (about ${formatAccuracy(2 ** -tq.accuracyBits)})`;
  return [
    `leap seconds ${tq.leapSecondsKnown ? 'known' : 'not known'}`,
    tq.clockFailure ? 'clock failure' : 'clock working',
    tq.clockNotSynchronized ? 'clock not synchronised' : 'clock synchronised',
    `accuracy ${acc}`,
  ].join('; ');
}

function formatAccuracy(s: number): string {
  if (s >= 1) return `${s} s`;
  if (s >= 1e-3) return `${Math.round(s * 1e4) / 10} ms`;
  return `${Math.round(s * 1e7) / 10} µs`;
}

export const GOOD: Quality = Object.freeze({ level: 'good' }) as Quality;

export function qualityEquals(a: Quality, b: Quality): boolean {
  return a.level === b.level && a.reason === b.reason;
}

/** Short label shown next to a value on screen ("" for good). */
export function qualityLabel(q: Quality): string {
  if (q.level === 'good') return '';
  switch (q.reason) {
    case 'comm-fail':
      return 'COMM';
    case 'stale':
      return 'STALE';
    case 'out-of-range':
      return 'RANGE';
    case 'manual':
      return 'MAN';
    case 'initial':
      return 'INIT';
    case 'device':
      return 'DEV';
    default:
      return q.level === 'bad' ? 'BAD' : 'UNC';
  }
}

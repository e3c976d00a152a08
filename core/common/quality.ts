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

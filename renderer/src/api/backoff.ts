/**
 * Reconnect backoff: exponential with full jitter bounds, capped. Pure, so it is unit-tested.
 * attempt 0 is the first retry after a connection was lost.
 */
export interface BackoffOptions {
  /** delay before the first retry, ms */
  initialMs: number;
  /** upper bound of any delay, ms */
  maxMs: number;
  /** growth per attempt */
  factor: number;
  /** 0..1: the delay is drawn from [d * (1 - jitter), d] */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 10_000, factor: 2, jitter: 0.3 };

export function backoffDelay(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const n = Math.max(0, Math.floor(attempt));
  // cap the exponent first so large attempt counts cannot overflow to Infinity
  const raw = opts.initialMs * Math.pow(opts.factor, Math.min(n, 30));
  const capped = Math.min(opts.maxMs, raw);
  const jitter = Math.min(1, Math.max(0, opts.jitter));
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(capped * (1 - jitter * r));
}

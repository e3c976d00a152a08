/**
 * Civil (wall-clock) time at the site, for the load profile and the EV schedule, which follow
 * people's days, not the sun. Uses the ECMAScript Intl time-zone database (no Node API), so
 * daylight-saving changes are honoured. The zone offset is cached per quarter hour.
 */
export interface LocalTime {
  /** days since 1970-01-01 in local time (changes at local midnight) */
  dayIndex: number;
  /** hour of day, fractional, 0 <= h < 24 */
  hour: number;
  /** 0 = Sunday .. 6 = Saturday */
  weekday: number;
  /** offset of local time from UTC, ms */
  offsetMs: number;
}

const QUARTER_HOUR = 15 * 60_000;

export class LocalClock {
  private readonly fmt: Intl.DateTimeFormat;
  private cachedSlot = Number.NaN;
  private cachedOffset = 0;

  constructor(readonly timeZone: string) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone });
    } catch {
      throw new Error(`unknown time zone "${timeZone}" (expected an IANA name such as Europe/Madrid)`);
    }
    this.fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
  }

  offsetMs(utcMs: number): number {
    const slot = Math.floor(utcMs / QUARTER_HOUR);
    if (slot === this.cachedSlot) return this.cachedOffset;
    const probe = slot * QUARTER_HOUR;
    const parts: Record<string, number> = {};
    for (const p of this.fmt.formatToParts(new Date(probe))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
    const asUtc = Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0);
    this.cachedSlot = slot;
    this.cachedOffset = Math.round((asUtc - probe) / 60_000) * 60_000;
    return this.cachedOffset;
  }

  at(utcMs: number): LocalTime {
    const offsetMs = this.offsetMs(utcMs);
    const local = utcMs + offsetMs;
    const dayIndex = Math.floor(local / 86_400_000);
    const hour = (local - dayIndex * 86_400_000) / 3_600_000;
    // 1970-01-01 was a Thursday (4)
    const weekday = (((dayIndex + 4) % 7) + 7) % 7;
    return { dayIndex, hour, weekday, offsetMs };
  }
}

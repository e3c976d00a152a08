/**
 * Alarm flood detection (EEMUA 191): more than `startCount` activations within `windowMs`
 * start a flood, `endCount` or fewer end it; per group, the first-out alarm and the count.
 * The engine counts every activation here and reads the status for the banner.
 */
import type { AlarmsConfig, FloodGroup, FloodStatus } from '../common/alarms';
import type { Instance } from './instance';

export class FloodDetector {
  private floodTimes: number[] = [];
  private floodInsts: Instance[] = [];
  private floodHead = 0;
  private flood: { since: number; firstOut: Instance; groups: Map<string, FloodGroup> } | undefined;
  /** the status changed since the engine last emitted it */
  dirty = false;

  constructor(
    private readonly settings: () => AlarmsConfig['flood'],
    private readonly journal: (i: Instance, event: 'flood-start' | 'flood-end', text: string) => void,
  ) {}

  /** an activation of `i` at `now` */
  count(i: Instance, now: number): void {
    this.floodTimes.push(now);
    this.floodInsts.push(i);
    this.prune(now);
    const count = this.floodTimes.length - this.floodHead;
    if (this.flood) {
      const g = this.flood.groups.get(i.group);
      if (g) g.count++;
      else this.flood.groups.set(i.group, { group: i.group, firstOut: i.def.id, firstOutAt: now, count: 1 });
      this.dirty = true;
    } else if (count > this.settings().startCount) {
      const groups = new Map<string, FloodGroup>();
      for (let k = this.floodHead; k < this.floodInsts.length; k++) {
        const fi = this.floodInsts[k] as Instance;
        const at = this.floodTimes[k] as number;
        const g = groups.get(fi.group);
        if (g) g.count++;
        else groups.set(fi.group, { group: fi.group, firstOut: fi.def.id, firstOutAt: at, count: 1 });
      }
      const first = this.floodInsts[this.floodHead] as Instance;
      this.flood = { since: now, firstOut: first, groups };
      this.dirty = true;
      this.journal(first, 'flood-start', `${count} alarms within ${this.settings().windowMs / 60_000} min; first out ${first.def.id}`);
    }
  }

  /** drops activations older than the window; ends a flood */
  prune(now: number): void {
    const w = this.settings().windowMs;
    while (this.floodHead < this.floodTimes.length && (this.floodTimes[this.floodHead] as number) <= now - w) this.floodHead++;
    if (this.floodHead > 4096 && this.floodHead * 2 > this.floodTimes.length) {
      this.floodTimes = this.floodTimes.slice(this.floodHead);
      this.floodInsts = this.floodInsts.slice(this.floodHead);
      this.floodHead = 0;
    }
    const count = this.floodTimes.length - this.floodHead;
    if (this.flood && count <= this.settings().endCount) {
      const f = this.flood;
      this.flood = undefined;
      this.dirty = true;
      const total = [...f.groups.values()].reduce((a, g) => a + g.count, 0);
      this.journal(f.firstOut, 'flood-end', `flood of ${total} alarms from ${new Date(f.since).toISOString()} to ${new Date(now).toISOString()}`);
    }
  }

  status(): FloodStatus {
    const count = this.floodTimes.length - this.floodHead;
    const f = this.flood;
    if (!f) return { active: false, count, windowMs: this.settings().windowMs, groups: [] };
    const groups = [...f.groups.values()].sort((a, b) => b.count - a.count || a.firstOutAt - b.firstOutAt).slice(0, 50);
    return {
      active: true,
      since: f.since,
      count,
      windowMs: this.settings().windowMs,
      firstOut: f.firstOut.def.id,
      groups: groups.map((g) => ({ ...g })),
    };
  }
}

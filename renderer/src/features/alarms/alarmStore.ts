/**
 * The workstation's view of the alarm engine: the alarms in any view (live, shelved,
 * suppressed, out of service), the banner counts, the flood status and the horn.
 *
 * One store per LiveSite (a WeakMap, so no provider is needed in App.tsx). It reloads with
 * `alarms.list` on every (re)connection and whenever the session changes (sign-in), and then
 * follows 'alarms.changed' / 'alarms.flood'. Events that arrive while a reload is in flight are
 * re-applied on top of its result.
 */
import { useSyncExternalStore } from 'react';
import type { AlarmCounts, AlarmPriority, AlarmsChangedEvent, AlarmView, FloodStatus } from '../../../../core/common/alarms';
import type { LiveSite } from '../../api/live';
import { ValueStore } from '../../api/valueStore';
import { useLive } from '../../api/hooks';
import { mergeAlarms } from './alarmModel';
import { Horn } from './horn';
import { HORN_IDLE, hornPriority, hornReducer, type HornEvent, type HornState } from './tones';

export class AlarmStore {
  readonly alarms = new ValueStore<ReadonlyMap<string, AlarmView>>(new Map());
  readonly counts = new ValueStore<AlarmCounts | null>(null);
  readonly flood = new ValueStore<FloodStatus | null>(null);
  readonly horn = new ValueStore<HornState>(HORN_IDLE);
  /** last load error (e.g. not signed in yet), null when loaded */
  readonly error = new ValueStore<string | null>(null);
  readonly loaded = new ValueStore<boolean>(false);
  private readonly sound = new Horn();
  private buffered: AlarmView[] | null = null;
  private gen = 0;
  private token: string | null = null;
  private unlisten: Array<() => void> = [];
  private started = false;

  constructor(private readonly live: LiveSite) {}

  start(): this {
    if (this.started) return this;
    this.started = true;
    this.listen();
    this.live.client.onConnection((up) => {
      if (up) void this.reload();
    });
    this.live.session.subscribe(() => {
      const t = this.live.session.get()?.token ?? null;
      if (t !== this.token) {
        this.token = t;
        // listeners carry the session: subscribe again with the new one
        this.listen();
        void this.reload();
      }
    });
    this.token = this.live.session.get()?.token ?? null;
    this.horn.subscribe(() => this.sound.set(hornPriority(this.horn.get())));
    const unlock = (): void => {
      this.sound.unlock();
      requestNotificationPermission();
    };
    window.addEventListener('pointerdown', unlock, { capture: true });
    window.addEventListener('keydown', unlock, { capture: true });
    void this.reload();
    return this;
  }

  private listen(): void {
    for (const u of this.unlisten.splice(0)) u();
    this.unlisten.push(
      this.live.client.listen('alarms.changed', (e) => this.onChanged(e)),
      this.live.client.listen('alarms.flood', (f) => this.flood.set(f)),
    );
  }

  async reload(): Promise<void> {
    const gen = ++this.gen;
    this.buffered = [];
    const c = this.live.client;
    try {
      const views = ['live', 'shelved', 'suppressed', 'out-of-service'] as const;
      const res = await Promise.all(views.map((view) => c.call('alarms.list', { view })));
      if (gen !== this.gen) return;
      const map = new Map<string, AlarmView>();
      for (const r of res) for (const a of r.alarms) map.set(a.id, a);
      const late = this.buffered ?? [];
      this.buffered = null;
      this.alarms.set(mergeAlarms(map, late));
      const last = res[res.length - 1];
      if (last) {
        this.counts.set(last.counts);
        this.flood.set(last.flood);
        this.hornEvent({ type: 'counts', counts: last.counts });
      }
      this.error.set(null);
      this.loaded.set(true);
    } catch (e) {
      if (gen !== this.gen) return;
      this.buffered = null;
      this.error.set(e instanceof Error ? e.message : String(e));
    }
  }

  private onChanged(e: AlarmsChangedEvent): void {
    this.buffered?.push(...e.changes);
    this.alarms.set(mergeAlarms(this.alarms.get(), e.changes));
    this.counts.set(e.counts);
    if (e.annunciate.length > 0) {
      this.hornEvent({ type: 'annunciate', priorities: e.annunciate.map((a) => a.priority) });
      notifyDesktop(e.annunciate, e.annunciateTotal);
    }
    this.hornEvent({ type: 'counts', counts: e.counts });
  }

  hornEvent(e: HornEvent): void {
    this.horn.set(hornReducer(this.horn.get(), e));
  }

  /** Silence the horn on this workstation (until the next annunciation). */
  silence(): void {
    this.sound.unlock();
    this.hornEvent({ type: 'silence' });
  }

  /** Put a changed alarm (an API result) into the set at once, before its event arrives. */
  applyLocal(changes: AlarmView[]): void {
    this.alarms.set(mergeAlarms(this.alarms.get(), changes));
  }
}

// ---------------------------------------------------------------- desktop notifications

function requestNotificationPermission(): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'default') return;
  void Notification.requestPermission().catch(() => undefined);
}

const NOTIFY_PRIORITY_LABEL: Record<AlarmPriority, string> = { critical: '1 CRITICAL', high: '2 HIGH', medium: '3 MEDIUM', low: '4 LOW' };

function notifyDesktop(items: AlarmsChangedEvent['annunciate'], total = items.length): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  try {
    if (total <= 3) {
      for (const a of items) {
        const n = new Notification(`Alarm ${NOTIFY_PRIORITY_LABEL[a.priority]}`, { body: a.message, tag: `alarm:${a.id}` });
        n.onclick = () => {
          window.focus();
          window.location.hash = '#/alarms';
        };
      }
    } else {
      const n = new Notification(`${total} new alarms`, { body: items.slice(0, 3).map((a) => a.message).join('\n') + '\n…', tag: 'alarm:batch' });
      n.onclick = () => {
        window.focus();
        window.location.hash = '#/alarms';
      };
    }
  } catch {
    // some platforms refuse notifications outside a service worker: the banner is enough
  }
}

// ---------------------------------------------------------------- hooks

const stores = new WeakMap<LiveSite, AlarmStore>();

export function alarmStoreOf(live: LiveSite): AlarmStore {
  let s = stores.get(live);
  if (!s) {
    s = new AlarmStore(live).start();
    stores.set(live, s);
    (window as unknown as { __esmAlarms?: AlarmStore }).__esmAlarms = s;
  }
  return s;
}

export function useAlarmStore(): AlarmStore {
  return alarmStoreOf(useLive());
}

function useValue<T>(v: ValueStore<T>): T {
  return useSyncExternalStore(v.subscribe, v.get, v.get);
}

export const useAlarms = (): ReadonlyMap<string, AlarmView> => useValue(useAlarmStore().alarms);
export const useAlarmCounts = (): AlarmCounts | null => useValue(useAlarmStore().counts);
export const useFlood = (): FloodStatus | null => useValue(useAlarmStore().flood);
export const useHorn = (): HornState => useValue(useAlarmStore().horn);
export const useAlarmLoadError = (): string | null => useValue(useAlarmStore().error);

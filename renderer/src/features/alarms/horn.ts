/**
 * The horn: plays the tone pattern of the most urgent sounding priority with WebAudio
 * (oscillators, no audio files) and repeats it until the state says stop. Browsers start an
 * AudioContext only after a user gesture: `unlock()` is called on the first click/key.
 */
import type { AlarmPriority } from '../../../../core/common/alarms';
import { isDue, TONES } from './tones';

type AudioCtor = typeof AudioContext;

export class Horn {
  private ctx: AudioContext | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private priority: AlarmPriority | undefined;
  private lastStart: number | undefined;
  /** patterns played since creation (tests read it through window.__esmHorn) */
  played = 0;

  private audio(): AudioContext | null {
    if (this.ctx) return this.ctx;
    const w = window as unknown as { AudioContext?: AudioCtor; webkitAudioContext?: AudioCtor };
    const Ctor = w.AudioContext ?? w.webkitAudioContext;
    if (!Ctor) return null;
    try {
      this.ctx = new Ctor();
    } catch {
      this.ctx = null;
    }
    return this.ctx;
  }

  /** Call from a user gesture: lets the browser start the audio. */
  unlock(): void {
    const c = this.audio();
    if (c && c.state === 'suspended') void c.resume().catch(() => undefined);
  }

  /** Sound `p` (repeating), or stop with undefined. */
  set(p: AlarmPriority | undefined): void {
    if (p === this.priority) return;
    this.priority = p;
    this.lastStart = undefined;
    if (p === undefined) {
      if (this.timer !== null) clearInterval(this.timer);
      this.timer = null;
      return;
    }
    this.tick();
    if (this.timer === null) this.timer = setInterval(() => this.tick(), 250);
  }

  get current(): AlarmPriority | undefined {
    return this.priority;
  }

  dispose(): void {
    this.set(undefined);
    void this.ctx?.close().catch(() => undefined);
    this.ctx = null;
  }

  private tick(): void {
    const p = this.priority;
    if (!p) return;
    const now = Date.now();
    if (!isDue(p, this.lastStart, now)) return;
    this.lastStart = now;
    this.played += 1;
    this.play(p);
  }

  private play(p: AlarmPriority): void {
    const c = this.audio();
    if (!c || c.state !== 'running') return;
    const t0 = c.currentTime + 0.02;
    const pat = TONES[p];
    for (const n of pat.notes) {
      const osc = c.createOscillator();
      const g = c.createGain();
      osc.type = 'sine';
      osc.frequency.value = n.freq;
      const s = t0 + n.atMs / 1000;
      const e = s + n.durationMs / 1000;
      // short ramps: no clicks
      g.gain.setValueAtTime(0, s);
      g.gain.linearRampToValueAtTime(pat.gain, s + 0.015);
      g.gain.setValueAtTime(pat.gain, e - 0.03);
      g.gain.linearRampToValueAtTime(0, e);
      osc.connect(g).connect(c.destination);
      osc.start(s);
      osc.stop(e + 0.01);
    }
  }
}

/**
 * The raw frame view's store (issue #12 item 6): a bounded ring of the last frames a device
 * sent and received, for a technician. Every protocol records through the same hook:
 *
 *   bridge.frames.setDecoder(decode)    // once: says this protocol records (supported)
 *   bridge.frames.record('tx', bytes)   // after writing a frame
 *   bridge.frames.record('rx', bytes)   // for each frame (or chunk) received
 *
 * - Off by default: `record` is one boolean test and returns while capturing is off, so a
 *   bridge may call it on every frame at no cost.
 * - Bounded: at most `capacity` frames (default 200) of at most `maxBytes` octets each
 *   (default 256; the frame's full length is kept beside the cut bytes), so one device's ring
 *   holds at most capacity × maxBytes octets whatever the traffic. Capturing turns itself off
 *   after `maxOnMs` (default 15 min): a forgotten capture does not run for months.
 * - Decoding is lazy: the protocol's `decode(dir, bytes)` runs when the frames are listed,
 *   never on the polling path; a decoder that throws gives "not decodable: <why>".
 */
import type { FrameCapture, RawFrame } from '../../core/common/bridge';

export type FrameDecoder = (dir: 'tx' | 'rx', bytes: Uint8Array) => string;

export interface FrameRingOptions {
  /** frames kept (default 200) */
  capacity?: number;
  /** octets kept of each frame (default 256) */
  maxBytes?: number;
  /** capturing turns itself off after this long (default 15 min) */
  maxOnMs?: number;
  decode?: FrameDecoder;
  now?: () => number;
}

export const FRAME_RING_CAPACITY = 200;
export const FRAME_MAX_BYTES = 256;
export const FRAME_MAX_ON_MS = 15 * 60_000;

interface Kept {
  seq: number;
  ts: number;
  dir: 'tx' | 'rx';
  bytes: Uint8Array;
  length: number;
}

function hex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (i ? ' ' : '') + (b[i] as number).toString(16).padStart(2, '0');
  return s;
}

export class FrameRing implements FrameCapture {
  private readonly capacity: number;
  private readonly maxBytes: number;
  private readonly maxOnMs: number;
  private readonly now: () => number;
  private decoder: FrameDecoder | undefined;
  private ring: Array<Kept | undefined>;
  private next = 0;
  private seq = 0;
  private on = false;
  private onSince = 0;

  constructor(o: FrameRingOptions = {}) {
    this.capacity = Math.max(1, o.capacity ?? FRAME_RING_CAPACITY);
    this.maxBytes = Math.max(1, o.maxBytes ?? FRAME_MAX_BYTES);
    this.maxOnMs = o.maxOnMs ?? FRAME_MAX_ON_MS;
    this.now = o.now ?? Date.now;
    this.decoder = o.decode;
    this.ring = new Array<Kept | undefined>(this.capacity);
  }

  /** a protocol records here: it set its decoder (a bridge whose protocol records nothing leaves it unset) */
  get supported(): boolean {
    return this.decoder !== undefined;
  }

  /** the protocol's decoder (a bridge sets it once it knows its framing; setting it says the protocol records) */
  setDecoder(d: FrameDecoder): void {
    this.decoder = d;
  }

  get enabled(): boolean {
    if (this.on && this.now() - this.onSince > this.maxOnMs) this.setEnabled(false);
    return this.on;
  }

  setEnabled(on: boolean): void {
    if (on && !this.on) this.onSince = this.now();
    if (!on) {
      this.ring = new Array<Kept | undefined>(this.capacity);
      this.next = 0;
    }
    this.on = on;
  }

  /** records one frame (a copy of at most maxBytes octets); nothing while capturing is off */
  record(dir: 'tx' | 'rx', bytes: Uint8Array): void {
    if (!this.on) return;
    const ts = this.now();
    if (ts - this.onSince > this.maxOnMs) {
      this.setEnabled(false);
      return;
    }
    const cut = bytes.length > this.maxBytes ? bytes.subarray(0, this.maxBytes) : bytes;
    this.ring[this.next] = { seq: ++this.seq, ts, dir, bytes: Uint8Array.from(cut), length: bytes.length };
    this.next = (this.next + 1) % this.capacity;
  }

  list(afterSeq?: number): RawFrame[] {
    const out: RawFrame[] = [];
    for (let i = 0; i < this.capacity; i++) {
      const k = this.ring[(this.next + i) % this.capacity];
      if (!k || (afterSeq !== undefined && k.seq <= afterSeq)) continue;
      out.push({ seq: k.seq, ts: k.ts, dir: k.dir, hex: hex(k.bytes), length: k.length, decoded: this.decodeOne(k) });
    }
    return out;
  }

  private decodeOne(k: Kept): string {
    const cut = k.length > k.bytes.length ? ` (first ${k.bytes.length} of ${k.length} octets)` : '';
    if (!this.decoder) return `${k.length} octets${cut}`;
    try {
      return this.decoder(k.dir, k.bytes) + cut;
    } catch (e) {
      return `not decodable: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
}

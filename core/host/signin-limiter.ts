/**
 * Rate limit for the calls that run the password KDF (scrypt: ~100 ms of a thread and 32 MiB
 * each): sign-in, first setup, re-authentication, password change. Without it, a few sockets
 * flooding sign-in queued hundreds of scrypt runs and a real sign-in took 8.9 s (issue #8,
 * finding 7). The rules:
 * - per connection: one such call at a time (another is refused at once, no scrypt); one typo
 *   may be retried at once, from the second failure in a row the next attempt is held 0.5 s,
 *   doubling per failure up to 8 s, before it may hash;
 * - per remote address: at most 2 run at once, and in the whole core at most 3 (libuv has 4
 *   threads, shared with file I/O); the others wait in a bounded queue where connections
 *   that never failed nor were refused go first, so a real user's attempt overtakes a flood.
 * The account lockout (core/security) is separate and still applies.
 */
import { ApiError } from '../common';

export interface SignInLimiterOptions {
  perAddress?: number;
  global?: number;
  /** waiting attempts in the whole core; beyond it refused `busy` */
  maxQueue?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  now?: () => number;
}

interface Waiter {
  address: string;
  gate: SignInGate;
  go: () => void;
}

export class SignInLimiter {
  private readonly running = new Map<string, number>();
  private total = 0;
  private readonly queue: Waiter[] = [];
  readonly perAddress: number;
  readonly global: number;
  readonly maxQueue: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly now: () => number;

  constructor(o: SignInLimiterOptions = {}) {
    this.perAddress = o.perAddress ?? 2;
    this.global = o.global ?? 3;
    this.maxQueue = o.maxQueue ?? 256;
    this.baseDelayMs = o.baseDelayMs ?? 500;
    this.maxDelayMs = o.maxDelayMs ?? 8000;
    this.now = o.now ?? Date.now;
  }

  /** The gate of one connection from `address`. */
  connection(address: string): SignInGate {
    return new SignInGate(this, address);
  }

  private free(address: string): boolean {
    return this.total < this.global && (this.running.get(address) ?? 0) < this.perAddress;
  }

  private take(address: string): void {
    this.total++;
    this.running.set(address, (this.running.get(address) ?? 0) + 1);
  }

  /** @internal waits for a slot; `hasFailed` puts the attempt behind clean ones */
  acquire(address: string, gate: SignInGate): Promise<void> {
    if (this.queue.length === 0 && this.free(address)) {
      this.take(address);
      return Promise.resolve();
    }
    if (this.queue.length >= this.maxQueue)
      return Promise.reject(new ApiError('busy', 'Too many sign-ins are waiting; try again in a few seconds.', { rule: 'limit.signin.queue' }));
    return new Promise((resolve) => this.queue.push({ address, gate, go: resolve }));
  }

  /** @internal */
  release(address: string): void {
    this.total--;
    const n = (this.running.get(address) ?? 1) - 1;
    if (n > 0) this.running.set(address, n);
    else this.running.delete(address);
    // the first waiter whose address has room; connections that never failed and never
    // pushed extra attempts go first (judged now: a flood reveals itself while it waits)
    for (const clean of [true, false]) {
      for (let i = 0; i < this.queue.length && this.total < this.global; i++) {
        const w = this.queue[i] as Waiter;
        if (w.gate.clean !== clean || !this.free(w.address)) continue;
        this.queue.splice(i, 1);
        i--;
        this.take(w.address);
        w.go();
      }
    }
  }

  /** waiting attempts (for tests) */
  get waiting(): number {
    return this.queue.length;
  }
}

export class SignInGate {
  private failures = 0;
  private lastFailureAt = 0;
  private busy = false;
  /** attempts refused on this connection (sent while one ran) */
  private refusals = 0;

  /** never failed, never refused: a person's first attempt, served before a flood */
  get clean(): boolean {
    return this.failures === 0 && this.refusals === 0;
  }

  constructor(
    private readonly limiter: SignInLimiter,
    private readonly address: string,
  ) {}

  /** Runs one KDF-bearing call under the rules above; throws ApiError('busy') when refused. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const l = this.limiter;
    if (this.busy) {
      this.refusals++;
      throw new ApiError('busy', 'A sign-in is already running on this connection; wait for its answer.', { rule: 'limit.signin.connection' });
    }
    this.busy = true;
    try {
      if (this.failures > 1) {
        // the attempt waits out the back-off (a timer, no hashing); the lockout still counts it
        const wait = Math.min(l.maxDelayMs, l.baseDelayMs * 2 ** (this.failures - 2));
        const left = this.lastFailureAt + wait - l.now();
        if (left > 0) await new Promise((r) => setTimeout(r, left));
      }
      await l.acquire(this.address, this);
      try {
        const r = await fn();
        this.failures = 0;
        this.refusals = 0;
        return r;
      } catch (e) {
        this.failures++;
        this.lastFailureAt = l.now();
        throw e;
      } finally {
        l.release(this.address);
      }
    } finally {
      this.busy = false;
    }
  }
}

/** The methods that run the password KDF. */
export const KDF_METHODS: ReadonlySet<string> = new Set(['auth.signIn', 'auth.setup', 'auth.reauth', 'auth.changePassword']);

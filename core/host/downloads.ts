/**
 * One-time downloads of files the core produced (exports) in browser mode: a random token,
 * valid once and for a few minutes, tied to one file. The WebSocket carries the token only to
 * the user who asked (see ExportProgressEvent.forUser).
 */
import { randomBytes } from 'node:crypto';

export interface Download {
  file: string;
  filename: string;
  expiresAt: number;
}

export class Downloads {
  private readonly items = new Map<string, Download>();
  constructor(private readonly ttlMs = 10 * 60_000, private readonly now: () => number = Date.now) {}

  /** Registers a file and returns its path on the host, `/download/<token>`. */
  offer(file: string, filename: string): string {
    const token = randomBytes(24).toString('base64url');
    this.items.set(token, { file, filename, expiresAt: this.now() + this.ttlMs });
    return `/download/${token}`;
  }

  /** Takes a download once; undefined when unknown, used or expired. */
  take(token: string): Download | undefined {
    const d = this.items.get(token);
    this.items.delete(token);
    for (const [k, v] of this.items) if (v.expiresAt < this.now()) this.items.delete(k);
    return d && d.expiresAt >= this.now() ? d : undefined;
  }
}

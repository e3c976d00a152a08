/**
 * Local sessions: until sign-in exists, every client of this workstation gets the single
 * local operator session. The token is random and checked on every call, so the security
 * service can replace this resolver without any change to the contract.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { SessionInfo } from '../common';
import type { SessionResolver } from './dispatcher';

export class LocalSessions implements SessionResolver {
  private readonly sessions = new Map<string, SessionInfo>();

  open(workstation = hostname()): SessionInfo {
    const token = randomBytes(24).toString('base64url');
    const s: SessionInfo = {
      token,
      user: 'operator',
      displayName: 'Local operator',
      roles: ['Operator'],
      workstation,
      expiresAt: Date.now() + 12 * 3600_000,
    };
    this.sessions.set(token, s);
    return s;
  }

  close(token: string): void {
    this.sessions.delete(token);
  }

  resolve(token: string): SessionInfo | undefined {
    const s = this.sessions.get(token);
    if (!s) return undefined;
    if (s.expiresAt < Date.now()) {
      this.sessions.delete(token);
      return undefined;
    }
    return s;
  }
}

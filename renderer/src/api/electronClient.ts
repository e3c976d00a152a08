/**
 * Electron transport: the preload exposes `window.esm` (contextBridge) and adds the session
 * itself. The IPC link cannot drop while the window lives, so "connected" means: hello done.
 * The main process binds the session to the window after auth.signIn, so no token travels
 * here; subscriptions are renewed when the session changes (sign-in, impersonation).
 */
import { type ApiEvents, type EsmClient, type EventName, type MethodName, type MethodReq, type MethodRes, type SessionInfo, type Unsubscribe } from '../../../core/common/api/contract';
import type { AuthAwareClient, AuthChange } from './auth';
import { backoffDelay } from './backoff';
import { ConnectionState, deliver, SessionState, type Handler } from './clientState';
import { toApiError } from './errors';

/** What electron/preload.ts exposes as `window.esm`. */
export interface EsmBridge {
  call(method: string, arg: unknown): Promise<unknown>;
  listen(event: string, cb: (data: unknown) => void): () => void;
  hello(): Promise<{ session: string }>;
  /** the desktop menu's commands for this window (core/common/shell.ts ShellAction) */
  onShell?(cb: (action: unknown) => void): () => void;
}

declare global {
  interface Window {
    esm?: EsmBridge;
  }
}

export class ElectronClient implements EsmClient, AuthAwareClient {
  private readonly conn = new ConnectionState();
  private readonly sessionState = new SessionState();
  /** event -> handlers, and the one bridge subscription serving them */
  private readonly handlers = new Map<string, { set: Set<Handler>; off: () => void }>();
  private attempt = 0;

  constructor(private readonly bridge: EsmBridge) {
    void this.start();
  }

  get session(): SessionInfo | null {
    return this.sessionState.current;
  }

  async call<M extends MethodName>(method: M, arg: MethodReq<M>): Promise<MethodRes<M>> {
    let result: MethodRes<M>;
    try {
      result = (await this.bridge.call(method, arg)) as MethodRes<M>;
    } catch (e) {
      const err = toApiError(e);
      this.observe(method, false, err);
      throw err;
    }
    this.observe(method, true, result);
    return result;
  }

  listen<E extends EventName>(event: E, handler: (data: ApiEvents[E]) => void): Unsubscribe {
    let entry = this.handlers.get(event);
    if (!entry) {
      entry = { set: new Set(), off: () => undefined };
      this.handlers.set(event, entry);
      entry.off = this.subscribe(event, entry.set);
    }
    const h = handler as Handler;
    entry.set.add(h);
    return () => {
      const e = this.handlers.get(event);
      if (!e || !e.set.delete(h) || e.set.size > 0) return;
      this.handlers.delete(event);
      e.off();
    };
  }

  onAuth(handler: (c: AuthChange) => void): Unsubscribe {
    return this.sessionState.on(handler);
  }

  resubscribe(): void {
    for (const [event, entry] of this.handlers) {
      entry.off();
      entry.off = this.subscribe(event, entry.set);
    }
  }

  private subscribe(event: string, set: Set<Handler>): () => void {
    return this.bridge.listen(event, (data) => deliver(event, set, data));
  }

  private observe(method: string, ok: boolean, value: unknown): void {
    this.sessionState.observe(method, ok, value, (c: AuthChange) => {
      // the window's session changed: renew every subscription under it
      if (c.kind === 'session') this.resubscribe();
    });
  }

  onConnection(handler: (connected: boolean) => void): Unsubscribe {
    return this.conn.on(handler);
  }

  private async start(): Promise<void> {
    try {
      await this.bridge.hello();
      try {
        this.sessionState.current = await this.call('session.current', {});
      } catch (e) {
        console.warn('[esm] session.current failed', e);
      }
      this.conn.set(true);
    } catch (e) {
      console.warn('[esm] hello over IPC failed; retrying', e);
      setTimeout(() => void this.start(), backoffDelay(this.attempt++));
    }
  }
}

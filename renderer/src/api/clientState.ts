/**
 * State both transports (electronClient.ts, wsClient.ts) keep the same way: the connected flag
 * and its listeners, the session learnt from call results and its listeners, and the delivery of
 * an event to its handlers. Pure: no DOM, no React.
 */
import type { SessionInfo, Unsubscribe } from '../../../core/common/api/contract';
import { AuthEvents, sessionEffect, type AuthChange } from './auth';

export type Handler = (data: unknown) => void;

/** Hands `data` to each handler of `event`; one that throws is logged and does not stop the others. */
export function deliver(event: string, handlers: Iterable<Handler>, data: unknown): void {
  for (const h of [...handlers]) {
    try {
      h(data);
    } catch (e) {
      console.error(`[esm] handler of ${event} threw`, e);
    }
  }
}

/** The connected flag and who listens to it. */
export class ConnectionState {
  private value = false;
  private readonly handlers = new Set<(connected: boolean) => void>();

  get connected(): boolean {
    return this.value;
  }

  /** Called at once with the current state, then on every change. */
  on(handler: (connected: boolean) => void): Unsubscribe {
    this.handlers.add(handler);
    handler(this.value);
    return () => {
      this.handlers.delete(handler);
    };
  }

  set(c: boolean): void {
    if (this.value === c) return;
    this.value = c;
    for (const h of [...this.handlers]) {
      try {
        h(c);
      } catch (e) {
        console.error('[esm] connection handler threw', e);
      }
    }
  }
}

/** The session as last learnt, and who listens to its changes. */
export class SessionState {
  current: SessionInfo | null = null;
  private readonly events = new AuthEvents();

  on(handler: (c: AuthChange) => void): Unsubscribe {
    return this.events.on(handler);
  }

  /**
   * What a call's outcome means for the session (see sessionEffect): keeps the new session or
   * forgets it, lets the transport act on the change (`then`), and tells the listeners.
   */
  observe(method: string, ok: boolean, value: unknown, then: (c: AuthChange) => void): void {
    const effect = sessionEffect(method, ok, value);
    if (!effect) return;
    if (effect.kind === 'session') this.current = effect.session;
    else if (effect.kind === 'signedOut') this.current = null;
    then(effect);
    this.events.emit(effect);
  }
}

/**
 * Electron transport: the preload exposes `window.esm` (contextBridge) and adds the session
 * itself. The IPC link cannot drop while the window lives, so "connected" means: hello done.
 */
import {
  type ApiEvents,
  type EsmClient,
  type EventName,
  type MethodName,
  type MethodReq,
  type MethodRes,
  type SessionInfo,
  type Unsubscribe,
} from '../../../core/common/api/contract';
import { backoffDelay } from './backoff';
import { toApiError } from './errors';

/** What electron/preload.ts exposes as `window.esm`. */
export interface EsmBridge {
  call(method: string, arg: unknown): Promise<unknown>;
  listen(event: string, cb: (data: unknown) => void): () => void;
  hello(): Promise<{ session: string }>;
}

declare global {
  interface Window {
    esm?: EsmBridge;
  }
}

export class ElectronClient implements EsmClient {
  private connected = false;
  private currentSession: SessionInfo | null = null;
  private readonly connectionHandlers = new Set<(connected: boolean) => void>();
  private attempt = 0;

  constructor(private readonly bridge: EsmBridge) {
    void this.start();
  }

  get session(): SessionInfo | null {
    return this.currentSession;
  }

  async call<M extends MethodName>(method: M, arg: MethodReq<M>): Promise<MethodRes<M>> {
    try {
      return (await this.bridge.call(method, arg)) as MethodRes<M>;
    } catch (e) {
      throw toApiError(e);
    }
  }

  listen<E extends EventName>(event: E, handler: (data: ApiEvents[E]) => void): Unsubscribe {
    return this.bridge.listen(event, (data) => {
      try {
        handler(data as ApiEvents[E]);
      } catch (e) {
        console.error(`[esm] handler of ${event} threw`, e);
      }
    });
  }

  onConnection(handler: (connected: boolean) => void): Unsubscribe {
    this.connectionHandlers.add(handler);
    handler(this.connected);
    return () => {
      this.connectionHandlers.delete(handler);
    };
  }

  private async start(): Promise<void> {
    try {
      await this.bridge.hello();
      try {
        this.currentSession = await this.call('session.current', {});
      } catch (e) {
        console.warn('[esm] session.current failed', e);
      }
      this.connected = true;
      for (const h of [...this.connectionHandlers]) h(true);
    } catch (e) {
      console.warn('[esm] hello over IPC failed; retrying', e);
      setTimeout(() => void this.start(), backoffDelay(this.attempt++));
    }
  }
}

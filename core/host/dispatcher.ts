/**
 * The API dispatcher: one place where every call from any transport (WebSocket, Electron
 * IPC) is checked — method name, session, permission, argument schema — before a handler
 * runs. Transports only move messages; they never call handlers directly.
 */
import {
  ApiError,
  formatPath,
  isEventName,
  isMethodName,
  methodArgSchemas,
  type ApiEvents,
  type EventName,
  type MethodName,
  type MethodReq,
  type MethodRes,
  type Unsubscribe,
} from '../common';
import type { Principal } from '../security/principal';

/** Where a call comes from, as the transport knows it. */
export interface CallMeta {
  /** e.g. `browser@127.0.0.1` or `desktop` */
  workstation: string;
}

export interface CallContext {
  /** null only for public methods (sign-in, setup, status) */
  principal: Principal | null;
  token: string | null;
  meta: CallMeta;
}

export type Handler<M extends MethodName> = (ctx: CallContext, arg: MethodReq<M>) => MethodRes<M> | Promise<MethodRes<M>>;
export type Handlers = { [M in MethodName]: Handler<M> };

/** Authentication and authorisation of calls and subscriptions (core/host/gate.ts). */
export interface Gate {
  /** the principal behind `token` for this method; null for public methods; throws ApiError */
  authenticate(token: unknown, method: MethodName): Principal | null;
  /** throws ApiError('forbidden', …, {rule}) when the principal may not make this call */
  authorize(principal: Principal | null, method: MethodName, arg: unknown, meta: CallMeta): void;
  /** the principal allowed to subscribe to `event`; throws ApiError */
  admitListen(token: unknown, event: EventName): Principal;
  /** whether events may still be delivered to this session (not signed out or expired) */
  stillValid(token: string): boolean;
}

type AnyHandler = (data: unknown) => void;

export class EventBus {
  private readonly handlers = new Map<EventName, Set<AnyHandler>>();
  on<E extends EventName>(event: E, h: (data: ApiEvents[E]) => void): Unsubscribe {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(h as AnyHandler);
    return () => set.delete(h as AnyHandler);
  }
  emit<E extends EventName>(event: E, data: ApiEvents[E]): void {
    const set = this.handlers.get(event);
    if (!set) return;
    for (const h of set) {
      try {
        h(data);
      } catch (err) {
        console.error(`event handler for ${event} failed:`, err);
      }
    }
  }
  listenerCount(event: EventName): number {
    return this.handlers.get(event)?.size ?? 0;
  }
}

export class ApiDispatcher {
  constructor(
    private readonly handlers: Handlers,
    private readonly gate: Gate,
    readonly bus: EventBus,
  ) {}

  /** Runs one call. Always resolves or rejects with an ApiError; never throws anything else. */
  async call(token: unknown, method: unknown, arg: unknown, meta: CallMeta): Promise<unknown> {
    try {
      if (!isMethodName(method)) throw new ApiError('unknown-method', `unknown method "${String(method)}"`);
      const principal = this.gate.authenticate(token, method);
      // permission before the argument's shape: a refused caller learns nothing about schemas
      this.gate.authorize(principal, method, arg ?? {}, meta);
      const schema = methodArgSchemas[method];
      const parsed = schema.safeParse(arg ?? {});
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        const path = first ? formatPath(first.path) : '(root)';
        throw new ApiError('bad-request', `${method}: ${path}: ${first?.message ?? 'invalid argument'}`, { path });
      }
      const handler = this.handlers[method] as Handler<typeof method>;
      return await handler({ principal, token: typeof token === 'string' && token ? token : null, meta }, parsed.data as never);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      console.error(`API ${String(method)} failed:`, err);
      throw new ApiError('internal', `${String(method)} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /**
   * Subscribes a session to an event. Delivery stops by itself once the session is signed
   * out, revoked or expired.
   */
  listen(token: unknown, event: unknown, handler: (data: unknown) => void): Unsubscribe {
    if (!isEventName(event)) throw new ApiError('bad-request', `unknown event "${String(event)}"`);
    const principal = this.gate.admitListen(token, event);
    const t = String(token);
    const ev: EventName = event;
    let off: Unsubscribe = () => undefined;
    off = this.bus.on(ev, ((data: unknown) => {
      if (!this.gate.stillValid(t)) {
        off();
        return;
      }
      // an event addressed to one user (e.g. export progress) reaches that user only
      const forUser = (data as { forUser?: unknown } | null)?.forUser;
      if (typeof forUser === 'string' && forUser !== principal.username) return;
      handler(data);
    }) as (d: ApiEvents[EventName]) => void);
    return off;
  }
}

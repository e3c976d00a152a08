/**
 * The API dispatcher: one place where every call from any transport (WebSocket, Electron
 * IPC) is validated — method name, argument schema, session — before a handler runs.
 * Transports only move messages; they never call handlers directly.
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
  type SessionInfo,
  type Unsubscribe,
} from '../common';

export interface CallContext {
  session: SessionInfo;
}

export type Handler<M extends MethodName> = (ctx: CallContext, arg: MethodReq<M>) => MethodRes<M> | Promise<MethodRes<M>>;
export type Handlers = { [M in MethodName]: Handler<M> };

/** Resolves session tokens; the security service replaces the local one. */
export interface SessionResolver {
  resolve(token: string): SessionInfo | undefined;
}

/** Decides whether a session may call a method or listen to an event (the security service plugs in here). */
export interface AccessPolicy {
  checkCall(session: SessionInfo, method: MethodName, arg: unknown): void;
  checkListen(session: SessionInfo, event: EventName): void;
}

export const ALLOW_ALL: AccessPolicy = { checkCall: () => undefined, checkListen: () => undefined };

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
    private readonly sessions: SessionResolver,
    readonly bus: EventBus,
    private readonly policy: AccessPolicy = ALLOW_ALL,
  ) {}

  private session(token: unknown): SessionInfo {
    if (typeof token !== 'string' || token.length === 0) throw new ApiError('unauthenticated', 'no session: sign in first');
    const s = this.sessions.resolve(token);
    if (!s) throw new ApiError('unauthenticated', 'session unknown or expired: sign in again');
    return s;
  }

  /** Runs one call. Always resolves or rejects with an ApiError; never throws anything else. */
  async call(token: unknown, method: unknown, arg: unknown): Promise<unknown> {
    try {
      if (!isMethodName(method)) throw new ApiError('unknown-method', `unknown method "${String(method)}"`);
      const session = this.session(token);
      const schema = methodArgSchemas[method];
      const parsed = schema.safeParse(arg ?? {});
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        const path = first ? formatPath(first.path) : '(root)';
        throw new ApiError('bad-request', `${method}: ${path}: ${first?.message ?? 'invalid argument'}`, { path });
      }
      this.policy.checkCall(session, method, parsed.data);
      const handler = this.handlers[method] as Handler<typeof method>;
      return await handler({ session }, parsed.data as never);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      console.error(`API ${String(method)} failed:`, err);
      throw new ApiError('internal', `${String(method)} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Subscribes a session to an event; the handler receives every emitted payload. */
  listen(token: unknown, event: unknown, handler: (data: unknown) => void): Unsubscribe {
    if (!isEventName(event)) throw new ApiError('bad-request', `unknown event "${String(event)}"`);
    const session = this.session(token);
    this.policy.checkListen(session, event);
    const ev: EventName = event;
    return this.bus.on(ev, handler as (d: ApiEvents[EventName]) => void);
  }
}

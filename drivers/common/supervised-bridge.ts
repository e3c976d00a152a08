/**
 * The base of every bridge that runs on the connection supervisor (Modbus, line, IEC 61850):
 * it builds the supervisor on the host's clock and scheduler from the bridge's context and
 * holds the four delegations each of them repeated (start, stop, status, onStatus). A bridge
 * says how to open a link and poll it (`SupervisedProtocol`) and adds its reads and writes;
 * one that must do more on stop overrides `stop()` and calls `super.stop()` first.
 */
import type { BridgeContext, DeviceStatus, Unsubscribe } from '../../core/common/bridge';
import { ConnectionSupervisor, type SupervisorOptions } from './supervisor';
import { FrameRing } from './frames';

/** The bridge's clock: the context's `now`, else its scheduler's, else the wall clock. */
export function bridgeNow(ctx: Pick<BridgeContext, 'now' | 'scheduler'>): () => number {
  if (ctx.now) return ctx.now;
  const s = ctx.scheduler;
  return s ? () => s.now() : Date.now;
}

export abstract class SupervisedBridge<C> {
  abstract readonly deviceId: string;
  /** the device's link, queue, back-off and status; set once by `supervise()` in the constructor */
  protected sup!: ConnectionSupervisor<C>;
  /**
   * The raw frame ring (off until a technician turns it on): the protocol calls
   * `frames.record(dir, bytes)`. Undefined for a protocol that does not record its frames
   * (OPC UA: node-opcua owns the secure channel), so the communications page says so.
   */
  readonly frames: FrameRing | undefined;

  /** `recordsFrames`: false for a protocol whose frames are not recorded */
  constructor(recordsFrames = true) {
    this.frames = recordsFrames ? new FrameRing() : undefined;
  }

  /**
   * Builds the supervisor on the context's sink, clock and scheduler (the host's: poll and
   * reconnect timers follow it, a virtual one in a study or a test).
   */
  protected supervise(ctx: BridgeContext, o: Omit<SupervisorOptions<C>, 'sink' | 'now' | 'scheduler'> & { now?: () => number }): ConnectionSupervisor<C> {
    this.sup = new ConnectionSupervisor<C>({
      ...o,
      device: { ...o.device },
      sink: ctx.sink,
      now: o.now ?? bridgeNow(ctx),
      ...(ctx.scheduler ? { scheduler: ctx.scheduler } : {}),
    });
    return this.sup;
  }

  /**
   * Starts polling. Resolves after the first connection attempt (and, if it connected, the
   * first poll); a device that does not answer is reported through status(), not a rejection.
   */
  start(): Promise<void> {
    return this.sup.start();
  }

  stop(): Promise<void> {
    return this.sup.stop();
  }

  status(): DeviceStatus {
    return this.sup.status();
  }

  onStatus(handler: (s: DeviceStatus) => void): Unsubscribe {
    return this.sup.onStatus(handler);
  }

  /** changes the polling period at run time */
  setPollMs(ms: number): void {
    this.sup.setPollMs(ms);
  }

  /** polls skipped because the previous one was still running */
  get skippedPolls(): number {
    return this.sup.skippedPolls;
  }
}

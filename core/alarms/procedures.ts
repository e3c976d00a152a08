/**
 * Automatic procedures (ISA-18.2 / EEMUA 191 "automatic response"): when an alarm activates,
 * its definition's actions run in order through the command pipeline as the alarm system's
 * principal; a step that is refused or fails stops the procedure, and a protective step that
 * did not act raises a critical system alarm. The engine starts them and shows their outcome.
 */
import { ALARM_SYSTEM_PRINCIPAL, type AlarmAction, type AlarmActionResult, type AlarmPriority } from '../common/alarms';
import type { PointValue } from '../common/point';
import type { Instance } from './instance';

/** One write of an automatic procedure. */
export interface ProcedureCommand {
  target: string;
  value: number | boolean;
  reason: string;
  /** the alarm that asked for it (audit) */
  alarmId: string;
}

/**
 * The command pipeline as the alarm engine sees it (permission of the principal, interlocks and
 * limits, audit, driver write, readback). The security service provides the real one.
 */
export interface CommandExecutor {
  execute(cmd: ProcedureCommand, principal: string): Promise<ProcedureOutcome>;
}

/** What a procedure step really did; `message` is a sentence for people. */
export interface ProcedureOutcome {
  ok: boolean;
  message: string;
  /** done; refused before anything reached the field (with `rule`); failed at the write or readback. Default: done / failed by `ok` */
  outcome?: 'done' | 'refused' | 'failed';
  rule?: string;
  /** a protective action (stop, standby, trip, 0 kW): if it does not succeed, a critical alarm says so */
  protective?: boolean;
}

/** Id of the critical system alarm raised when a protective procedure step of alarm `alarmId` did not succeed. */
export const protectiveFailureAlarmId = (alarmId: string): string => `system.protective-failed.${alarmId}`;

/** What the runner needs of the engine: its clock, batching, journal and system alarms. */
export interface ProcedureHost {
  now(): number;
  /** runs fn inside one engine batch (journal and events flushed at the end) */
  batch(fn: () => void): void;
  /** the instance's view changed */
  changed(i: Instance): void;
  /** an `action` journal entry of the instance */
  journal(i: Instance, o: { user?: string; value?: PointValue; text: string }): void;
  raiseSystemAlarm(id: string, opts: { message: string; priority: AlarmPriority; class: string; text?: string }): void;
  clearSystemAlarm(id: string, opts: { text?: string }): void;
}

export class ProcedureRunner {
  private readonly runs = new Set<Promise<void>>();

  constructor(
    private readonly executor: CommandExecutor | undefined,
    private readonly host: ProcedureHost,
  ) {}

  /** procedures running now */
  get running(): number {
    return this.runs.size;
  }

  /** resolves when no procedure runs */
  async idle(): Promise<void> {
    while (this.runs.size) await Promise.all([...this.runs]);
  }

  /** starts the alarm's procedure (not twice at once) */
  start(i: Instance): void {
    const steps = i.def.actions;
    if (steps.length === 0) return;
    if (!this.executor) {
      this.host.journal(i, { text: 'procedure not run: no command executor configured' });
      return;
    }
    if (i.actionsPending) {
      this.host.journal(i, { text: 'procedure already running: not started again' });
      return;
    }
    i.actionsPending = true;
    i.actions = [];
    this.host.changed(i);
    const p = this.run(i, steps).finally(() => this.runs.delete(p));
    this.runs.add(p);
  }

  private async run(i: Instance, steps: readonly AlarmAction[]): Promise<void> {
    const executor = this.executor as CommandExecutor;
    for (const a of steps) {
      const reason = a.reason ?? `alarm ${i.def.id}: ${i.def.message}`;
      let r: ProcedureOutcome;
      try {
        r = await executor.execute({ target: a.target, value: a.value, reason, alarmId: i.def.id }, ALARM_SYSTEM_PRINCIPAL);
      } catch (e) {
        r = { ok: false, outcome: 'failed', message: e instanceof Error ? e.message : String(e) };
      }
      const outcome = r.ok ? 'done' : r.outcome === 'refused' ? 'refused' : 'failed';
      const res: AlarmActionResult = {
        target: a.target,
        value: a.value,
        ok: r.ok,
        outcome,
        message: r.message,
        ts: this.host.now(),
        ...(r.rule ? { rule: r.rule } : {}),
        ...(r.protective ? { protective: true } : {}),
      };
      this.host.batch(() => {
        i.actions.push(res);
        this.host.changed(i);
        this.host.journal(i, {
          user: ALARM_SYSTEM_PRINCIPAL,
          value: a.value,
          text: `${a.target} := ${String(a.value)}: ${outcome.toUpperCase()}${r.rule ? ` [${r.rule}]` : ''}${r.message ? ` (${r.message})` : ''}`,
        });
      });
      // a protective action that did not act is itself an alarm of the highest priority
      if (!r.ok && r.protective) {
        this.host.batch(() =>
          this.host.raiseSystemAlarm(protectiveFailureAlarmId(i.def.id), {
            message: `Protective action ${outcome}: ${a.target} := ${String(a.value)} (${i.def.message})`,
            priority: 'critical',
            class: 'safety',
            text: r.message,
          }),
        );
      } else if (r.ok && r.protective) this.host.clearSystemAlarm(protectiveFailureAlarmId(i.def.id), { text: `${a.target} := ${String(a.value)} done` });
      if (!r.ok) break;
    }
    this.host.batch(() => {
      i.actionsPending = false;
      this.host.changed(i);
    });
  }
}

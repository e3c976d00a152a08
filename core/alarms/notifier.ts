/**
 * E-mail notification of alarms (energy.07 Req2) over SMTP with nodemailer: recipients per
 * priority, batching (alarms within `batchMs` go out in one message) and a rate limit per
 * recipient (at most `maxPerWindow` messages per `windowMs`; what is held back goes out as one
 * digest when the window allows). No timers of its own: the host calls `tick()` with the engine's
 * tick, so tests drive it with an injected clock. Failed sends are retried with backoff.
 */
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type { AlarmJournalEntry, AlarmNotificationConfig, AlarmPriority } from '../common/alarms';
import { ALARM_PRIORITIES, alarmNotificationSchema } from '../common/alarms';

export interface AlarmNotifierOptions {
  config: AlarmNotificationConfig;
  /** shown in the subject */
  siteName: string;
  now?: () => number;
  /** a ready transport (tests may pass one); otherwise built from config.smtp */
  transport?: Transporter;
  /** SMTP password, resolved by the host from config.smtp.passwordSecret */
  password?: string;
  log?: (msg: string) => void;
}

interface Item {
  entry: AlarmJournalEntry;
}

interface Recipient {
  address: string;
  queue: Item[];
  /** items dropped beyond the queue cap, still counted in the next message */
  overflow: number;
  firstQueuedAt: number | undefined;
  sentAt: number[];
  retryAt: number | undefined;
  failures: number;
  /** items queued while the rate limit held them back */
  heldBack: boolean;
}

export interface AlarmNotifierStats {
  sent: number;
  failed: number;
  queued: number;
  rateLimited: number;
  lastError?: string;
}

const MAX_QUEUE = 500;

export class AlarmNotifier {
  private readonly config: AlarmNotificationConfig;
  private readonly now: () => number;
  private readonly transport: Transporter | undefined;
  private readonly recipients = new Map<string, Recipient>();
  private readonly log: (msg: string) => void;
  private sending: Promise<void> | undefined;
  private st: AlarmNotifierStats = { sent: 0, failed: 0, queued: 0, rateLimited: 0 };

  constructor(private readonly opts: AlarmNotifierOptions) {
    this.config = alarmNotificationSchema.parse(opts.config);
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? ((m) => console.warn(`alarms: ${m}`));
    const smtp = this.config.smtp;
    if (opts.transport) this.transport = opts.transport;
    else if (this.config.enabled && smtp) {
      this.transport = nodemailer.createTransport({
        host: smtp.host,
        port: smtp.port,
        secure: smtp.secure,
        requireTLS: smtp.requireTls,
        auth: smtp.user ? { user: smtp.user, pass: opts.password ?? '' } : undefined,
        connectionTimeout: smtp.timeoutMs,
        greetingTimeout: smtp.timeoutMs,
        socketTimeout: smtp.timeoutMs,
      });
    }
  }

  /** subscribe to an engine's journal stream */
  attach(source: { on(e: 'alarms.journal', fn: (entries: readonly AlarmJournalEntry[]) => void): () => void }): () => void {
    return source.on('alarms.journal', (entries) => this.onEntries(entries));
  }

  onEntries(entries: readonly AlarmJournalEntry[]): void {
    if (!this.config.enabled || !this.transport) return;
    const now = this.now();
    for (const e of entries) {
      if (e.event !== 'activate' && !(e.event === 'clear' && this.config.notifyOnClear)) continue;
      for (const address of this.config.recipients[e.priority]) {
        let r = this.recipients.get(address);
        if (!r) {
          r = { address, queue: [], overflow: 0, firstQueuedAt: undefined, sentAt: [], retryAt: undefined, failures: 0, heldBack: false };
          this.recipients.set(address, r);
        }
        if (r.queue.length >= MAX_QUEUE) r.overflow++;
        else r.queue.push({ entry: e });
        r.firstQueuedAt ??= now;
      }
    }
  }

  /** sends what is due; resolves when those sends finished (never rejects) */
  tick(now: number = this.now()): Promise<void> {
    if (this.sending) return this.sending;
    const due: Recipient[] = [];
    for (const r of this.recipients.values()) {
      if (r.queue.length === 0 && r.overflow === 0) continue;
      if (r.firstQueuedAt !== undefined && now - r.firstQueuedAt < this.config.batchMs) continue;
      if (r.retryAt !== undefined && now < r.retryAt) continue;
      while (r.sentAt.length && (r.sentAt[0] as number) <= now - this.config.windowMs) r.sentAt.shift();
      if (r.sentAt.length >= this.config.maxPerWindow) {
        if (!r.heldBack) this.st.rateLimited++;
        r.heldBack = true;
        continue;
      }
      due.push(r);
    }
    if (due.length === 0) return Promise.resolve();
    const p = Promise.all(due.map((r) => this.send(r, now))).then(() => undefined);
    this.sending = p.finally(() => {
      this.sending = undefined;
    });
    return this.sending;
  }

  /**
   * Sends a document (the scheduled KPI report) to a list through the same SMTP settings; throws
   * when no SMTP server is configured or the server refuses.
   */
  async sendDocument(m: { to: readonly string[]; subject: string; text: string; attachment: { filename: string; content: Buffer } }): Promise<void> {
    if (!this.transport) throw new Error('no SMTP server is configured (alarms.notifications.smtp)');
    await this.transport.sendMail({ from: this.config.smtp?.from ?? 'es-manager@localhost', to: m.to.join(', '), subject: m.subject, text: m.text, attachments: [{ filename: m.attachment.filename, content: m.attachment.content }] });
  }

  private async send(r: Recipient, now: number): Promise<void> {
    const items = r.queue.splice(0, r.queue.length);
    const overflow = r.overflow;
    const heldBack = r.heldBack;
    r.overflow = 0;
    r.heldBack = false;
    r.firstQueuedAt = undefined;
    const msg = this.compose(items.map((i) => i.entry), overflow, heldBack);
    const smtp = this.config.smtp;
    try {
      await (this.transport as Transporter).sendMail({
        from: smtp?.from ?? 'es-manager@localhost',
        to: r.address,
        subject: msg.subject,
        text: msg.text,
        headers: { 'X-ES-Manager-Alarms': String(items.length + overflow) },
      });
      r.sentAt.push(now);
      r.failures = 0;
      r.retryAt = undefined;
      this.st.sent++;
    } catch (e) {
      // put them back (in front) and retry with backoff: 30 s, 1 min, 2 min ... 15 min
      r.queue.unshift(...items.slice(0, MAX_QUEUE - r.queue.length));
      r.overflow += overflow + Math.max(0, items.length - MAX_QUEUE);
      r.heldBack = heldBack;
      r.firstQueuedAt = now - this.config.batchMs;
      r.failures++;
      r.retryAt = now + Math.min(15 * 60_000, 30_000 * 2 ** (r.failures - 1));
      this.st.failed++;
      this.st.lastError = e instanceof Error ? e.message : String(e);
      this.log(`e-mail to ${r.address} failed (${this.st.lastError}); retry in ${Math.round((r.retryAt - now) / 1000)} s`);
    }
  }

  compose(entries: readonly AlarmJournalEntry[], overflow = 0, heldBack = false): { subject: string; text: string } {
    const site = this.opts.siteName;
    const total = entries.length + overflow;
    const first = entries[0];
    let subject: string;
    if (total === 1 && first) {
      subject = `[${site}] ${first.priority.toUpperCase()} ${first.event === 'clear' ? 'cleared' : 'alarm'}: ${first.message}${first.asset ? ` (${first.asset})` : ''}`;
    } else {
      const byP = new Map<AlarmPriority, number>();
      for (const e of entries) if (e.event === 'activate') byP.set(e.priority, (byP.get(e.priority) ?? 0) + 1);
      const mix = ALARM_PRIORITIES.filter((p) => byP.get(p)).map((p) => `${byP.get(p)} ${p}`);
      subject = `[${site}] ${total} alarm events${mix.length ? ` (${mix.join(', ')})` : ''}`;
    }
    const lines: string[] = [];
    if (heldBack) lines.push('Some of these were held back by the notification rate limit.', '');
    for (const e of entries) {
      lines.push(
        `${new Date(e.ts).toISOString()}  ${e.priority.toUpperCase().padEnd(8)} ${e.event === 'clear' ? 'CLEARED' : 'ACTIVE '}  ${e.alarmId}`,
        `    ${e.message}${e.asset ? ` — asset ${e.asset}` : ''}${e.value !== undefined ? ` — value ${String(e.value)}` : ''}`,
      );
      if (e.text) lines.push(`    ${e.text}`);
    }
    if (overflow) lines.push('', `... and ${overflow} more alarm events (see the alarm journal).`);
    lines.push('', `ES Manager, site ${site}. Acknowledge and act in the alarm list; e-mail is for information only.`);
    return { subject, text: lines.join('\n') + '\n' };
  }

  stats(): AlarmNotifierStats {
    let queued = 0;
    for (const r of this.recipients.values()) queued += r.queue.length + r.overflow;
    return { ...this.st, queued };
  }

  /** waits for a send in progress and closes the transport */
  async close(): Promise<void> {
    if (this.sending) await this.sending;
    this.transport?.close();
  }
}

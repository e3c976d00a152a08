/**
 * Alarm e-mail against a real SMTP server on loopback (smtp-server), through nodemailer: per-priority
 * recipients, batching, rate limiting with a digest, retry after a refused delivery.
 * The clock of the engine and notifier is injected; only the SMTP exchange is real time.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { AlarmEngine } from '../../../core/alarms/engine';
import { MemoryAlarmJournal } from '../../../core/alarms/journal';
import { AlarmNotifier } from '../../../core/alarms/notifier';
import type { AlarmNotificationConfig } from '../../../core/common/alarms';

interface Mail {
  from: string;
  to: string[];
  raw: string;
  subject: string;
  count: number;
}

const mails: Mail[] = [];
let refuse = false;
let server: SMTPServer;
let port = 0;

before(async () => {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, cb) {
      if (refuse) {
        const err = new Error('mailbox unavailable') as Error & { responseCode?: number };
        err.responseCode = 450;
        cb(err);
        return;
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const subject = /^Subject: (.*(?:\r\n[ \t].*)*)/m.exec(raw)?.[1]?.replace(/\r\n[ \t]/g, ' ') ?? '';
        const count = Number(/^X-ES-Manager-Alarms: (\d+)/im.exec(raw)?.[1] ?? 'NaN');
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          subject,
          count,
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.server.address() as AddressInfo).port;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function setup(over: Partial<AlarmNotificationConfig> = {}) {
  let t = 1_700_000_000_000;
  const journal = new MemoryAlarmJournal();
  const engine = new AlarmEngine({
    journal,
    now: () => t,
    config: {
      definitions: [
        { id: 'ess1.temperature.HH', type: 'limit', point: 'ess1/Temperature', level: 'HH', setpoint: 45, priority: 'critical', message: 'Battery over-temperature' },
        { id: 'ess1.soc.L', type: 'limit', point: 'ess1/Soc', level: 'L', setpoint: 10, priority: 'low', message: 'SoC low' },
        { id: 'ev1.fault', type: 'state', point: 'ev1/Status', alarmValues: [2], priority: 'medium', message: 'EV charger faulted' },
      ],
    },
  });
  const notifier = new AlarmNotifier({
    siteName: 'Demo',
    now: () => t,
    config: {
      enabled: true,
      smtp: { host: '127.0.0.1', port, secure: false, requireTls: false, from: 'esm@site.test', timeoutMs: 5000 },
      recipients: { critical: ['oncall@site.test', 'boss@site.test'], high: ['oncall@site.test'], medium: ['oncall@site.test'], low: ['shift@site.test'] },
      notifyOnClear: false,
      batchMs: 5_000,
      maxPerWindow: 6,
      windowMs: 3600_000,
      ...over,
    },
    log: () => {},
  });
  notifier.attach(engine);
  const feed = (id: string, value: number) => engine.processBatch([{ id, value, quality: { level: 'good' }, ts: t }]);
  return {
    engine,
    notifier,
    feed,
    advance(ms: number) {
      t += ms;
      engine.tick(t);
      return notifier.tick(t);
    },
  };
}

test('SMTP: a critical alarm reaches the critical list, a low one the low list, after the batch delay', async () => {
  mails.length = 0;
  const s = setup();
  s.feed('ess1/Temperature', 50);
  await s.advance(1000);
  assert.equal(mails.length, 0, 'waits for the batch window');
  await s.advance(4000);
  assert.equal(mails.length, 2);
  assert.deepEqual(mails.map((m) => m.to[0]).sort(), ['boss@site.test', 'oncall@site.test']);
  assert.ok(mails.every((m) => m.from === 'esm@site.test'));
  assert.match(mails[0]!.subject, /^\[Demo\] CRITICAL alarm: Battery over-temperature \(ess1\)$/);
  assert.match(mails[0]!.raw, /ess1\.temperature\.HH/);
  s.feed('ess1/Soc', 5);
  await s.advance(5000);
  assert.equal(mails.length, 3);
  assert.deepEqual(mails[2]!.to, ['shift@site.test']);
  assert.equal(s.notifier.stats().sent, 3);
  await s.notifier.close();
});

test('SMTP: alarms inside the batch window go out in one message', async () => {
  mails.length = 0;
  const s = setup();
  s.feed('ess1/Temperature', 50);
  await s.advance(1000);
  s.feed('ev1/Status', 2);
  await s.advance(4000);
  const oncall = mails.filter((m) => m.to.includes('oncall@site.test'));
  assert.equal(oncall.length, 1);
  assert.equal(oncall[0]!.count, 2);
  assert.match(oncall[0]!.subject, /2 alarm events \(1 critical, 1 medium\)/);
  await s.notifier.close();
});

test('SMTP: rate limit per recipient, the rest as one digest when the window allows', async () => {
  mails.length = 0;
  const s = setup({ maxPerWindow: 2, windowMs: 600_000, recipients: { critical: [], high: [], medium: [], low: ['shift@site.test'] } });
  for (let k = 0; k < 5; k++) {
    s.feed('ess1/Soc', 5);
    s.feed('ess1/Soc', 50);
    await s.advance(10_000);
  }
  assert.equal(mails.length, 2, 'two messages in the window');
  assert.equal(s.notifier.stats().rateLimited, 1);
  assert.equal(s.notifier.stats().queued, 3);
  await s.advance(600_000);
  assert.equal(mails.length, 3);
  assert.equal(mails[2]!.count, 3);
  assert.match(mails[2]!.raw, /held back by the notification rate limit/);
  assert.equal(s.notifier.stats().queued, 0);
  await s.notifier.close();
});

test('SMTP: a refused delivery is retried with backoff and nothing is lost', async () => {
  mails.length = 0;
  const s = setup({ recipients: { critical: ['oncall@site.test'], high: [], medium: [], low: [] } });
  refuse = true;
  try {
    s.feed('ess1/Temperature', 50);
    await s.advance(5000);
    assert.equal(mails.length, 0);
    assert.equal(s.notifier.stats().failed, 1);
    assert.match(s.notifier.stats().lastError ?? '', /mailbox unavailable|450/);
    await s.advance(10_000);
    assert.equal(s.notifier.stats().failed, 1, 'backoff: no retry before 30 s');
  } finally {
    refuse = false;
  }
  await s.advance(20_000);
  assert.equal(mails.length, 1);
  assert.match(mails[0]!.subject, /Battery over-temperature/);
  assert.equal(s.notifier.stats().queued, 0);
  await s.notifier.close();
});

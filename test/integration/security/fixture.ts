/**
 * A security stack on a real database file in a temp directory: AuthService, UserService,
 * AuditLog (anchored with a key from a FileKeyProvider), reasons, secrets, and a command
 * pipeline writing through a fake Bridge. The clock is injected; nothing sleeps.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bridge } from '../../../core/common/bridge';
import type { DeviceStatus, Unsubscribe } from '../../../core/common/api/contract';
import { GOOD, type PointValue, type Quality } from '../../../core/common';
import type { Capability } from '../../../core/common/security';
import { openAppDb, type AppDb } from '../../../core/db';
import { AuditLog, ReasonCatalog } from '../../../core/audit';
import {
  AuthService,
  deriveKey,
  FileKeyProvider,
  PasswordHasher,
  SecretStore,
  TEST_SCRYPT,
  UserService,
  type Principal,
} from '../../../core/security';
import { bridgeCommandWriter, CommandService, type AssetModel, type CommandAsset, type CommandPoint, type PointReading } from '../../../core/control';

export const ADMIN_PW = 'Adm1n-passphrase!';
export const USER_PW = 'Blue-kettle-4821';

export class FakeBridge implements Bridge {
  readonly registers = new Map<string, PointValue>();
  /** the device acknowledges writes but does not apply them */
  ignoreWrites = false;
  writes: [string, number | boolean][] = [];
  constructor(readonly deviceId: string) {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  status(): DeviceStatus {
    return { id: this.deviceId, name: this.deviceId, protocol: 'fake', address: '-', asset: this.deviceId, profile: 'fake', simulated: true, state: 'online', pollMs: 1000, polls: 0, failures: 0 };
  }
  onStatus(): Unsubscribe {
    return () => {};
  }
  async write(channel: string, value: number | boolean): Promise<void> {
    this.writes.push([channel, value]);
    if (!this.ignoreWrites) this.registers.set(channel, value);
  }
  async read(channel: string): Promise<PointValue> {
    return this.registers.get(channel) ?? null;
  }
}

export interface Stack {
  dir: string;
  dbPath: string;
  db: AppDb;
  clock: { now: () => number; advance: (ms: number) => number };
  audit: AuditLog;
  auth: AuthService;
  users: UserService;
  reasons: ReasonCatalog;
  secrets: SecretStore;
  admin: Principal;
  adminToken: string;
  /** per site: the ESS bridge, CVT and asset states */
  sites: Map<string, { bridge: FakeBridge; cvt: Map<string, PointReading>; assets: Record<string, CommandAsset> }>;
  commands: CommandService;
  /** creates a user on `sites` with `roles`, signs in, returns the principal */
  user(username: string, roles: string[], sites: 'all' | string[]): Promise<{ principal: Principal; token: string; id: string }>;
  close(): void;
}

const ESS_POINT = (assetId: string): CommandPoint => ({
  id: `${assetId}/SetActivePower`, assetId, channel: 'SetActivePower', unit: 'kW', type: 'number', access: 'rw', min: -100, max: 100,
});

export async function securityStack(siteIds: string[] = ['s1', 's2']): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'esm-sec-'));
  const dbPath = join(dir, 'app.sqlite');
  let t = Date.UTC(2025, 2, 1, 8);
  const clock = { now: () => t, advance: (ms: number) => (t += ms) };
  const db = openAppDb(dbPath, { now: clock.now });
  const keys = new FileKeyProvider(join(dir, 'data.key'));
  const key = await keys.getKey();
  const audit = new AuditLog(db, { now: clock.now, anchorKey: deriveKey(key, 'audit-anchor') });
  const auth = new AuthService(db, { audit, now: clock.now, hasher: new PasswordHasher(TEST_SCRYPT) });
  const users = new UserService(db, auth, audit);
  const reasons = new ReasonCatalog(db, clock.now);
  const secrets = new SecretStore(db, keys, clock.now);
  const s = await auth.setupAdmin({ username: 'admin', displayName: 'Administrator', password: ADMIN_PW }, 'ws-admin');
  const admin = auth.validate(s.token);

  const sites = new Map<string, { bridge: FakeBridge; cvt: Map<string, PointReading>; assets: Record<string, CommandAsset> }>();
  for (const id of siteIds) {
    const cvt = new Map<string, PointReading>();
    const put = (p: string, v: PointValue, q: Quality = GOOD) => cvt.set(p, { value: v, quality: q, ts: t });
    put('ess1/Soc', 50);
    put('ess1/ActivePower', 0);
    put('ess1/State', 2);
    put('pcc/ActivePower', 30);
    sites.set(id, {
      bridge: new FakeBridge(`${id}-ess1`),
      cvt,
      assets: { ess1: { id: 'ess1', nature: 'Ess', state: 'in-service', rating: { powerKw: 100 }, limits: { maxChargeKw: 100, maxDischargeKw: 100, socMinPct: 10, socMaxPct: 90 } } },
    });
  }
  const model: AssetModel = {
    asset: (site, a) => sites.get(site)?.assets[a],
    point: (site, p) => (sites.has(site) && p === 'ess1/SetActivePower' ? ESS_POINT('ess1') : undefined),
    pcc: (site) => (sites.has(site) ? { meter: 'pcc', contractedPowerKw: 120 } : undefined),
  };
  const commands = new CommandService({
    model,
    reader: { get: (site, p) => sites.get(site)?.cvt.get(p) },
    writer: bridgeCommandWriter((site, pointId) => (pointId.startsWith('ess1/') ? sites.get(site)?.bridge : undefined)),
    audit,
    reasons,
    now: clock.now,
    sleep: async (ms) => void (t += ms),
    readbackTimeoutMs: 3000,
  });

  return {
    dir, dbPath, db, clock, audit, auth, users, reasons, secrets, admin, adminToken: s.token, sites, commands,
    async user(username, roles, userSites) {
      const v = await users.create(admin, { username, displayName: username.toUpperCase(), password: USER_PW, roles, sites: userSites, mustChangePassword: false });
      const session = await auth.signIn(username, USER_PW, `ws-${username}`);
      return { principal: auth.validate(session.token), token: session.token, id: v.id };
    },
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const ALL: Capability[] = [
  'site.view', 'data.confidential', 'control.operate', 'control.setpoint', 'alarms.ack', 'config.edit', 'users.manage', 'data.export', 'study.run', 'system.administer',
];

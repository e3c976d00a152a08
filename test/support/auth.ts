/** Accounts for tests, created over the real API the way an administrator would. */
import type { SiteView } from '../../core/common';
import { connect, type TestClient } from './ws-client';

export interface Credentials {
  username: string;
  password: string;
}

export const ADMIN: Credentials = { username: 'admin', password: 'Kestrel-Harbour-42!' };
export const OPERATOR: Credentials = { username: 'operator1', password: 'Granite-Meadow-77!' };
export const VIEWER: Credentials = { username: 'viewer1', password: 'Willow-Lantern-19!' };

export const COMMAND_REASONS = [
  { id: 'grid-request', label: 'Grid operator request', appliesTo: 'command' as const, active: true },
  { id: 'maintenance', label: 'Planned maintenance', appliesTo: 'all' as const, active: true },
  { id: 'test', label: 'Commissioning test', appliesTo: 'command' as const, active: true },
];

export interface Bootstrapped {
  siteId: string;
  /** a client signed in as the administrator */
  admin: TestClient;
  admins: Credentials;
  operator: Credentials;
  viewer: Credentials;
}

/**
 * First start: creates the administrator with the setup code, then an operator and a viewer
 * granted the site, and a list of command reasons (required for commands).
 */
export async function bootstrapUsers(url: string, setupToken: string | undefined): Promise<Bootstrapped> {
  const admin = await connect(url);
  const s = await admin.call<{ token: string }>('auth.setup', { ...ADMIN, displayName: 'Site administrator', ...(setupToken ? { setupToken } : {}) });
  admin.session = s.token;
  const site = await admin.call<SiteView>('site.get');
  await admin.call('users.create', { ...OPERATOR, displayName: 'Olga Operator', roles: ['operator'], sites: [site.id], mustChangePassword: false });
  await admin.call('users.create', { ...VIEWER, displayName: 'Victor Viewer', roles: ['viewer'], sites: [site.id], mustChangePassword: false });
  for (const r of COMMAND_REASONS) await admin.call('reasons.upsert', r);
  await admin.call('reasons.setRequired', { kind: 'command', required: true });
  return { siteId: site.id, admin, admins: ADMIN, operator: OPERATOR, viewer: VIEWER };
}

/** A client signed in as `who`. */
export async function signedIn(url: string, who: Credentials): Promise<TestClient> {
  const c = await connect(url);
  await c.signIn(who.username, who.password);
  return c;
}

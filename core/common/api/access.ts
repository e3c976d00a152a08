/**
 * The map from every API method to what it needs (a session, a capability, where the site
 * comes from). The host's gate checks it before every call (core/host/gate.ts,
 * core/security/authorizer.ts). Adding a method: add its entry here; the type makes a missing
 * entry a compile error.
 */
import type { Capability } from '../security';
import type { MethodName } from './contract';

/**
 * What a method needs before the host runs it.
 *  - public: no session (sign-in screen);
 *  - session: any valid, unlocked session;
 *  - capability: the session's principal must hold one of `anyOf`; `site` says where the
 *    site to check comes from: the argument's `siteId` ('arg'), the host's active site
 *    ('current'), or the method filters by the principal's sites itself ('filtered').
 */
export type MethodAccess =
  | { access: 'public' }
  | { access: 'session' }
  | { access: 'capability'; anyOf: readonly Capability[]; site: 'arg' | 'current' | 'filtered' | 'none' };

const cap = (anyOf: readonly Capability[], site: 'arg' | 'current' | 'filtered' | 'none'): MethodAccess => ({
  access: 'capability',
  anyOf,
  site,
});

/**
 * Every API method and what it needs. The host checks this before every call; a method
 * without an entry must not be served (the type makes a missing entry a compile error, and a
 * test checks the runtime object too).
 */
export const METHOD_CAPABILITIES: { readonly [M in MethodName]: MethodAccess } = {
  // existing contract
  'host.info': { access: 'session' },
  'host.about': { access: 'session' },
  'session.current': { access: 'session' },
  'site.get': cap(['site.view'], 'current'),
  'points.list': cap(['site.view'], 'current'),
  'points.read': cap(['site.view'], 'current'),
  'devices.list': cap(['site.view'], 'current'),
  // an on-request read asks the device (bounded per device); browsing a device's address space is configuration work
  'devices.read': cap(['site.view'], 'current'),
  'devices.browse': cap(['config.edit'], 'current'),
  // which servers the application trusts is a security decision
  'devices.certificates': cap(['system.administer'], 'none'),
  'devices.certificates.trust': cap(['system.administer'], 'none'),
  'sim.get': cap(['site.view'], 'current'),
  'sim.set': cap(['control.operate'], 'current'),
  // control cycle (read-only)
  'control.status': cap(['site.view'], 'current'),
  // auth
  'auth.status': { access: 'public' },
  'auth.setup': { access: 'public' },
  'auth.signIn': { access: 'public' },
  'auth.signOut': { access: 'session' },
  'auth.reauth': { access: 'session' },
  'auth.changePassword': { access: 'session' },
  'auth.impersonate': cap(['system.administer'], 'none'),
  // users and roles: UserService narrows further (delegable roles, own sites)
  'users.list': cap(['users.manage'], 'filtered'),
  'users.create': cap(['users.manage'], 'filtered'),
  'users.update': cap(['users.manage'], 'filtered'),
  'users.setPassword': cap(['users.manage'], 'filtered'),
  'users.unlock': cap(['users.manage'], 'filtered'),
  'users.delete': cap(['system.administer'], 'none'),
  'roles.list': cap(['users.manage'], 'none'),
  'roles.create': cap(['system.administer'], 'none'),
  'roles.update': cap(['system.administer'], 'none'),
  'roles.delete': cap(['system.administer'], 'none'),
  // audit: query filtered to the principal's sites
  'audit.query': cap(['data.confidential'], 'filtered'),
  'audit.verify': cap(['system.administer'], 'none'),
  'audit.export': cap(['data.export'], 'filtered'),
  // commands: CommandService checks operate vs setpoint per target
  'command.select': cap(['control.operate'], 'arg'),
  'command.execute': cap(['control.operate', 'control.setpoint'], 'arg'),
  // reasons
  'reasons.list': { access: 'session' },
  'reasons.upsert': cap(['system.administer'], 'none'),
  'reasons.setRequired': cap(['system.administer'], 'none'),
  // open sessions of every user: administrators only
  'sessions.list': cap(['system.administer'], 'none'),
  'sessions.revoke': cap(['system.administer'], 'none'),
  // sign-in lockouts of every name and workstation: administrators only
  'lockouts.list': cap(['system.administer'], 'none'),
  'lockouts.clear': cap(['system.administer'], 'none'),
  // secrets (protocol credentials, API keys): values are never returned
  'secrets.list': cap(['config.edit'], 'filtered'),
  'secrets.set': cap(['config.edit'], 'filtered'),
  'secrets.delete': cap(['config.edit'], 'filtered'),
  // alarms (ISA-18.2): seeing them is site.view; acting on them is alarms.ack
  'alarms.list': cap(['site.view'], 'current'),
  'alarms.ack': cap(['alarms.ack'], 'current'),
  'alarms.shelve': cap(['alarms.ack'], 'current'),
  'alarms.unshelve': cap(['alarms.ack'], 'current'),
  'alarms.comment': cap(['alarms.ack'], 'current'),
  'alarms.reset': cap(['alarms.ack'], 'current'),
  // taking an alarm out of service changes the alarm system itself (management of change)
  'alarms.setOutOfService': cap(['config.edit'], 'current'),
  'alarms.setAssetMode': cap(['control.operate'], 'current'),
  'alarms.history': cap(['site.view'], 'current'),
  'alarms.kpis': cap(['site.view'], 'current'),
  'alarms.export': cap(['data.export'], 'current'),
  'alarms.definitions.list': cap(['site.view'], 'current'),
  'alarms.definitions.validate': cap(['config.edit'], 'current'),
  'alarms.definitions.upsert': cap(['config.edit'], 'current'),
  'alarms.definitions.delete': cap(['config.edit'], 'current'),
  'alarms.definitions.overrides': cap(['config.edit'], 'current'),
  'alarms.definitions.export': cap(['config.edit'], 'current'),
  // historian
  'history.query': cap(['site.view'], 'current'),
  'history.forecast': cap(['site.view'], 'current'),
  'history.export': cap(['data.export'], 'current'),
  'history.exportCancel': cap(['data.export'], 'current'),
  'history.backup': cap(['system.administer'], 'none'),
  // saved trend views (core/trends): own views with site.view; shared ones need config.edit (checked by the store)
  'trends.views.list': cap(['site.view'], 'current'),
  'trends.views.save': cap(['site.view'], 'current'),
  'trends.views.delete': cap(['site.view'], 'current'),
  // energy statistics and KPIs (read-only, computed in the KPI worker)
  'kpi.summary': cap(['site.view'], 'current'),
  'kpi.definitions': cap(['site.view'], 'current'),
  // a report is an export of the site's data
  'kpi.report': cap(['data.export'], 'current'),
  // study mode (core/study): a planner's what-ifs in their own file, never the field; an export
  // of a study's results also needs data.export (checked by the handler)
  'study.list': cap(['study.run'], 'current'),
  'study.fromSite': cap(['study.run'], 'current'),
  'study.get': cap(['study.run'], 'current'),
  'study.save': cap(['study.run'], 'current'),
  'study.delete': cap(['study.run'], 'current'),
  'study.run': cap(['study.run'], 'current'),
  'study.cancel': cap(['study.run'], 'current'),
  'study.status': cap(['study.run'], 'current'),
  'study.profileCsv': cap(['study.run'], 'current'),
  'study.export': cap(['study.run'], 'current'),
  'study.import': cap(['study.run'], 'current'),
  'devices.import.preview': cap(['config.edit'], 'current'),
  'devices.import.apply': cap(['config.edit'], 'current'),
  // the communications page (core/common/comms.ts): raw frames, bulk configuration, discovery
  // and CSV registration are a technician's configuration work; exporting the device list too
  'devices.frames': cap(['config.edit'], 'current'),
  'devices.frames.capture': cap(['config.edit'], 'current'),
  'devices.configure': cap(['config.edit'], 'current'),
  'discovery.start': cap(['config.edit'], 'current'),
  'discovery.status': cap(['config.edit'], 'current'),
  'discovery.cancel': cap(['config.edit'], 'current'),
  'discovery.accept': cap(['config.edit'], 'current'),
  'devices.csv.preview': cap(['config.edit'], 'current'),
  'devices.csv.apply': cap(['config.edit'], 'current'),
  'devices.csv.export': cap(['config.edit'], 'current'),
  // control explanation and run-time site parameters (CommandService.setParameter checks control.setpoint)
  'control.active': cap(['site.view'], 'current'),
  'site.parameters.set': cap(['control.setpoint'], 'current'),
  // plans: reading them is site.view; asking for a new plan (or another objective) is operating the site
  'plan.status': cap(['site.view'], 'current'),
  'plan.list': cap(['site.view'], 'current'),
  'plan.get': cap(['site.view'], 'current'),
  'plan.lp': cap(['site.view'], 'current'),
  'plan.replan': cap(['control.operate'], 'current'),
  // operating modes: reading is site.view; changing the mode or its calendar is operating the site (CommandService.setMode checks it again)
  'modes.status': cap(['site.view'], 'current'),
  'modes.set': cap(['control.operate'], 'current'),
  'modes.calendar.set': cap(['control.operate'], 'current'),
  'forecast.accuracy': cap(['site.view'], 'current'),
};

export function methodAccess(method: string): MethodAccess | undefined {
  return Object.prototype.hasOwnProperty.call(METHOD_CAPABILITIES, method)
    ? METHOD_CAPABILITIES[method as keyof typeof METHOD_CAPABILITIES]
    : undefined;
}

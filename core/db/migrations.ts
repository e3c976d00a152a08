/**
 * The application database's migrations (accounts, sessions, roles, audit, reasons, secrets,
 * administrator edits of alarm definitions).
 * Append only: never edit a migration that shipped; add the next version instead.
 */
import type { Migration } from './migrate';

export const APP_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'security-and-audit',
    sql: `
CREATE TABLE roles (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  capabilities TEXT NOT NULL,            -- JSON array of capability ids
  delegable INTEGER NOT NULL DEFAULT 0,  -- may be assigned by a non-administrator user manager
  builtin INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,          -- lower-case
  display_name TEXT NOT NULL,
  provider TEXT NOT NULL DEFAULT 'local', -- 'local' | 'ldap' | ...
  password_hash TEXT,                     -- scrypt$N$r$p$salt$hash; NULL for external providers
  must_change_password INTEGER NOT NULL DEFAULT 0,
  password_changed_at INTEGER,
  disabled INTEGER NOT NULL DEFAULT 0,
  all_sites INTEGER NOT NULL DEFAULT 0,
  valid_from INTEGER,
  valid_to INTEGER,
  created_at INTEGER NOT NULL,
  created_by TEXT,
  updated_at INTEGER NOT NULL,
  last_login_at INTEGER
) STRICT;

CREATE TABLE user_roles (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role_id TEXT NOT NULL REFERENCES roles(id),
  PRIMARY KEY (user_id, role_id)
) STRICT;

CREATE TABLE user_sites (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  site_id TEXT NOT NULL,
  PRIMARY KEY (user_id, site_id)
) STRICT;

-- Failed sign-ins are throttled per user name, known or not, so lockout does not reveal
-- which names exist.
CREATE TABLE login_throttle (
  username TEXT PRIMARY KEY,
  failures INTEGER NOT NULL DEFAULT 0,
  last_failure_at INTEGER,
  locked_until INTEGER
) STRICT;

CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,            -- SHA-256 of the bearer token; the token itself is never stored
  id TEXT NOT NULL UNIQUE,                -- short public id for listing and audit
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  impersonator_id TEXT REFERENCES users(id) ON DELETE CASCADE,
  workstation TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_activity_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  reauth_at INTEGER,
  revoked_at INTEGER
) STRICT;
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE audit (
  seq INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  type TEXT NOT NULL,
  actor TEXT NOT NULL,
  impersonator TEXT,
  workstation TEXT,
  site_id TEXT,
  asset_id TEXT,
  target TEXT,
  outcome TEXT NOT NULL,
  reason TEXT,
  rule TEXT,
  before_json TEXT,
  after_json TEXT,
  details_json TEXT,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
) STRICT;
CREATE INDEX audit_ts ON audit(ts);
CREATE INDEX audit_actor ON audit(actor, seq);
CREATE INDEX audit_site ON audit(site_id, seq);
CREATE INDEX audit_asset ON audit(asset_id, seq);
-- Append-only for the application (defence in depth: a bug or an injected statement cannot
-- rewrite history). Someone with the file can drop these; the hash chain then tells.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- Keyed anchor of the chain's head: detects truncation of the newest entries by someone
-- who does not hold the key.
CREATE TABLE audit_anchor (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL,
  mac TEXT NOT NULL
) STRICT;

CREATE TABLE reasons (
  id TEXT PRIMARY KEY,
  label TEXT NOT NULL,
  applies_to TEXT NOT NULL CHECK (applies_to IN ('command', 'config', 'all')),
  active INTEGER NOT NULL DEFAULT 1,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE secrets (
  id TEXT PRIMARY KEY,
  site_id TEXT,
  description TEXT NOT NULL DEFAULT '',
  key_id TEXT NOT NULL,                   -- fingerprint of the data key that sealed it
  iv BLOB NOT NULL,
  tag BLOB NOT NULL,
  ciphertext BLOB NOT NULL,
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL
) STRICT;
`,
  },
  {
    version: 2,
    name: 'alarm-definition-overrides',
    sql: `
-- Administrator edits of alarm definitions (ISA-18.2 master alarm database), applied over the
-- site file's definitions when the services open. definition_json NULL = deleted.
CREATE TABLE alarm_definition_overrides (
  id TEXT PRIMARY KEY,
  definition_json TEXT NULL,
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL
) STRICT;
`,
  },
  {
    version: 3,
    name: 'site-parameter-overrides',
    sql: `
-- Site parameters changed from the screens (contracted power, peak-shaving limit) through the
-- command pipeline; the site file keeps the defaults. One row per site and parameter.
CREATE TABLE site_parameter_overrides (
  site_id TEXT NOT NULL,
  parameter TEXT NOT NULL,
  value REAL NOT NULL,
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL,
  reason TEXT NULL,
  comment TEXT NULL,
  PRIMARY KEY (site_id, parameter)
) STRICT;
`,
  },
  {
    version: 4,
    name: 'login-throttle-per-source',
    sql: `
-- Sign-in back-off per user name AND source (the workstation: remote address), so someone who
-- knows a name cannot keep its owner locked out from elsewhere; login_throttle keeps the
-- account-wide back-off (all sources together, short).
CREATE TABLE login_throttle_source (
  username TEXT NOT NULL,
  source TEXT NOT NULL,
  failures INTEGER NOT NULL DEFAULT 0,
  last_failure_at INTEGER,
  locked_until INTEGER,
  PRIMARY KEY (username, source)
) STRICT;
`,
  },
  {
    version: 5,
    name: 'trend-views',
    sql: `
-- Saved trend views (issue #9): per user (owner = username) or shared with the site (owner
-- NULL); the name is unique per scope, case-insensitive (name_key). Default groups are built
-- from the site model and not stored.
CREATE TABLE trend_views (
  id TEXT PRIMARY KEY,
  site_id TEXT NOT NULL,
  owner TEXT NULL,
  name TEXT NOT NULL,
  name_key TEXT NOT NULL,
  pens_json TEXT NOT NULL,
  range_json TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX trend_views_name ON trend_views (site_id, COALESCE(owner, ''), name_key);
`,
  },
  {
    version: 6,
    name: 'operating-modes',
    sql: `
-- The site's operating mode (issue #11 item 3): the operator's choice (through the command
-- pipeline, with its reason; it holds until the next calendar change, or until released) and
-- the mode calendar edited from the screens (the site file's calendar until then).
CREATE TABLE operating_modes (
  site_id TEXT PRIMARY KEY,
  override_mode TEXT NULL,
  override_since INTEGER NULL,
  override_until INTEGER NULL,
  override_by TEXT NULL,
  override_reason TEXT NULL,
  override_comment TEXT NULL,
  calendar_json TEXT NULL,
  default_mode TEXT NULL,
  calendar_updated_at INTEGER NULL,
  calendar_updated_by TEXT NULL,
  calendar_reason TEXT NULL
) STRICT;
`,
  },
];

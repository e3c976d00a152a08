/**
 * Errors from the core in sentences, for the screens (pure). No schema or API text reaches a
 * person: an argument the core rejected (`users.create: displayName: Too big: expected string
 * to have <=100 characters`) becomes "Display name is too long: at most 100 characters."; a
 * refusal names what is missing and the rule that refused, in words.
 *
 * `errorText(e, labels)` is the one mapper every screen uses; `labels` names the form's fields
 * (`{ displayName: 'Display name' }`), otherwise the field name is turned into words.
 * `errorField(e)` tells a form under which field to show the sentence.
 */
import type { ApiErrorCode } from '../../../core/common/api/contract';
import { CAPABILITY_LABELS, type Capability } from '../../../core/common/security';

interface ErrLike {
  code?: ApiErrorCode | string;
  message?: string;
  details?: { rule?: string; path?: string };
}

export type FieldLabels = Readonly<Record<string, string>>;

export function errorRule(e: unknown): string | undefined {
  return (e as ErrLike | null)?.details?.rule;
}

/** The form field a bad-request error is about (last named segment of its path), if any. */
export function errorField(e: unknown): string | undefined {
  const err = (e ?? {}) as ErrLike;
  if (err.details?.rule === 'password.policy') return 'password';
  if (err.code !== 'bad-request') return undefined;
  const path = err.details?.path ?? pathFromMessage(err.message ?? '');
  if (!path || path === '(root)') return undefined;
  const segs = path.split(/[.[\]]+/).filter((s) => s && !/^\d+$/.test(s));
  return segs[segs.length - 1];
}

/** "displayName" -> "Display name", "contractedPowerKw" -> "Contracted power kw" (labels win). */
export function fieldLabel(field: string, labels: FieldLabels = {}): string {
  const own = labels[field];
  if (own) return own;
  const words = field
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words ? words[0]!.toUpperCase() + words.slice(1) : 'A value';
}

function pathFromMessage(message: string): string | undefined {
  // "<method>: <path>: <problem>" as the dispatcher writes it
  const m = /^[a-z][\w.]*: ([^:]+): /i.exec(message);
  return m?.[1];
}

/** The schema's problem ("Too big: expected string to have <=100 characters") in words about `label`. */
export function schemaProblemText(label: string, problem: string): string {
  let m: RegExpExecArray | null;
  if ((m = /expected string to have <=(\d+) characters/.exec(problem))) return `${label} is too long: at most ${m[1]} characters.`;
  if ((m = /expected string to have >=(\d+) characters/.exec(problem))) return m[1] === '1' ? `${label} is required.` : `${label} is too short: at least ${m[1]} characters.`;
  if ((m = /expected array to have <=(\d+) items/.exec(problem))) return `${label}: at most ${m[1]} entries.`;
  if ((m = /expected array to have >=(\d+) items/.exec(problem))) return m[1] === '1' ? `${label}: choose at least one.` : `${label}: at least ${m[1]} entries.`;
  if ((m = /expected number to be <(=?)(-?[\d.e+]+)/.exec(problem))) return `${label} must be ${m[1] ? 'at most' : 'less than'} ${m[2]}.`;
  if ((m = /expected number to be >(=?)(-?[\d.e+]+)/.exec(problem))) return `${label} must be ${m[1] ? 'at least' : 'more than'} ${m[2]}.`;
  if (/received undefined|received null/.test(problem)) return `${label} is required.`;
  if (/expected (number|int), received NaN/.test(problem) || /expected number, received string/.test(problem)) return `${label} must be a number.`;
  if (/expected int, received number/.test(problem)) return `${label} must be a whole number.`;
  if (/expected boolean/.test(problem)) return `${label} must be yes or no.`;
  if ((m = /Invalid option: expected one of (.+)$/.exec(problem))) return `${label} must be one of ${m[1]!.replace(/"/g, '').split('|').join(', ')}.`;
  if ((m = /Unrecognized keys?: (.+)$/.exec(problem))) return `This screen sent something the core does not accept (${m[1]!.replace(/"/g, '')}); reload the page.`;
  if (/^Invalid (input|string|format)/i.test(problem)) return `${label} is not valid.`;
  // a schema's own sentence ("an id: a letter, then letters, digits ...")
  const own = problem.replace(/^Invalid input:?\s*/i, '').trim();
  return own ? `${label} must be ${own.replace(/\.$/, '')}.` : `${label} is not valid.`;
}

function capabilityText(message: string): string | null {
  const m = /lacks '([a-z.]+)'/.exec(message);
  if (!m) return null;
  const cap = m[1] as Capability;
  const label = CAPABILITY_LABELS[cap];
  return label ? `Your role does not allow this (it needs the permission “${label}”). Ask an administrator if you need it.` : null;
}

function capitalise(s: string): string {
  return s ? s[0]!.toUpperCase() + s.slice(1) : s;
}

function sentence(s: string): string {
  const t = capitalise(s.trim());
  return /[.!?…]$/.test(t) ? t : `${t}.`;
}

/** One sentence (or two) for an error from the core or the transport. */
export function errorText(e: unknown, labels: FieldLabels = {}): string {
  const err = (e ?? {}) as ErrLike;
  const message = err.message || String(e);
  const rule = err.details?.rule;
  switch (err.code) {
    case 'forbidden': {
      if (rule === 'role.missing-capability') return capabilityText(message) ?? 'Your role does not allow this.';
      if (rule === 'site.not-granted') return 'This site is not granted to your account.';
      if (rule === 'impersonation.read-only') return 'Not allowed while impersonating another user: impersonation is for looking, not for operating.';
      if (rule === 'session.locked') return 'The screen is locked: sign in again to continue.';
      // an unmapped refusal keeps its rule id: the audit log files it under that name
      return `${sentence(`Not permitted: ${stripMethod(message)}`).replace(/\.$/, '')}${rule ? ` (rule ${rule})` : ''}.`;
    }
    case 'unauthenticated':
      return rule === 'session.expired' ? 'Your session has ended: sign in again.' : 'You are not signed in (or the session ended): sign in again.';
    case 'bad-request': {
      if (rule === 'password.policy') return sentence(`The password is not accepted: ${message.replace(/^password: /, '').replace(/; /g, ', ')}`);
      const field = errorField(e);
      const problem = message.replace(/^[a-z][\w.]*: [^:]+: /i, '').replace(/^[a-z][\w.]*: /i, '');
      if (field) return schemaProblemText(fieldLabel(field, labels), problem);
      return sentence(`The request was not accepted: ${problem}`);
    }
    case 'not-found':
      return sentence(`Not found: ${stripMethod(message)}`);
    case 'conflict':
      return sentence(stripMethod(message));
    case 'unavailable':
      return 'The ES Manager core cannot be reached right now; the screen reconnects by itself. Try again in a moment.';
    case 'internal':
      return 'The core could not do this because of an internal error (it is in the core log). Try again; if it persists, tell your administrator.';
    default:
      return sentence(stripMethod(message));
  }
}

/** "users.create failed: x" / "users.create: x" -> "x" */
function stripMethod(message: string): string {
  return message.replace(/^[a-z]+\.[\w.]+(?: failed)?: /i, '');
}

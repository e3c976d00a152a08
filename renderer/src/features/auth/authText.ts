/** Texts and checks of the sign-in screens (pure; the core enforces the same rules). */
import type { PasswordPolicy } from '../../../../core/common/security';
import { errorText } from '../../api/errorText';

interface ErrLike {
  code?: string;
  message?: string;
  details?: { rule?: string };
}

/** A "locked until" time mentioned by the core (ISO or epoch ms), formatted for people. */
function lockedUntil(message: string, formatTime: (ms: number) => string): string | null {
  const iso = /(\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?Z?)/.exec(message);
  if (iso?.[1]) {
    const t = Date.parse(iso[1]);
    if (Number.isFinite(t)) return formatTime(t);
  }
  const ms = /\b(1\d{12})\b/.exec(message);
  if (ms?.[1]) return formatTime(Number(ms[1]));
  return null;
}

/** Headline + detail for a failed sign-in. */
export function signInErrorText(e: unknown, formatTime: (ms: number) => string = (ms) => new Date(ms).toLocaleString()): string {
  const err = (e ?? {}) as ErrLike;
  const message = err.message ?? String(e);
  switch (err.details?.rule) {
    case 'auth.bad-credentials':
      return 'Wrong user name or password.';
    case 'auth.locked-out': {
      const until = lockedUntil(message, formatTime);
      return until ? `Locked out after repeated failures until ${until}. ${message}` : `Locked out after repeated failures: ${message}`;
    }
    case 'account.expired':
      return `Your access period has expired: ${message}. Ask an administrator to extend it.`;
    case 'account.not-yet-valid':
      return `Your access period has not started yet: ${message}`;
    case 'account.disabled':
      return `This account is disabled: ${message}`;
    case 'setup.token':
      return `The setup code is wrong or missing: ${message}`;
    case 'password.policy':
      return `The password does not meet the policy: ${message}`;
  }
  if (err.code === 'unauthenticated' && !err.details?.rule) return `Sign-in failed: ${message}`;
  return errorText(e);
}

export function policyText(p: PasswordPolicy | null): string {
  if (!p) return 'At least 12 characters.';
  const classes = p.minClasses > 1 ? `, with at least ${p.minClasses} of: lower case, upper case, digits, other characters` : '';
  return `${p.minLength} to ${p.maxLength} characters${classes}; not a common password, not containing your user name.`;
}

export function characterClasses(pw: string): number {
  let n = 0;
  if (/[a-z]/.test(pw)) n++;
  if (/[A-Z]/.test(pw)) n++;
  if (/[0-9]/.test(pw)) n++;
  if (/[^A-Za-z0-9]/.test(pw)) n++;
  return n;
}

/** First problem with a new password the UI can see, or null (the core checks common passwords). */
export function passwordProblem(p: PasswordPolicy | null, pw: string, confirm: string, username = ''): string | null {
  const min = p?.minLength ?? 12;
  const max = p?.maxLength ?? 256;
  if (pw.length < min) return `At least ${min} characters (${pw.length} so far).`;
  if (pw.length > max) return `At most ${max} characters.`;
  if (p && characterClasses(pw) < p.minClasses) return `Use at least ${p.minClasses} kinds of characters (lower case, upper case, digits, other).`;
  if (username && pw.toLowerCase().includes(username.toLowerCase())) return 'The password must not contain the user name.';
  if (pw !== confirm) return 'The two passwords differ.';
  return null;
}

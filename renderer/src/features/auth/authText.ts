/** Texts and checks of the sign-in screens (pure; the core enforces the same rules). */
import type { PasswordPolicy } from '../../../../core/common/security';
import { errorText } from '../../api/errorText';
import { i18n } from '../../i18n/i18n';

const t = i18n.t.bind(i18n);

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
      return t('auth.err.badCredentials');
    case 'auth.locked-out': {
      const until = lockedUntil(message, formatTime);
      return until ? t('auth.err.lockedUntil', { until, message }) : t('auth.err.locked', { message });
    }
    case 'account.expired':
      return t('auth.err.expired', { message });
    case 'account.not-yet-valid':
      return t('auth.err.notYetValid', { message });
    case 'account.disabled':
      return t('auth.err.disabled', { message });
    case 'setup.token':
      return t('auth.err.setupToken', { message });
    case 'password.policy':
      return t('auth.err.policy', { message });
  }
  if (err.code === 'unauthenticated' && !err.details?.rule) return t('auth.err.failed', { message });
  return errorText(e);
}

export function policyText(p: PasswordPolicy | null): string {
  if (!p) return t('auth.pw.default');
  const classes = p.minClasses > 1 ? t('auth.pw.classes', { count: p.minClasses }) : '';
  return t('auth.pw.policy', { min: p.minLength, max: p.maxLength, classes });
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
  if (pw.length < min) return t('auth.pw.tooShort', { min, n: pw.length });
  if (pw.length > max) return t('auth.pw.tooLong', { max });
  if (p && characterClasses(pw) < p.minClasses) return t('auth.pw.kinds', { count: p.minClasses });
  if (username && pw.toLowerCase().includes(username.toLowerCase())) return t('auth.pw.hasUser');
  if (pw !== confirm) return t('auth.pw.differ');
  return null;
}

/**
 * One sentence for an error from the core, for the screens (pure). Refusals name their rule so
 * the user (and whoever reads the audit log) knows which rule said no.
 */
import type { ApiErrorCode } from '../../../core/common/api/contract';

interface ErrLike {
  code?: ApiErrorCode | string;
  message?: string;
  details?: { rule?: string; path?: string };
}

export function errorRule(e: unknown): string | undefined {
  return (e as ErrLike | null)?.details?.rule;
}

export function errorText(e: unknown): string {
  const err = (e ?? {}) as ErrLike;
  const message = err.message || String(e);
  const rule = err.details?.rule;
  switch (err.code) {
    case 'forbidden':
      return `Not permitted${rule ? ` (rule ${rule})` : ''}: ${message}`;
    case 'unauthenticated':
      return `Not signed in${rule ? ` (rule ${rule})` : ''}: ${message}`;
    case 'bad-request':
      return `Invalid input${err.details?.path ? ` at ${err.details.path}` : ''}: ${message}`;
    case 'not-found':
      return `Not found: ${message}`;
    case 'conflict':
      return `Conflict${rule ? ` (rule ${rule})` : ''}: ${message}`;
    case 'unavailable':
      return `The core is not reachable: ${message}`;
    default:
      return rule ? `${message} (rule ${rule})` : message;
  }
}

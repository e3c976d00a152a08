import { ApiError, type ApiErrorBody, type ApiErrorCode } from '../../../core/common/api/contract';

const CODES: ReadonlySet<string> = new Set<ApiErrorCode>([
  'bad-request',
  'unknown-method',
  'unauthenticated',
  'forbidden',
  'not-found',
  'conflict',
  'unavailable',
  'internal',
]);

function isBody(x: unknown): x is ApiErrorBody {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return typeof o.code === 'string' && typeof o.message === 'string';
}

/** Build the renderer-side ApiError from a server error body (WebSocket `result` with ok:false). */
export function apiErrorFromBody(body: ApiErrorBody): ApiError {
  const code = (CODES.has(body.code) ? body.code : 'internal') as ApiErrorCode;
  const details: { path?: string; rule?: string } = {};
  if (typeof body.path === 'string') details.path = body.path;
  if (typeof body.rule === 'string') details.rule = body.rule;
  return new ApiError(code, body.message, details);
}

/**
 * Normalise whatever a transport rejected with into an ApiError. The Electron preload should
 * reject with a plain `{code, message, path?, rule?}` object (structured-cloneable); an Error
 * whose message embeds such a JSON body (what ipcRenderer.invoke makes of a thrown error) is
 * understood too. Anything else becomes `internal`.
 */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (isBody(e) && !(e instanceof Error)) return apiErrorFromBody(e);
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof Error && isBody(e) && CODES.has((e as unknown as ApiErrorBody).code)) {
    return apiErrorFromBody(e as unknown as ApiErrorBody);
  }
  const brace = message.indexOf('{');
  if (brace >= 0) {
    try {
      const parsed: unknown = JSON.parse(message.slice(brace));
      if (isBody(parsed)) return apiErrorFromBody(parsed);
    } catch {
      // not JSON: fall through
    }
  }
  return new ApiError('internal', message);
}

export { ApiError };

/**
 * libiec61850's error and cause codes as sentences people read (IedClientError,
 * ControlAddCause, ControlLastApplError, the control models).
 */

const IED_CLIENT_ERRORS: Record<number, string> = {
  0: 'no error',
  1: 'the device is not connected',
  2: 'the connection is already open',
  3: 'the connection to the device was lost',
  4: 'the device does not support this service or its parameters',
  5: 'the device refused the connection',
  6: 'too many requests are waiting for the device',
  10: 'the request was malformed (invalid argument)',
  11: 'the report control block refers to a different data set than expected',
  12: 'the object reference is not valid (syntax)',
  13: 'the device answered with a value of an unexpected type',
  20: 'the device did not answer in time',
  21: 'the device refused access (access control)',
  22: 'the object does not exist on the device',
  23: 'the object already exists on the device',
  24: 'the device does not allow this access to the object',
  25: 'the device expected a value of another type',
  26: 'the object or service is temporarily unavailable on the device',
  27: 'the object is not defined on the device',
  28: 'the address is not valid on the device',
  29: 'the device reported a hardware fault',
  30: 'the device does not support this data type',
  31: 'the attributes given are inconsistent',
  32: 'the device rejected the value as invalid',
  33: 'the object is invalidated on the device',
  34: 'the device sent a malformed message',
  98: 'the service is not implemented by the client library',
  99: 'unknown error',
};

/** A sentence for an IedClientError code, with the code for support ("…(IedClientError 20)"). */
export function iedErrorText(code: number): string {
  return `${IED_CLIENT_ERRORS[code] ?? 'unknown error'} (IedClientError ${code})`;
}

/** Error carrying the libiec61850 code next to its sentence. */
export class IedError extends Error {
  constructor(
    readonly code: number,
    what: string,
  ) {
    super(`${what}: ${iedErrorText(code)}`);
    this.name = 'IedError';
  }
}

const ADD_CAUSES: Record<number, string> = {
  0: 'unknown cause',
  1: 'not supported',
  2: 'blocked by the switching hierarchy',
  3: 'the select failed',
  4: 'invalid position',
  5: 'the position is already reached',
  6: 'parameter change in execution',
  7: 'step limit reached',
  8: 'blocked by the mode',
  9: 'blocked by the process',
  10: 'blocked by interlocking',
  11: 'blocked by synchrocheck',
  12: 'a command is already in execution',
  13: 'blocked by the health of the equipment',
  14: 'another control (1 of n) is in progress',
  15: 'aborted by cancel',
  16: 'time limit over',
  17: 'aborted by a trip',
  18: 'the object is not selected',
  19: 'the object is already selected',
  20: 'no access authority',
  21: 'ended with overshoot',
  22: 'aborted due to deviation',
  23: 'aborted by loss of communication',
  24: 'aborted by command',
  25: 'no additional cause',
  26: 'inconsistent parameters',
  27: 'locked by another client',
};

/** A sentence for a ControlAddCause ("blocked by interlocking (AddCause 10)"). */
export function addCauseText(code: number): string {
  return `${ADD_CAUSES[code] ?? 'unknown cause'} (AddCause ${code})`;
}

const LAST_APPL_ERRORS: Record<number, string> = {
  0: 'no error',
  1: 'unknown error',
  2: 'timeout test not ok',
  3: 'operator test not ok',
};

export function lastApplErrorText(code: number): string {
  return LAST_APPL_ERRORS[code] ?? `error ${code}`;
}

export const CONTROL_MODELS = ['status-only', 'direct-with-normal-security', 'sbo-with-normal-security', 'direct-with-enhanced-security', 'sbo-with-enhanced-security'] as const;
export type ControlModelName = (typeof CONTROL_MODELS)[number];

export function controlModelName(code: number): ControlModelName | `unknown (${number})` {
  return CONTROL_MODELS[code] ?? `unknown (${code})`;
}

/** Originator categories: with the protocol's profile schema (core/common/profiles/iec61850.ts). */
import { OR_CAT } from '../../core/common/profiles/iec61850';
export { OR_CAT };
export type OrCat = keyof typeof OR_CAT;

const DATA_ACCESS_ERRORS: Record<number, string> = {
  0: 'the object is invalidated',
  1: 'hardware fault',
  2: 'temporarily unavailable',
  3: 'access denied',
  4: 'the object is undefined',
  5: 'invalid address',
  6: 'type unsupported',
  7: 'type inconsistent',
  8: 'object attribute inconsistent',
  9: 'access unsupported',
  10: 'the object does not exist',
  11: 'the value is invalid',
};

/** A sentence for an MMS DataAccessError returned in place of a value. */
export function dataAccessErrorText(code: number): string {
  return `${DATA_ACCESS_ERRORS[code] ?? 'unknown data access error'} (DataAccessError ${code})`;
}

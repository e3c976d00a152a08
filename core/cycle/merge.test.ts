import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { SetpointRequest } from './controller';
import { mergeRequests } from './merge';

const T = 'ess/SetActivePower';
const ranked = (...rs: Array<[string, SetpointRequest | undefined]>) =>
  rs.map(([controllerId, r]) => ({ controllerId, requests: new Map(r ? [[T, r]] : []) }));

describe('mergeRequests (highest priority first)', () => {
  const rows: Array<[string, ReturnType<typeof ranked>, number | null, string, string]> = [
    ['nobody asks: nothing is written', ranked(['a', undefined]), null, '', ''],
    ['a value within the bounds of higher ones', ranked(['hi', { max: 10, why: 'cap' }], ['lo', { value: 4, why: 'want 4' }]), 4, 'lo', 'value'],
    ['a value clamped by a higher bound', ranked(['hi', { max: 3, why: 'cap 3' }], ['lo', { value: 4, why: 'want 4' }]), 3, 'hi', 'bound'],
    ['a lower bound cannot move a higher value', ranked(['hi', { value: 5, why: 'five' }], ['lo', { min: 8, why: 'at least 8' }]), 5, 'hi', 'value'],
    ['a lower value cannot overwrite a higher one', ranked(['hi', { value: 5, why: 'five' }], ['lo', { value: -5, why: 'minus five' }]), 5, 'hi', 'value'],
    ['a lower bound cut at a higher edge keeps the higher source', ranked(['hi', { max: 0, why: 'no discharge' }], ['mid', { min: 7, why: 'need 7' }], ['lo', { value: -5, why: 'charge' }]), 0, 'hi', 'bound'],
    ['the first fallback when nobody asks a value', ranked(['a', { fallback: -2, why: 'recharge' }], ['b', { fallback: 3, why: 'other' }]), -2, 'a', 'fallback'],
    ['a fallback is bounded by lower-priority bounds too', ranked(['a', { fallback: -2, why: 'recharge' }], ['b', { min: 0, why: 'no charge' }]), 0, 'b', 'bound'],
    ['only bounds: the point nearest 0 kW', ranked(['a', { min: 2, why: 'at least 2' }]), 2, 'a', 'bound'],
    ['non-finite requests are ignored', ranked(['a', { value: Number.NaN, min: Number.NaN, why: 'broken' }], ['b', { value: 1, why: 'one' }]), 1, 'b', 'value'],
  ];
  for (const [name, input, value, source, how] of rows)
    it(name, () => {
      const out = mergeRequests(input);
      if (value === null) return assert.deepEqual(out, []);
      assert.equal(out.length, 1);
      assert.equal(out[0]?.value, value);
      assert.equal(out[0]?.source, source);
      assert.equal(out[0]?.how, how);
    });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPasswordPolicy, DEFAULT_SCRYPT, PasswordHasher, TEST_SCRYPT } from './password';

test('production scrypt defaults are at least N=2^15, r=8, p=1', () => {
  assert.ok(DEFAULT_SCRYPT.log2N >= 15 && DEFAULT_SCRYPT.r >= 8 && DEFAULT_SCRYPT.p >= 1);
});

test('hash and verify; salts differ; wrong passwords and garbage fail', async () => {
  const h = new PasswordHasher(TEST_SCRYPT);
  const a = await h.hash('Correct horse 42');
  const b = await h.hash('Correct horse 42');
  assert.notEqual(a, b);
  assert.match(a, /^scrypt\$10\$8\$1\$/);
  assert.equal(await h.verify('Correct horse 42', a), true);
  assert.equal(await h.verify('correct horse 42', a), false);
  assert.equal(await h.verify('x', null), false);
  assert.equal(await h.verify('x', 'scrypt$30$8$1$AAAA$BBBB'), false, 'absurd parameters are not even tried');
  assert.equal(await h.verify('x', 'plain'), false);
});

test('weaker hashes are flagged for rehash', async () => {
  const weak = await new PasswordHasher(TEST_SCRYPT).hash('Correct horse 42');
  assert.equal(new PasswordHasher({ log2N: 11, r: 8, p: 1 }).needsRehash(weak), true);
  assert.equal(new PasswordHasher(TEST_SCRYPT).needsRehash(weak), false);
});

test('password policy', () => {
  assert.deepEqual(checkPasswordPolicy('Tr0ub4dor&3-long'), []);
  assert.ok(checkPasswordPolicy('Short1!').some((m) => /at least 12/.test(m)));
  assert.ok(checkPasswordPolicy('alllowercaseletters').some((m) => /lower case, upper case/.test(m)));
  assert.ok(checkPasswordPolicy('Password123!').some((m) => /common/.test(m)));
  assert.ok(checkPasswordPolicy('aaaaaaaaaaaaaaaa', { minLength: 12, maxLength: 256, minClasses: 1 }).some((m) => /repeated/.test(m)));
  assert.ok(checkPasswordPolicy('xX-alice-2024-xX', undefined, { username: 'alice' }).some((m) => /user name/.test(m)));
  assert.ok(checkPasswordPolicy('A1' + 'b'.repeat(300)).some((m) => /at most/.test(m)));
});

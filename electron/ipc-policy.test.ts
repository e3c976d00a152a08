import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { isAllowedNavigation, isTrustedSender } from './ipc-policy';

const index = '/opt/es-manager/dist/renderer/index.html';

describe('IPC sender validation', () => {
  it('trusts only our renderer file', () => {
    assert.equal(isTrustedSender('file:///opt/es-manager/dist/renderer/index.html', index), true);
    assert.equal(isTrustedSender('file:///opt/es-manager/dist/renderer/index.html#/devices', index), true);
    assert.equal(isTrustedSender('file:///tmp/evil.html', index), false);
    assert.equal(isTrustedSender('https://example.com/dist/renderer/index.html', index), false);
    assert.equal(isTrustedSender('http://127.0.0.1:8765/', index), false);
    assert.equal(isTrustedSender(undefined, index), false);
    assert.equal(isTrustedSender('not a url', index), false);
  });
  it('refuses navigation elsewhere', () => {
    assert.equal(isAllowedNavigation('https://example.com/', index), false);
    assert.equal(isAllowedNavigation('file:///opt/es-manager/dist/renderer/index.html', index), true);
  });
});

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { isAllowedNavigation, isTrustedSender } from './ipc-policy';

describe('IPC sender validation', () => {
  it('trusts only our renderer origin (app://esm/)', () => {
    assert.equal(isTrustedSender('app://esm/index.html'), true);
    assert.equal(isTrustedSender('app://esm/index.html#/devices'), true);
    // the renderer is no longer a file: a local HTML file is not trusted, even ours
    assert.equal(isTrustedSender('file:///opt/es-manager/resources/app.asar/dist/renderer/index.html'), false);
    assert.equal(isTrustedSender('file:///tmp/evil.html'), false);
    assert.equal(isTrustedSender('app://evil/index.html'), false);
    assert.equal(isTrustedSender('https://esm/index.html'), false);
    assert.equal(isTrustedSender('http://127.0.0.1:8765/'), false);
    assert.equal(isTrustedSender(undefined), false);
    assert.equal(isTrustedSender('not a url'), false);
  });
  it('refuses navigation elsewhere', () => {
    assert.equal(isAllowedNavigation('https://example.com/'), false);
    assert.equal(isAllowedNavigation('file:///opt/es-manager/dist/renderer/index.html'), false);
    assert.equal(isAllowedNavigation('app://esm/index.html#/alarms'), true);
  });
});

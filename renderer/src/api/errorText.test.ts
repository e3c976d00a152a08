import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorField, errorText, fieldLabel, schemaProblemText } from './errorText';

const bad = (message: string, path?: string) => ({ code: 'bad-request', message, details: path ? { path } : {} });

test('schema errors become sentences naming the field and the limit', () => {
  const cases: Array<[unknown, string]> = [
    [bad('users.create: displayName: Too big: expected string to have <=100 characters', 'displayName'), 'Display name is too long: at most 100 characters.'],
    [bad('sim.set: loadStepKw: Invalid input: expected number, received undefined', 'loadStepKw'), 'Load step kw is required.'],
    [bad('users.create: username: Too small: expected string to have >=1 characters', 'username'), 'Username is required.'],
    [bad('auth.setup: password: Too small: expected string to have >=12 characters', 'password'), 'Password is too short: at least 12 characters.'],
    [bad('sim.set: speed: Too big: expected number to be <=3600', 'speed'), 'Speed must be at most 3600.'],
    [bad('sim.set: speed: Too small: expected number to be >0', 'speed'), 'Speed must be more than 0.'],
    [bad('x.y: roles[0]: Invalid option: expected one of "admin"|"viewer"', 'roles[0]'), 'Roles must be one of admin, viewer.'],
    [bad('x.y: n: Invalid input: expected int, received number', 'n'), 'N must be a whole number.'],
    [bad('x.y: n: Invalid input: expected number, received NaN', 'n'), 'N must be a number.'],
  ];
  for (const [e, want] of cases) assert.equal(errorText(e), want);
});

test('a form can name its fields; the field is found for showing the sentence under it', () => {
  const e = bad('users.create: displayName: Too big: expected string to have <=100 characters', 'displayName');
  assert.equal(errorText(e, { displayName: 'Full name' }), 'Full name is too long: at most 100 characters.');
  assert.equal(errorField(e), 'displayName');
  assert.equal(errorField(bad('x.y: trends.views[2].name: Too big: expected string to have <=60 characters', 'trends.views[2].name')), 'name');
  assert.equal(errorField({ code: 'forbidden', message: 'x' }), undefined);
  // the path can also be read from the message when the transport lost it
  assert.equal(errorField(bad('users.create: password: Too small: expected string to have >=12 characters')), 'password');
});

test('no raw API text: refusals, transport and internal errors are sentences', () => {
  const forbidden = errorText({ code: 'forbidden', message: `user "viewer1" (roles: viewer) lacks 'control.operate' (Operate: …)`, details: { rule: 'role.missing-capability' } });
  assert.match(forbidden, /^Your role does not allow this \(it needs the permission “Operate: breakers, mode changes/);
  assert.doesNotMatch(forbidden, /control\.operate|viewer1|rule/);
  assert.equal(errorText({ code: 'unavailable', message: 'socket closed' }).includes('socket'), false);
  assert.doesNotMatch(errorText({ code: 'internal', message: 'users.create failed: SQLITE_BUSY' }), /SQLITE|users\.create/);
  assert.equal(errorText({ code: 'conflict', message: 'users.create: username "bob" exists' }), 'Username "bob" exists.');
  assert.equal(errorText(new Error('plain failure')), 'Plain failure.');
});

test('field names become words; schema sentences of their own are kept', () => {
  assert.equal(fieldLabel('contractedPowerKw'), 'Contracted power kw');
  assert.equal(fieldLabel('display_name'), 'Display name');
  assert.equal(schemaProblemText('Role id', 'an id: a letter, then letters, digits, ".", "_" or "-"'), 'Role id must be an id: a letter, then letters, digits, ".", "_" or "-".');
});

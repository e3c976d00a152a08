import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { TrendView } from '../../../../core/common/trends';
import { deleteBlockedReason, shareBlockedReason, viewNameProblem, viewRange, viewSections } from './savedViews';

const v = (id: string, scope: TrendView['scope']): TrendView => ({ id, name: id, scope, pens: ['ess/Soc'], range: { kind: 'preset', key: '8h' } });

describe('saved trend views (picker helpers)', () => {
  it('sections in order: default groups, shared, mine; empty ones left out', () => {
    const s = viewSections([v('mine', 'user'), v('d1', 'default'), v('d2', 'default')]);
    assert.deepEqual(s.map((x) => [x.label, x.views.map((y) => y.id)]), [['Default groups', ['d1', 'd2']], ['My views', ['mine']]]);
  });

  it('the range as the screen knows it', () => {
    assert.deepEqual(viewRange({ range: { kind: 'custom', from: 1, to: 2 } }), { kind: 'custom', from: 1, to: 2 });
    assert.deepEqual(viewRange({ range: { kind: 'preset', key: '24h' } }), { kind: 'preset', key: '24h' });
  });

  it('says why a view may not be deleted or shared, and checks the name', () => {
    assert.equal(deleteBlockedReason(v('d', 'default'), true), 'A default group of the site cannot be deleted.');
    assert.match(deleteBlockedReason(v('s', 'shared'), false) ?? '', /needs “Edit configuration”/);
    assert.equal(deleteBlockedReason(v('s', 'shared'), true), null);
    assert.equal(deleteBlockedReason(v('m', 'user'), false), null);
    assert.equal(deleteBlockedReason(undefined, false), 'Choose one of your saved views first.');
    assert.match(shareBlockedReason(false) ?? '', /saved for you only/);
    assert.equal(shareBlockedReason(true), null);
    assert.equal(viewNameProblem('  '), 'Give the view a name.');
    assert.equal(viewNameProblem('x'.repeat(61)), 'A view name has at most 60 characters.');
    assert.equal(viewNameProblem('Morning check'), null);
  });
});

/**
 * Saved trend views come from the server (trends.views.*: the site's default groups, the
 * shared views and the user's own). Pure helpers for the picker: sections in order, the
 * range as the trend screen knows it, and why a view may not be deleted.
 */
import { TREND_VIEW_NAME_MAX, type TrendView } from '../../../../core/common/trends';
import { isPresetKey, type TimeRange } from './trendModel';

export { TREND_VIEW_NAME_MAX };

export const SCOPE_LABEL: Record<TrendView['scope'], string> = {
  default: 'Default groups',
  shared: 'Shared with the site',
  user: 'My views',
};

/** The views in sections (default groups, shared, own), empty sections left out. */
export function viewSections(views: readonly TrendView[]): { scope: TrendView['scope']; label: string; views: TrendView[] }[] {
  return (['default', 'shared', 'user'] as const)
    .map((scope) => ({ scope, label: SCOPE_LABEL[scope], views: views.filter((v) => v.scope === scope) }))
    .filter((s) => s.views.length > 0);
}

/** The view's range for the trend screen (an unknown preset falls back to the last hour). */
export function viewRange(v: Pick<TrendView, 'range'>): TimeRange {
  const r = v.range;
  if (r.kind === 'custom') return { kind: 'custom', from: r.from, to: r.to };
  return { kind: 'preset', key: isPresetKey(r.key) ? r.key : '1h' };
}

/** Why this user may not delete the view (null when they may). */
export function deleteBlockedReason(v: TrendView | undefined, mayShare: boolean): string | null {
  if (!v) return 'Choose one of your saved views first.';
  if (v.scope === 'default') return 'A default group of the site cannot be deleted.';
  if (v.scope === 'shared' && !mayShare) return 'Your role cannot do this: deleting a shared view needs “Edit configuration”.';
  return null;
}

/** Why the view may not be shared with everyone (null when it may). */
export function shareBlockedReason(mayShare: boolean): string | null {
  return mayShare ? null : 'Your role cannot do this: sharing a view needs “Edit configuration”. It is saved for you only.';
}

/** A problem with the name before it is sent (the core checks the same). */
export function viewNameProblem(name: string): string | null {
  const t = name.trim();
  if (!t) return 'Give the view a name.';
  if (t.length > TREND_VIEW_NAME_MAX) return `A view name has at most ${TREND_VIEW_NAME_MAX} characters.`;
  return null;
}

/** API handlers of the saved trend views (core/trends): the caller's own, the site's shared ones, the default groups. */
import { ApiError } from '../../common';
import type { TrendViewApiMethods } from '../../common/trends';
import type { Principal } from '../../security/principal';
import type { TrendViewUser } from '../../trends/views';
import type { Handlers } from '../dispatcher';
import type { Services } from '../services';

type TrendHandlers = Pick<Handlers, keyof TrendViewApiMethods>;

function userOf(p: Principal | null | undefined): TrendViewUser {
  if (!p) throw new ApiError('unauthenticated', 'not signed in', { rule: 'session.required' });
  return { username: p.username, mayShare: p.capabilities.has('config.edit') };
}

export function trendHandlers(s: Services): TrendHandlers {
  return {
    'trends.views.list': (ctx) => s.trendViews.list(userOf(ctx.principal)),
    'trends.views.save': (ctx, arg) => s.trendViews.save(userOf(ctx.principal), arg),
    'trends.views.delete': (ctx, arg) => ({ deleted: s.trendViews.delete(userOf(ctx.principal), arg.id) }),
  };
}

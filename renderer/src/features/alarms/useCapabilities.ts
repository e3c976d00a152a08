import { useMemo } from 'react';
import type { Capability } from '../../../../core/common/security';
import { useSession } from '../../api/hooks';
import { capabilitiesOf } from './alarmModel';

/** What the signed-in user may do (buttons only: the core checks every call). */
export function useCapabilities(): ReadonlySet<Capability> {
  const session = useSession();
  return useMemo(() => capabilitiesOf(session as (typeof session & { capabilities?: unknown }) | null), [session]);
}

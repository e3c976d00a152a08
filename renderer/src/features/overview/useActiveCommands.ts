/** The last accepted command per target, with its source (control.active + control.changed). */
import { useState } from 'react';
import type { ActiveCommand } from '../../../../core/common/control';
import { useApiEvent, useCall } from '../../api/hooks';

export function useActiveCommands(): readonly ActiveCommand[] {
  const loaded = useCall((c) => c.call('control.active', {}), []);
  const [pushed, setPushed] = useState<readonly ActiveCommand[] | null>(null);
  useApiEvent('control.changed', (list) => setPushed(list));
  return pushed ?? loaded.data ?? [];
}

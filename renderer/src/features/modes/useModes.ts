/** The operating mode's status (modes.status), kept fresh by modes.changed and a 5-s refresh (transitions, signals). */
import { useEffect, useState } from 'react';
import type { ModeStatus } from '../../../../core/common/modes';
import { useApiEvent, useClient } from '../../api/hooks';

export function useModes(): { status: ModeStatus | null; refresh: () => void } {
  const client = useClient();
  const [status, setStatus] = useState<ModeStatus | null>(null);
  const [tick, setTick] = useState(0);
  useApiEvent('modes.changed', (s) => setStatus(s));
  useEffect(() => {
    let alive = true;
    const load = () => client.call('modes.status', {}).then((s) => alive && setStatus(s), () => undefined);
    void load();
    const t = setInterval(() => void load(), 5000);
    return () => {
      alive = false;
      clearInterval(t);
    };
  }, [client, tick]);
  return { status, refresh: () => setTick((n) => n + 1) };
}

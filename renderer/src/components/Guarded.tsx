/**
 * Controls a role cannot use are shown disabled with the reason in words (visible text and a
 * tooltip), never enabled only to fail on click. `capabilityReason` says which permission is
 * missing; the core checks every call anyway.
 */
import Box from '@mui/material/Box';
import Button, { type ButtonProps } from '@mui/material/Button';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import { CAPABILITY_LABELS, type Capability } from '../../../core/common/security';
import { useAuth } from '../api/hooks';
import { hmi } from '../theme';

/** Why the session may not do something needing any of `caps` (null when it may). */
export function useCapabilityReason(...caps: Capability[]): string | null {
  const { session, locked } = useAuth();
  if (!session) return 'Sign in first.';
  if (locked) return 'The screen is locked.';
  if (caps.some((c) => session.capabilities.includes(c))) return null;
  return capabilityReason(caps);
}

export function capabilityReason(caps: readonly Capability[]): string {
  const c = caps[0];
  return c ? `Your role cannot do this: it needs “${CAPABILITY_LABELS[c]}”.` : 'Not available.';
}

/** A button that is disabled with its reason shown next to it when `why` is set. */
export function GuardedButton({ why, testId, children, showWhy = true, ...rest }: ButtonProps & { why: string | null; testId?: string; showWhy?: boolean }) {
  const btn = (
    <span>
      <Button {...rest} disabled={rest.disabled || why !== null} data-testid={testId} aria-describedby={why && testId ? `${testId}-why` : undefined}>
        {children}
      </Button>
    </span>
  );
  if (why === null) return btn;
  return (
    <Box sx={{ display: 'inline-flex', alignItems: 'center', gap: 1, minWidth: 0 }}>
      <Tooltip title={why}>{btn}</Tooltip>
      {showWhy ? (
        <Typography id={testId ? `${testId}-why` : undefined} data-testid={testId ? `${testId}-why` : undefined} sx={{ fontSize: 12.5, color: hmi.textDim }}>
          {why}
        </Typography>
      ) : (
        <span id={testId ? `${testId}-why` : undefined} data-testid={testId ? `${testId}-why` : undefined} style={{ display: 'none' }}>
          {why}
        </span>
      )}
    </Box>
  );
}

/**
 * The one text filter field of the lists (points, alarms, alarm definitions, alarm history):
 * small, grey field background, no spell-check, a test id on the input.
 */
import TextField from '@mui/material/TextField';
import { fieldSx } from '../theme';

export interface FilterFieldProps {
  label: string;
  value: string;
  onChange: (text: string) => void;
  placeholder?: string;
  width: number;
  testid?: string;
  maxLength?: number;
}

export function FilterField({ label, value, onChange, placeholder, width, testid, maxLength }: FilterFieldProps) {
  return (
    <TextField
      label={label}
      size="small"
      value={value}
      onChange={(e) => onChange(e.target.value)}
      placeholder={placeholder}
      sx={{ width, ...fieldSx }}
      slotProps={{ htmlInput: { ...(testid ? { 'data-testid': testid } : {}), spellCheck: false, ...(maxLength ? { maxLength } : {}) } }}
    />
  );
}

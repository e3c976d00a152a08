/**
 * A comment box that shows how much room is left instead of cutting text silently: the
 * counter turns amber near the limit, and typing stops at the limit with the counter saying so.
 */
import TextField, { type TextFieldProps } from '@mui/material/TextField';

export function CommentField({
  value,
  onChange,
  max = 500,
  label = 'Comment',
  testId,
  ...rest
}: { value: string; onChange: (v: string) => void; max?: number; label?: string; testId?: string } & Omit<TextFieldProps, 'value' | 'onChange' | 'label'>) {
  const left = max - value.length;
  return (
    <TextField
      label={label}
      value={value}
      onChange={(e) => onChange(e.target.value.slice(0, max))}
      multiline
      minRows={2}
      helperText={
        <span data-testid={testId ? `${testId}-counter` : undefined} style={{ fontWeight: left <= max * 0.1 ? 700 : 400 }}>
          {value.length} / {max} characters{left === 0 ? ' — the limit is reached' : ''}
        </span>
      }
      slotProps={{ htmlInput: { maxLength: max, ...(testId ? { 'data-testid': testId } : {}) }, formHelperText: { sx: { textAlign: 'right', mx: 0 } } }}
      {...rest}
    />
  );
}

/**
 * A virtualised table made of CSS grid rows (ARIA roles table / row / cell): a header row, then
 * a scroller in which only the visible rows exist, each placed at its offset. The caller owns
 * the virtualiser (its scroll element is `scrollerRef`) and renders the rows.
 */
import Box from '@mui/material/Box';
import type { ReactNode, RefObject } from 'react';
import { hmi } from '../theme';

/** The header row: the column titles on the darker panel. */
const headerRowSx = (columns: string) =>
  ({ display: 'grid', gridTemplateColumns: columns, bgcolor: hmi.panelDark, borderBottom: `1px solid ${hmi.line}`, fontWeight: 600, fontSize: 13 }) as const;

/** A row of the scroller, `height` high, placed at `top`. */
export const virtualRowSx = (top: number, height: number, columns: string) =>
  ({ position: 'absolute', top: 0, left: 0, right: 0, height, transform: `translateY(${top}px)`, display: 'grid', gridTemplateColumns: columns }) as const;

/** A one-line cell of a row `rowHeight` high: cut with an ellipsis, the text centred by its line height. */
export const cellSx = (rowHeight: number, px: number) => ({ px, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap', lineHeight: `${rowHeight - 1}px` }) as const;

export interface GridTableProps {
  label: string;
  rowCount: number;
  columns: string;
  /** the column headers */
  header: ReactNode;
  scrollerRef: RefObject<HTMLDivElement | null>;
  scrollerTestId: string;
  /** the virtualiser's total size, in px */
  totalSize: number;
  /** the visible rows */
  children: ReactNode;
  /** shown below the rows (e.g. "nothing matches") */
  footer?: ReactNode;
}

export function GridTable({ label, rowCount, columns, header, scrollerRef, scrollerTestId, totalSize, children, footer }: GridTableProps) {
  return (
    <Box role="table" aria-label={label} aria-rowcount={rowCount + 1} sx={{ display: 'flex', flexDirection: 'column', flex: 1, minHeight: 0 }}>
      <Box role="rowgroup">
        <Box role="row" aria-rowindex={1} sx={headerRowSx(columns)}>
          {header}
        </Box>
      </Box>
      <Box
        ref={scrollerRef}
        // an empty rowgroup is an ARIA error (required children); the scroller takes the keyboard (arrows, page keys)
        role={rowCount > 0 ? 'rowgroup' : undefined}
        tabIndex={rowCount > 0 ? 0 : undefined}
        data-testid={scrollerTestId}
        sx={{ flex: 1, minHeight: 0, overflow: 'auto', position: 'relative' }}>
        <Box sx={{ height: totalSize, position: 'relative' }}>{children}</Box>
        {footer}
      </Box>
    </Box>
  );
}

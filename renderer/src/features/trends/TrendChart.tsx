/**
 * The ECharts canvas of a trend. Only the parts used are registered (line chart, grid,
 * tooltip/axis pointer, inside data zoom, canvas renderer) to keep the bundle lean.
 *
 * Wheel zoom and drag pan (ECharts "inside" data zoom) are reported, debounced, as a new time
 * range through `onZoom`; the page re-queries the historian at the resolution of that range and
 * the chart resets its zoom to the new extent.
 */
import Box from '@mui/material/Box';
import { LineChart } from 'echarts/charts';
import { DataZoomInsideComponent, GridComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef, type HTMLAttributes } from 'react';
import { buildOption, type TrendChartModel } from './chartOption';
import { solidColors } from '../../components/chartColors';
import { usePrefs } from '../../shell/prefs';

echarts.use([LineChart, GridComponent, TooltipComponent, DataZoomInsideComponent, CanvasRenderer]);

export interface TrendChartProps {
  model: TrendChartModel;
  /** the user zoomed or panned to [from, to] (debounced) */
  onZoom: (from: number, to: number) => void;
  /** the user started zooming: a live trend should stop sliding */
  onZoomStart?: () => void;
  /** plot width in pixels (for maxPoints) */
  onPlotWidth: (px: number) => void;
  /** the cursor readout for a time, HTML (escaped by the caller) */
  tooltipHtml: (ts: number) => string;
  /** data-* attributes for tests */
  attrs?: Record<string, string | number>;
}

const ZOOM_SETTLE_MS = 400;

export function TrendChart({ model, onZoom, onZoomStart, onPlotWidth, tooltipHtml, attrs }: TrendChartProps) {
  const themeMode = usePrefs().theme;
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const extent = useRef({ from: model.from, to: model.to });
  const applied = useRef({ from: Number.NaN, to: Number.NaN });
  const zooming = useRef(false);
  const cb = useRef({ onZoom, onZoomStart, onPlotWidth, tooltipHtml });
  useEffect(() => {
    cb.current = { onZoom, onZoomStart, onPlotWidth, tooltipHtml };
  });

  // create once
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const c = echarts.init(el, undefined, { renderer: 'canvas' });
    chart.current = c;
    let timer: ReturnType<typeof setTimeout> | undefined;
    c.on('datazoom', () => {
      const dz = (c.getOption() as { dataZoom?: Array<{ start?: number; end?: number }> }).dataZoom?.[0];
      const start = dz?.start ?? 0;
      const end = dz?.end ?? 100;
      if (start <= 0.001 && end >= 99.999) return;
      if (!zooming.current) cb.current.onZoomStart?.();
      zooming.current = true;
      clearTimeout(timer);
      timer = setTimeout(() => {
        zooming.current = false;
        const { from, to } = extent.current;
        const a = Math.round(from + ((to - from) * start) / 100);
        const b = Math.round(from + ((to - from) * end) / 100);
        if (b > a) cb.current.onZoom(a, b);
      }, ZOOM_SETTLE_MS);
    });
    const ro = new ResizeObserver(() => {
      c.resize();
      const grid = (c.getOption() as { grid?: Array<{ left?: number; right?: number }> }).grid?.[0];
      cb.current.onPlotWidth(Math.max(100, el.clientWidth - Number(grid?.left ?? 80) - Number(grid?.right ?? 80)));
    });
    ro.observe(el);
    return () => {
      clearTimeout(timer);
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);

  // update
  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    const option = buildOption(model);
    const rangeChanged = applied.current.from !== model.from || applied.current.to !== model.to;
    if (zooming.current && rangeChanged) {
      // the user is zooming: do not reset the zoom under their mouse; data still updates
      delete option.dataZoom;
      delete option.xAxis;
    } else {
      extent.current = { from: model.from, to: model.to };
      applied.current = { from: model.from, to: model.to };
    }
    (option.tooltip as Record<string, unknown>).formatter = (params: unknown) => {
      const p = (Array.isArray(params) ? params[0] : params) as { axisValue?: number } | undefined;
      return typeof p?.axisValue === 'number' ? cb.current.tooltipHtml(p.axisValue) : '';
    };
    c.setOption(solidColors(option, themeMode), { replaceMerge: ['series', 'yAxis'], lazyUpdate: true });
    const grid = option.grid as { left: number; right: number };
    const el = host.current;
    if (el) cb.current.onPlotWidth(Math.max(100, el.clientWidth - grid.left - grid.right));
  }, [model, themeMode]);

  const dataAttrs: HTMLAttributes<HTMLDivElement> = {};
  for (const [k, v] of Object.entries(attrs ?? {})) (dataAttrs as Record<string, unknown>)[`data-${k}`] = String(v);

  return (
    <Box sx={{ position: 'relative', flex: 1, minHeight: 320 }}>
      <Box
        ref={host}
        data-testid="trend-chart"
        role="img"
        aria-label="Trend chart: mouse wheel zooms, drag pans"
        {...dataAttrs}
        sx={{ position: 'absolute', inset: 0 }}
      />
    </Box>
  );
}

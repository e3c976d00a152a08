/**
 * One ECharts instance for the life of a component: created on mount in the host element,
 * resized with it, disposed on unmount. Charts with their own event wiring (TrendChart) keep
 * their own effect.
 */
import * as echarts from 'echarts/core';
import { useEffect, useRef, type RefObject } from 'react';

export function useEChart(): { host: RefObject<HTMLDivElement | null>; chart: RefObject<echarts.ECharts | null> } {
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const c = echarts.init(el, undefined, { renderer: 'canvas' });
    chart.current = c;
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(el);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);
  return { host, chart };
}

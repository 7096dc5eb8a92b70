// The data tab's line chart: uPlot, in the data tab's chunk that the
// sidebar imports when the tab opens, so start-up JavaScript does not
// carry it.
// Drag to zoom into a time window, the wheel zooms at the pointer, shift-
// drag (or the middle button) pans, a double click shows everything;
// the legend gives the values under the pointer.

import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { align, points, seriesLabel, type Series } from './series';

const colors = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

/** drawMeasure is the User Timing name of a chart's draw: from the data
 * given to uPlot to the end of its first draw (bench.mjs reads it). */
export const drawMeasure = 'fg-chart-draw';

export interface ChartProps {
  series: Series[];
  /** the x range shown first (ms); the data's own when absent */
  from?: number;
  to?: number;
  height?: number;
  /** onWindow reports the time window shown after each zoom or pan */
  onWindow?: (from: number, to: number) => void;
}

export default function Chart({ series, from, to, height = 260, onWindow }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const drawn = useRef<(() => void) | null>(null); // called after the next draw
  const applied = useRef(''); // the from-to last set on the x scale
  const report = useRef(onWindow);
  report.current = onWindow;
  const shape = series.map(seriesLabel).join('\n');

  // one plot per set of series; new data for the same set goes to setData
  useEffect(() => {
    const el = box.current!;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      ms: 1,
      cursor: { drag: { x: true, y: false, setScale: true } },
      scales: { x: { time: true } },
      series: [{ label: 'time' }, ...series.map((s, i) => ({ label: seriesLabel(s), stroke: colors[i % colors.length], width: 1.5, spanGaps: true, points: { show: false } }))],
      axes: [{}, { size: 56 }],
      legend: { live: true },
      hooks: {
        draw: [
          () => {
            const f = drawn.current;
            drawn.current = null;
            f?.();
          },
        ],
        setScale: [
          (u, key) => {
            if (key !== 'x') return;
            const { min, max } = u.scales.x;
            if (min == null || max == null) return;
            el.dataset.min = String(Math.round(min));
            el.dataset.max = String(Math.round(max));
            report.current?.(min, max);
          },
        ],
      },
      plugins: [panZoom()],
    };
    const u = new uPlot(opts, [[], ...series.map(() => [])], el);
    plot.current = u;
    applied.current = '';
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // series' labels are in shape; the data itself goes in below
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape, height]);

  useEffect(() => {
    const u = plot.current;
    const el = box.current;
    if (!u || !el) return;
    const mark = `${drawMeasure}-start`;
    performance.mark(mark);
    const { x, ys } = align(series);
    const done = () => {
      performance.measure(drawMeasure, mark);
      el.dataset.points = String(points(series));
      el.dataset.drawn = String(Number(el.dataset.drawn ?? 0) + 1);
    };
    drawn.current = done;
    // a zoomed window stays while the data grows; a new from-to resets it
    // (uPlot draws after setData only when it resets the scales, so a
    // kept window is set again)
    const data = [x, ...ys] as uPlot.AlignedData;
    if (from === undefined || to === undefined) u.setData(data);
    else {
      u.setData(data, false);
      const { min, max } = u.scales.x;
      const fresh = applied.current !== `${from}-${to}` || min == null || max == null;
      applied.current = `${from}-${to}`;
      u.setScale('x', fresh ? { min: from, max: to } : { min: min!, max: max! });
    }
    if (x.length === 0 && drawn.current === done) {
      drawn.current = null; // nothing to draw: uPlot may skip the hook
      done();
    }
  }, [series, from, to]);

  return <div className="fg-chart" ref={box} aria-label="chart" />;
}

/** panZoom adds wheel zoom at the pointer and shift- or middle-button
 * drag to pan on the x scale. */
function panZoom(): uPlot.Plugin {
  return {
    hooks: {
      ready: (u) => {
        const over = u.over;
        over.addEventListener(
          'wheel',
          (e) => {
            e.preventDefault();
            const { min, max } = u.scales.x;
            if (min == null || max == null) return;
            const at = u.posToVal(e.offsetX, 'x');
            const f = e.deltaY < 0 ? 0.8 : 1.25;
            u.setScale('x', { min: at - (at - min) * f, max: at + (max - at) * f });
          },
          { passive: false },
        );
        over.addEventListener('mousedown', (e) => {
          if (!(e.button === 1 || (e.button === 0 && e.shiftKey))) return;
          e.preventDefault();
          e.stopImmediatePropagation(); // not uPlot's drag-to-zoom
          const { min, max } = u.scales.x;
          if (min == null || max == null) return;
          const x0 = e.clientX;
          const perPx = (max - min) / u.bbox.width * devicePixelRatio;
          const move = (m: MouseEvent) => {
            const d = (m.clientX - x0) * perPx;
            u.setScale('x', { min: min - d, max: max - d });
          };
          const up = () => {
            document.removeEventListener('mousemove', move);
            document.removeEventListener('mouseup', up);
          };
          document.addEventListener('mousemove', move);
          document.addEventListener('mouseup', up);
        }, true);
      },
    },
  };
}

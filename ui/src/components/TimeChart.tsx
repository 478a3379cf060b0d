/** One uPlot time-series chart (x in epoch seconds, UTC), resized with its container. */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  color: string;
  values: (number | null)[];
}

export function TimeChart({ title, x, series, format }: { title: string; x: number[]; series: ChartSeries[]; format: (v: number) => string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data: uPlot.AlignedData = [x, ...series.map((s) => s.values)];
  const shape = series.map((s) => s.label).join('|');

  useEffect(() => {
    if (!box.current) return;
    const width = Math.max(300, box.current.clientWidth);
    const u = new uPlot(
      {
        width,
        height: 180,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] } },
        axes: [{ stroke: '#3d444c' }, { stroke: '#3d444c', values: (_u, ticks) => ticks.map(format), size: 70 }],
        series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, spanGaps: false, value: (_u: uPlot, v: number | null) => (v == null ? '–' : format(v)) }))],
        legend: { live: true },
      },
      data,
      box.current,
    );
    plot.current = u;
    const observer = new ResizeObserver(() => {
      if (box.current) u.setSize({ width: Math.max(300, box.current.clientWidth), height: 180 });
    });
    observer.observe(box.current);
    return () => {
      observer.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Rebuilt when the series change shape; new values go through setData below.
  }, [shape]);

  useEffect(() => {
    plot.current?.setData(data);
  });

  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} />
    </figure>
  );
}

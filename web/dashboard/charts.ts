/** Line charts over kimg with uPlot (bundled; no CDN), resized with their card. */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface SeriesSpec {
  label: string;
  color: string;
}

export const COLORS = ['#3a6df0', '#e4572e', '#17a398', '#f3a712', '#8e44ad', '#2c3e50', '#c0392b', '#27ae60'];

export class LineChart {
  private plot: uPlot | null = null;
  private specKey = '';

  constructor(private readonly el: HTMLElement, private readonly yLabel = '') {
    new ResizeObserver(() => this.plot?.setSize(this.size())).observe(el);
  }

  private size(): { width: number; height: number } {
    return { width: Math.max(200, this.el.clientWidth), height: 220 };
  }

  /** xs ascending; one y array per series (null = gap). Rebuilds only when the series change. */
  update(xs: number[], series: SeriesSpec[], ys: Array<Array<number | null>>): void {
    const key = series.map((s) => s.label).join('|');
    const data = [xs, ...ys] as uPlot.AlignedData;
    if (this.plot && key === this.specKey) {
      this.plot.setData(data);
      this.showLatest();
      return;
    }
    this.plot?.destroy();
    this.el.replaceChildren();
    this.specKey = key;
    this.plot = new uPlot({
      ...this.size(),
      scales: { x: { time: false } },
      axes: [{ label: 'kimg' }, { label: this.yLabel, size: 60 }],
      series: [
        { label: 'kimg', value: (_u, v) => (v == null ? '–' : v.toFixed(2)) },
        ...series.map((s) => ({
          label: s.label, stroke: s.color, width: 1.5, spanGaps: true,
          points: { show: xs.length < 40 },
          value: (_u: uPlot, v: number | null) => (v == null ? '–' : Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4)),
        })),
      ],
      hooks: {
        // Away from the cursor, the legend shows the newest values rather than blanks.
        setCursor: [(u) => { if (u.cursor.idx == null) queueMicrotask(() => this.showLatest()); }],
      },
    }, data, this.el);
    this.showLatest();
  }

  private showLatest(): void {
    const p = this.plot;
    const n = p?.data[0].length ?? 0;
    if (p && n > 0 && p.cursor.idx == null) p.setLegend({ idx: n - 1 });
  }
}

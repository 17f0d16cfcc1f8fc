/** A dependency-free SVG line chart for loss curves (one series per metric, log-scaled y optional). */

export interface Series {
  name: string;
  points: [number, number][];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

function niceTicks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo || 1;
  const step0 = span / count;
  const mag = Math.pow(10, Math.floor(Math.log10(step0)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-12; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Renders series as an SVG document; `logY` plots log10(y) (non-positive values are dropped). */
export function lineChartSvg(series: Series[], opts: { title: string; xLabel: string; logY?: boolean; smooth?: number }): string {
  const W = 720, H = 420, L = 64, R = 150, T = 36, B = 48;
  const tf = (y: number) => (opts.logY ? Math.log10(y) : y);
  const smoothed = series.map((s) => ({ name: s.name, points: smooth(s.points.filter(([, y]) => Number.isFinite(y) && (!opts.logY || y > 0)), opts.smooth ?? 0) }));
  const all = smoothed.flatMap((s) => s.points);
  if (all.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><text x="20" y="40">${esc(opts.title)}: no data</text></svg>`;
  const xs = all.map(([x]) => x), ys = all.map(([, y]) => tf(y));
  const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
  const px = (x: number) => L + ((x - x0) / (x1 - x0 || 1)) * (W - L - R);
  const py = (y: number) => H - B - ((tf(y) - y0) / (y1 - y0 || 1)) * (H - T - B);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(opts.title)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`,
    `<text x="${(L + W - R) / 2}" y="${H - 10}" text-anchor="middle">${esc(opts.xLabel)}</text>`,
  ];
  for (const x of niceTicks(x0, x1, 6)) {
    parts.push(`<text x="${px(x)}" y="${H - B + 16}" text-anchor="middle">${x}</text>`, `<line x1="${px(x)}" y1="${H - B}" x2="${px(x)}" y2="${H - B + 4}" stroke="black"/>`);
  }
  for (const t of niceTicks(y0, y1, 6)) {
    const label = opts.logY ? Number(Math.pow(10, t).toPrecision(3)) : t;
    const y = H - B - ((t - y0) / (y1 - y0 || 1)) * (H - T - B);
    parts.push(`<text x="${L - 6}" y="${y + 4}" text-anchor="end">${label}</text>`, `<line x1="${L}" y1="${y}" x2="${W - R}" y2="${y}" stroke="#eee"/>`);
  }
  smoothed.forEach((s, i) => {
    const c = COLORS[i % COLORS.length];
    const d = s.points.map(([x, y], k) => `${k ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join('');
    parts.push(`<path d="${d}" fill="none" stroke="${c}" stroke-width="1.5"/>`);
    parts.push(`<rect x="${W - R + 12}" y="${T + 18 * i}" width="12" height="3" fill="${c}"/>`, `<text x="${W - R + 30}" y="${T + 18 * i + 5}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** Exponential moving average with weight `alpha` on the past (0 = none). */
function smooth(points: [number, number][], alpha: number): [number, number][] {
  if (alpha <= 0) return points;
  let m = points[0]?.[1] ?? 0;
  return points.map(([x, y]) => { m = alpha * m + (1 - alpha) * y; return [x, m] as [number, number]; });
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

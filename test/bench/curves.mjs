/**
 * Draws the scale curves of a benchmark run (`ours.scale` in .run/bench.json): cost against the
 * number of running instances, one PNG per cost, into test/bench/. Each chart is an SVG written
 * here and rendered by playwright's Chromium (the one the UI tests use), then screenshotted.
 * A dashed line from the first point shows linear growth, to compare the curve against.
 *
 *   node test/bench/curves.mjs [path/to/bench.json]      (scripts/bench-figures.mjs calls drawCurves)
 */
/* global process, console */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const W = 600;
const H = 300;
const M = { left: 58, right: 160, top: 34, bottom: 44 };
const COLOURS = ['#1f6feb', '#d97706', '#16a34a', '#9333ea'];

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A "nice" tick step (1, 2, 2.5 or 5 × 10^k) giving about 5 ticks up to `v`. */
function niceStep(v) {
  if (!(v > 0)) return 1;
  const raw = v / 5;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

/**
 * One line chart as SVG. `series`: [{ name, points: [[instances, value|undefined]] }]; `linear`:
 * index of the series whose first point gets a dashed linear-growth line.
 */
export function chartSvg({ title, unit, series, linear }) {
  const xs = [...new Set(series.flatMap((s) => s.points.map(([x]) => x)))].sort((a, b) => a - b);
  const values = series.flatMap((s) => s.points.map(([, y]) => y)).filter((y) => typeof y === 'number');
  const step = niceStep(Math.max(...values, 0) * 1.1);
  const yMax = Math.max(step, Math.ceil((Math.max(...values, 0) * 1.1) / step) * step);
  const xMax = Math.max(...xs, 1);
  const px = (x) => M.left + (x / xMax) * (W - M.left - M.right);
  const py = (y) => H - M.bottom - (y / yMax) * (H - M.top - M.bottom);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${M.left}" y="20" font-size="13" font-weight="bold">${esc(title)}</text>`,
  ];
  for (let k = 0; k * step <= yMax + step / 1e6; k++) {
    const y = k * step;
    parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${py(y)}" y2="${py(y)}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${M.left - 6}" y="${py(y) + 4}" text-anchor="end" fill="#555">${+y.toPrecision(3)}</text>`);
  }
  for (const x of xs) parts.push(`<text x="${px(x)}" y="${H - M.bottom + 16}" text-anchor="middle" fill="#555">${x}</text>`);
  parts.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 8}" text-anchor="middle" fill="#333">running instances</text>`);
  parts.push(`<text x="14" y="${(M.top + H - M.bottom) / 2}" text-anchor="middle" fill="#333" transform="rotate(-90 14 ${(M.top + H - M.bottom) / 2})">${esc(unit)}</text>`);
  parts.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}" stroke="#999"/><line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="#999"/>`);
  let legendY = M.top + 4;
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const pts = s.points.filter(([, y]) => typeof y === 'number');
    if (pts.length > 1) parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${pts.map(([x, y]) => `${px(x)},${py(y)}`).join(' ')}"/>`);
    for (const [x, y] of pts) {
      parts.push(`<circle cx="${px(x)}" cy="${py(y)}" r="3.5" fill="${colour}"/>`);
      parts.push(`<text x="${px(x) + 5}" y="${py(y) - 6}" fill="${colour}">${+y.toPrecision(3)}</text>`);
    }
    parts.push(`<rect x="${W - M.right + 12}" y="${legendY - 8}" width="12" height="3" fill="${colour}"/><text x="${W - M.right + 28}" y="${legendY - 4}">${esc(s.name)}</text>`);
    legendY += 16;
    if (i === linear && pts.length) {
      const [x0, y0] = pts[0];
      // Linear growth from the first point: y0 · x / x0, clipped at the top of the chart.
      const xEnd = Math.min(xMax, (yMax / y0) * x0);
      parts.push(`<line x1="${px(x0)}" y1="${py(y0)}" x2="${px(xEnd)}" y2="${py((y0 * xEnd) / x0)}" stroke="${colour}" stroke-dasharray="4 4" opacity="0.6"/>`);
      parts.push(`<line x1="${W - M.right + 12}" x2="${W - M.right + 24}" y1="${legendY - 7}" y2="${legendY - 7}" stroke="${colour}" stroke-dasharray="4 4"/><text x="${W - M.right + 28}" y="${legendY - 4}">linear from ${x0}</text>`);
      legendY += 16;
    }
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** The charts of one run's `ours.scale`. */
export function scaleCharts(scale) {
  const pt = (f) => scale.map((s) => [s.instances, f(s)]);
  return [
    {
      file: 'scale-latency.png',
      title: 'Engine event → rendered tree row',
      unit: 'ms',
      series: [
        { name: 'first change p50', points: pt((s) => s.eventToTreeRowRenderedMs?.median) },
        { name: 'first change p95', points: pt((s) => s.eventToTreeRowRenderedMs?.p95) },
        { name: 'stopped p50', points: pt((s) => s.finalStoppedFromLastEventMs?.median) },
      ],
    },
    {
      file: 'scale-heap.png',
      title: 'Extension-host heap (after GC)',
      unit: 'MiB',
      series: [{ name: 'heap since activation', points: pt((s) => s.heapDeltaSinceActivationMiB) }],
      linear: 0,
    },
    {
      file: 'scale-cpu.png',
      title: 'Extension-host CPU',
      unit: 'ms',
      series: [
        { name: 'idle, per 10 s', points: pt((s) => (typeof s.idleCpuMs === 'number' && s.idleSeconds ? (s.idleCpuMs * 10) / s.idleSeconds : undefined)) },
        { name: 'per stop/start trial', points: pt((s) => s.trialCpuMsPerTrial) },
      ],
      linear: 0,
    },
  ];
}

/** Renders the charts to PNG files in `outDir`; resolves with their paths. */
export async function drawCurves(bench, outDir = HERE) {
  const scale = bench?.ours?.scale;
  if (!Array.isArray(scale) || scale.length === 0) throw new Error('the benchmark JSON has no ours.scale figures: run npm run bench (BENCH_SCALE) first');
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  const written = [];
  try {
    const page = await browser.newPage({ viewport: { width: W, height: H }, deviceScaleFactor: 1 });
    for (const chart of scaleCharts(scale)) {
      const subtitle = `${bench.date?.slice(0, 10) ?? ''}, ${bench.machine?.cpus ?? '?'} CPUs; from .run/bench.json`;
      const svg = chartSvg(chart).replace('</svg>', `<text x="${W - 8}" y="${H - 8}" text-anchor="end" fill="#888" font-size="10">${esc(subtitle)}</text></svg>`);
      await page.setContent(`<!doctype html><html><body style="margin:0">${svg}</body></html>`);
      const file = path.join(outDir, chart.file);
      await page.locator('svg').screenshot({ path: file, type: 'png' });
      written.push(file);
    }
  } finally {
    await browser.close();
  }
  return written;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2] ?? path.join(HERE, '../../.run/bench.json');
  drawCurves(JSON.parse(readFileSync(file, 'utf8'))).then(
    (files) => console.log(`curves: wrote ${files.join(', ')}`),
    (err) => {
      console.error(`curves: error: ${err.message}`);
      process.exit(1);
    },
  );
}

// SVG charts of the engine's own numbers (the page draws them; it never computes bounds):
// the histograms of lower and upper bounds with the threshold or k-th value, and the CHI view
// of one mask (grid, ROI box, inner and outer grid-aligned rectangles, bins and codes).
import { fmt } from './screens.js';

const NS = 'http://www.w3.org/2000/svg';

/** Creates an SVG element with attributes (presentation attributes, never `style`). */
export function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v != null) e.setAttribute(k, String(v));
  for (const c of children) if (c != null) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

const text = (x, y, s, attrs = {}) => svg('text', { x, y, 'font-size': 11, fill: '#c9d1e0', ...attrs }, s);

/** Histograms {edges, lower, upper, threshold} as grouped bars; the threshold as a red line. */
export function boundsChart(h, { width = 660, height = 280 } = {}) {
  const m = { l: 44, r: 16, t: 24, b: 44 };
  const w = width - m.l - m.r; const ht = height - m.t - m.b;
  const n = h.lower.length;
  const max = Math.max(1, ...h.lower, ...h.upper);
  const lo = h.edges[0]; const hi = h.edges[n];
  const span = hi - lo || 1;
  const xOf = (v) => m.l + ((v - lo) / span) * w;
  const yOf = (c) => m.t + ht - (c / max) * ht;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, class: 'chart', role: 'img' });
  root.append(svg('rect', { x: m.l, y: m.t, width: w, height: ht, fill: '#151a24', stroke: '#2c3446' }));
  for (let t = 0; t <= 4; t++) {
    const c = Math.round((max * t) / 4);
    root.append(svg('line', { x1: m.l, x2: m.l + w, y1: yOf(c), y2: yOf(c), stroke: '#2c3446' }), text(m.l - 6, yOf(c) + 4, c, { 'text-anchor': 'end' }));
  }
  const bw = w / n;
  for (let i = 0; i < n; i++) {
    const x = m.l + i * bw;
    for (const [k, series, color] of [[0, h.lower, '#4c9aff'], [1, h.upper, '#ffab40']]) {
      const c = series[i];
      if (!c) continue;
      root.append(svg('rect', { x: x + 1 + k * (bw - 2) / 2, y: yOf(c), width: Math.max(1, (bw - 2) / 2), height: m.t + ht - yOf(c), fill: color },
        svg('title', {}, `${k ? 'upper' : 'lower'} bound in [${fmt(h.edges[i])}, ${fmt(h.edges[i + 1])}): ${c} masks`)));
    }
  }
  for (const i of [0, Math.floor(n / 4), Math.floor(n / 2), Math.floor((3 * n) / 4), n]) {
    const anchor = i === 0 ? 'start' : i === n ? 'end' : 'middle';
    root.append(text(xOf(h.edges[i]), m.t + ht + 14, fmt(h.edges[i]), { 'text-anchor': anchor }));
  }
  root.append(text(m.l + w / 2, height - 6, h.expression, { 'text-anchor': 'middle', fill: '#8b95a8' }));
  const th = h.threshold;
  if (th && Number.isFinite(th.value)) {
    const x = Math.min(m.l + w, Math.max(m.l, xOf(th.value)));
    const label = th.kind === 'kth' ? `k-th value ${fmt(th.value)}` : `threshold ${th.op} ${fmt(th.value)}`;
    root.append(svg('line', { x1: x, x2: x, y1: m.t - 4, y2: m.t + ht, stroke: '#ff4d6d', 'stroke-width': 2, class: 'threshold', 'data-value': th.value }),
      text(Math.min(x + 4, m.l + w - 120), m.t - 8, label, { fill: '#ff4d6d' }));
  }
  root.append(svg('rect', { x: m.l + w - 130, y: m.t + 6, width: 10, height: 10, fill: '#4c9aff' }), text(m.l + w - 116, m.t + 15, 'lower bounds'),
    svg('rect', { x: m.l + w - 130, y: m.t + 22, width: 10, height: 10, fill: '#ffab40' }), text(m.l + w - 116, m.t + 31, 'upper bounds'));
  return root;
}

function rect(box, s, attrs) {
  return svg('rect', { x: box[0] * s, y: box[1] * s, width: Math.max(0, (box[2] - box[0]) * s), height: Math.max(0, (box[3] - box[1]) * s), ...attrs });
}

/** The mask's grid with the ROI box and the index's inner/outer rectangles, over the mask image. */
export function chiGrid(mask, imageHref, { size = 360 } = {}) {
  const i = mask.index;
  const W = i.width; const H = i.height;
  const s = size / Math.max(W, H);
  const root = svg('svg', { viewBox: `0 0 ${W * s} ${H * s}`, width: W * s, height: H * s, class: 'chi-grid', role: 'img' });
  if (imageHref) root.append(svg('image', { href: imageHref, x: 0, y: 0, width: W * s, height: H * s, opacity: 0.55, preserveAspectRatio: 'none' }));
  for (let x = 0; x <= W; x += i.cell) root.append(svg('line', { x1: x * s, x2: x * s, y1: 0, y2: H * s, stroke: '#ffffff', 'stroke-opacity': 0.25 }));
  for (let y = 0; y <= H; y += i.cell) root.append(svg('line', { y1: y * s, y2: y * s, x1: 0, x2: W * s, stroke: '#ffffff', 'stroke-opacity': 0.25 }));
  root.append(rect(i.outer, s, { fill: '#ffab40', 'fill-opacity': 0.12, stroke: '#ffab40', 'stroke-width': 2, 'stroke-dasharray': '6 4', class: 'outer' }));
  if (i.inner) root.append(rect(i.inner, s, { fill: '#00e676', 'fill-opacity': 0.18, stroke: '#00e676', 'stroke-width': 2, class: 'inner' }));
  root.append(rect(mask.box, s, { fill: 'none', stroke: '#ffffff', 'stroke-width': 1.5, class: 'box' }));
  return root;
}

/** The index's value bins (as stored codes) with the query's codes and the inner/outer bins. */
export function binStrip(mask, { width = 360 } = {}) {
  const i = mask.index;
  const e = i.bin_edges;
  const lo = e[0]; const hi = e[e.length - 1];
  const xOf = (c) => 8 + ((Math.min(hi, Math.max(lo, c)) - lo) / (hi - lo || 1)) * (width - 16);
  const root = svg('svg', { viewBox: `0 0 ${width} 58`, width, height: 58, class: 'bins' });
  for (let b = 0; b < e.length - 1; b++) {
    const inner = b >= i.inner_bins[0] && b < i.inner_bins[1];
    const outer = b >= i.outer_bins[0] && b < i.outer_bins[1];
    root.append(svg('rect', { x: xOf(e[b]), y: 8, width: Math.max(1, xOf(e[b + 1]) - xOf(e[b]) - 1), height: 18,
      fill: inner ? '#00e676' : outer ? '#ffab40' : '#3a4358' }, svg('title', {}, `bin ${b}: codes [${e[b]}, ${e[b + 1]})`)));
  }
  const [c0, c1] = mask.codes;
  root.append(svg('line', { x1: xOf(c0), x2: xOf(c1), y1: 32, y2: 32, stroke: '#ffffff', 'stroke-width': 3 }),
    text(xOf(c0), 46, `codes [${c0}, ${c1})`, { 'text-anchor': xOf(c0) > width / 2 ? 'end' : 'start' }));
  return root;
}

// The execution detail screen: the engine's counts and time for the last query, the same query
// timed without the index, the bounds histograms and the CHI view of one mask. Every number
// shown comes from the API (stats and explain); the page draws, it does not compute.
import { state, on, set } from './state.js';
import { api, maskPngURL } from './api.js';
import { el, fmt } from './screens.js';
import { boundsChart, chiGrid, binStrip } from './charts.js';
import { runSQL } from './run.js';

const $ = (id) => document.getElementById(id);

function row(name, value, note = '') {
  return el('tr', {}, el('th', { text: name }), el('td', { text: value }), el('td', { class: 'muted', text: note }));
}

function renderDetail() {
  const r = state.result;
  const box = $('detail');
  if (!r) { box.replaceChildren(el('p', { class: 'muted', text: 'Run a query first.' })); return; }
  const s = r.stats;
  const d = r.explain?.decisions;
  const share = (n) => (s.masks_targeted ? `${(100 * n / s.masks_targeted).toFixed(1)}% of targeted` : '');
  const rows = [
    row('masks in the database', s.masks_total),
    row('targeted', s.masks_targeted, 'pass the metadata part of WHERE'),
    row('pruned', s.pruned, share(s.pruned)),
    row('accepted by the index', s.accepted_by_index, share(s.accepted_by_index)),
    row('verified (pixels read)', s.verified, share(s.verified)),
    row('FML', `${(100 * s.fml).toFixed(2)}%`, 'fraction of masks loaded = verified / masks'),
    row('newly indexed', s.newly_indexed, 'index entries this query wrote'),
    row('time', `${s.elapsed_ms} ms`, state.useIndex ? 'with the index' : 'without the index'),
  ];
  if (d) {
    rows.push(row('pruned by filter bounds', d.pruned_by_filter), row('pruned by rank', d.pruned_by_rank),
      row('accepted by bounds', d.accepted_by_bounds), row('decided without reading', d.decided_without_reading));
  }
  const bar = el('div', { class: 'split-bar' });
  for (const [cls, n] of [['pruned', s.pruned], ['accepted', s.accepted_by_index], ['verified', s.verified]]) {
    const part = el('div', { class: cls, title: `${cls} ${n}` });
    part.style.flexGrow = String(n);
    bar.append(part);
  }
  box.replaceChildren(el('code', { class: 'sql-line', text: state.sql }), bar, el('table', { class: 'kv' }, ...rows));
}

function renderBounds() {
  const b = state.result?.explain?.bounds;
  const info = $('bounds-info');
  const chart = $('bounds-chart');
  if (!state.result) { info.textContent = ''; chart.replaceChildren(); return; }
  if (!b) {
    info.textContent = state.result.explain ? 'No bounds histogram for this query (grouped queries, or no CP).' : 'Run with "explain" on to see the bounds.';
    chart.replaceChildren();
    return;
  }
  const th = b.threshold ? (b.threshold.kind === 'kth' ? `final k-th value ${fmt(b.threshold.value)}` : `threshold ${b.threshold.op} ${fmt(b.threshold.value)}`) : 'no threshold';
  info.textContent = `${b.expression}: ${b.bounded} masks bounded, ${b.unbounded} without index entry, ${b.null} NULL; ${th}`;
  chart.replaceChildren(boundsChart(b));
}

function renderCHI() {
  const m = state.result?.explain?.mask;
  const box = $('chi-view');
  if (!m) { box.replaceChildren(el('p', { class: 'muted', text: state.result ? 'No mask to explain for this query.' : '' })); return; }
  $('explain-mask').value = String(m.mask_id);
  const head = el('p', {}, `mask ${m.mask_id}, `, el('code', { text: m.term }));
  if (!m.box) { box.replaceChildren(head, el('p', { text: 'No box for this mask: CP is NULL.' })); return; }
  if (!m.index) {
    box.replaceChildren(head, el('p', { text: `box [${m.box.join(', ')}); no index entry; exact ${fmt(m.exact)}` }));
    return;
  }
  const i = m.index;
  const inequality = el('div', { class: 'inequality' },
    el('span', { id: 'chi-lower', class: 'lower', text: String(i.lower) }), ' ≤ ',
    el('span', { id: 'chi-exact', class: 'exact', text: fmt(m.exact) }), ' ≤ ',
    el('span', { id: 'chi-upper', class: 'upper', text: String(i.upper) }));
  const legend = el('ul', { class: 'legend' },
    el('li', { class: 'box', text: `ROI box [${m.box.join(', ')})` }),
    el('li', { class: 'inner', text: `inner grid rectangle ${i.inner ? `[${i.inner.join(', ')})` : 'none'}` }),
    el('li', { class: 'outer', text: `outer grid rectangle [${i.outer.join(', ')})` }),
    el('li', { text: `grid ${i.height}×${i.width}, cell ${i.cell}, ${i.bins} bins; bins wholly inside the codes [${i.inner_bins.join(', ')}), overlapping [${i.outer_bins.join(', ')})` }),
    el('li', { text: `refined cell by cell: ${i.refined_lower} ≤ exact ≤ ${i.refined_upper}` }));
  box.replaceChildren(head, inequality, el('div', { class: 'chi-row' },
    chiGrid(m, maskPngURL(m.mask_id, { colormap: 'grey' })), el('div', {}, binStrip(m), legend)));
}

async function compareNoIndex() {
  if (!state.result) return;
  const out = $('noindex-time');
  out.textContent = 'running without the index…';
  try {
    const r = await api.query(state.sql, { useIndex: false });
    const s = r.stats;
    const withIndex = state.result.stats;
    const speedup = withIndex.elapsed_ms > 0 ? (s.elapsed_ms / withIndex.elapsed_ms).toFixed(1) : '∞';
    out.dataset.ms = String(s.elapsed_ms);
    out.dataset.verified = String(s.verified);
    out.textContent = `without the index: ${s.elapsed_ms} ms, ${s.verified} masks read (with: ${withIndex.elapsed_ms} ms, ${withIndex.verified} read; ×${speedup})`;
    set({ noIndex: s });
  } catch (error) {
    out.textContent = `failed: ${error.message}`;
  }
}

export function setupDetail() {
  on(['result'], renderDetail);
  on(['result'], renderBounds);
  on(['result'], renderCHI);
  on(['result'], () => { $('noindex-time').textContent = ''; });
  $('compare-noindex').addEventListener('click', compareNoIndex);
  $('explain-mask-run').addEventListener('click', () => {
    const id = Number($('explain-mask').value);
    if (state.sql && Number.isInteger(id)) runSQL(state.sql, { explainMask: id, goTo: 'detail' });
  });
  renderDetail();
}

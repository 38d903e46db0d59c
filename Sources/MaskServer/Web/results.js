// The results screen: the result's rows as a grid of server-rendered overlays (FiftyOne-like
// colour map, opacity, value range and ROI box controls), pages, and the table of all rows.
import { state, on, set } from './state.js';
import { maskPngURL, imageURL } from './api.js';
import { el, fmt } from './screens.js';
import { openZoom } from './zoom.js';

const $ = (id) => document.getElementById(id);
const ID_COLUMNS = new Set(['mask_id', 'image_id', 'model_id', 'mask_type']);

/** The `roi` parameter of the overlay URL for the current result, or null. */
export function roiParam(st = state) {
  if (!st.style.showRoi || !st.roi) return null;
  if (st.roi.kind === 'named') return st.roi.name;
  if (st.roi.kind === 'rect') return st.roi.box.join(',');
  return null;
}

/** Overlay style of the current controls for mask `id`. */
export function overlayURL(id, st = state) {
  const s = st.style;
  return maskPngURL(id, { colormap: s.colormap, image: s.image, opacity: s.opacity, vmin: s.vmin, vmax: s.vmax, roi: roiParam(st) });
}

/** The items of the result: [{index, row, info}] where info is row_info[index] (may be null). */
export function items(result = state.result) {
  if (!result) return [];
  const infos = result.row_info || [];
  return result.rows.map((row, index) => ({ index, row, info: infos[index] ?? null }));
}

function valueText(result, row, info) {
  const labelCol = state.info?.label_column;
  const predCol = state.info?.pred_column;
  return result.columns.map((c, i) => [c, row[i]])
    .filter(([c]) => !ID_COLUMNS.has(c) && c !== labelCol && c !== predCol)
    .map(([c, v]) => `${c} = ${fmt(v)}`).join(' · ') || (info && info.mask_id != null ? `mask ${info.mask_id}` : '');
}

function caption(result, item) {
  const { row, info } = item;
  const parts = [el('div', { class: 'value', text: valueText(result, row, info) })];
  if (info && info.mask_id != null) {
    parts.push(el('div', { class: 'ids', text: `mask ${info.mask_id} · image ${info.image_id} · model ${info.model_id} · type ${info.mask_type}` }));
  } else if (info && info.image_id != null) {
    parts.push(el('div', { class: 'ids', text: `image ${info.image_id} · masks ${info.mask_ids.join(', ')}` }));
  }
  if (info && (info.label != null || info.pred != null)) {
    const wrong = info.label !== info.pred;
    parts.push(el('div', { class: `labels ${wrong ? 'wrong' : 'right'}`, text: `${fmt(info.label)} → ${fmt(info.pred)}` }));
  }
  return el('figcaption', {}, ...parts);
}

function tile(result, item) {
  const { info } = item;
  const maskID = info?.mask_id ?? info?.mask_ids?.[0] ?? null;
  const attrs = { class: 'item', dataset: { index: String(item.index) } };
  if (info?.mask_id != null) attrs.dataset.maskId = String(info.mask_id);
  else if (info?.image_id != null) attrs.dataset.imageId = String(info.image_id);
  const src = maskID != null ? overlayURL(maskID) : imageURL(info.image_id);
  const img = el('img', { src, alt: `mask ${maskID}`, loading: 'lazy', width: String(state.info.width), height: String(state.info.height) });
  const fig = el('figure', attrs, el('span', { class: 'rank', text: `#${item.index + 1}` }), img, caption(result, item));
  fig.addEventListener('click', () => openZoom(item.index));
  return fig;
}

/** Redraws the grid of the current page. */
export function renderGrid() {
  const result = state.result;
  const grid = $('results');
  if (!result) { grid.replaceChildren(el('p', { class: 'muted', text: 'Run a query to see its masks.' })); return; }
  const all = items(result);
  const drawable = all.filter((i) => i.info);
  const pages = Math.max(1, Math.ceil(drawable.length / state.pageSize));
  const page = Math.min(state.page, pages - 1);
  const shown = drawable.slice(page * state.pageSize, (page + 1) * state.pageSize);
  grid.replaceChildren(...shown.map((i) => tile(result, i)));
  $('result-table').closest('details').open = !drawable.length && result.rows.length > 0;
  if (!drawable.length) grid.append(el('p', { class: 'muted', text: result.rows.length ? 'These rows are not masks or images: see the table.' : 'No rows.' }));
  $('page-info').textContent = drawable.length
    ? `${page * state.pageSize + 1}–${page * state.pageSize + shown.length} of ${drawable.length} · page ${page + 1}/${pages}` : '';
  $('page-prev').disabled = page === 0;
  $('page-next').disabled = page >= pages - 1;
  $('tab-count').textContent = String(result.rows.length);
  $('results-sql').textContent = state.sql;
}

function renderTable() {
  const result = state.result;
  const box = $('result-table');
  if (!result) { box.replaceChildren(); return; }
  const rows = result.rows.slice(0, 1000);
  box.replaceChildren(el('table', { class: 'rows' },
    el('thead', {}, el('tr', {}, ...result.columns.map((c) => el('th', { text: c })))),
    el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((v) => el('td', { text: fmt(v) })))))),
  result.rows.length > rows.length ? el('p', { class: 'muted', text: `first 1000 of ${result.rows.length} rows` }) : '');
}

/** #stats: the last query's counts as the contract's data attributes, and one line of text. */
export function renderStats() {
  const s = state.result?.stats;
  const box = $('stats');
  if (!s) { box.textContent = ''; return; }
  Object.assign(box.dataset, { verified: s.verified, pruned: s.pruned, accepted: s.accepted_by_index, total: s.masks_total, targeted: s.masks_targeted });
  box.replaceChildren(
    el('span', { text: `${state.result.rows.length} rows` }),
    el('span', { text: `${s.elapsed_ms} ms` }),
    el('span', { text: `targeted ${s.masks_targeted} of ${s.masks_total}` }),
    el('span', { class: 'pruned', text: `pruned ${s.pruned}` }),
    el('span', { class: 'accepted', text: `accepted ${s.accepted_by_index}` }),
    el('span', { class: 'verified', text: `verified ${s.verified}` }),
    el('span', { text: `FML ${(100 * s.fml).toFixed(2)}%` }),
    el('span', { text: state.useIndex ? 'index on' : 'index off' }));
}

function readStyle() {
  const vmin = Number($('vmin').value); const vmax = Number($('vmax').value);
  return {
    colormap: $('colormap').value, opacity: Number($('opacity').value),
    vmin: Number.isFinite(vmin) ? vmin : 0, vmax: Number.isFinite(vmax) ? vmax : 1,
    showRoi: $('show-roi').checked, image: $('show-image').checked,
  };
}

export function setupResults() {
  for (const id of ['colormap', 'opacity', 'vmin', 'vmax', 'show-roi', 'show-image']) {
    $(id).addEventListener('change', () => set({ style: readStyle() }));
  }
  $('opacity').addEventListener('input', () => { $('opacity-value').textContent = $('opacity').value; });
  $('page-size').addEventListener('change', () => set({ pageSize: Number($('page-size').value), page: 0 }));
  $('page-prev').addEventListener('click', () => set({ page: Math.max(0, state.page - 1) }));
  $('page-next').addEventListener('click', () => set({ page: state.page + 1 }));
  on(['result', 'page', 'pageSize', 'style'], renderGrid);
  on(['result'], renderTable);
  on(['result'], renderStats);
  state.pageSize = Number($('page-size').value);
  renderGrid();
}

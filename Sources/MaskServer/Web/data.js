// The data screen: what the database holds (GET /api/info) and the confusion matrix
// (GET /api/confusion), whose cells run the query of their label and prediction.
import { api } from './api.js';
import { state } from './state.js';
import { el, fmt } from './screens.js';
import { literal, identifier } from './sql.js';
import { runSQL } from './run.js';

function card(title, value, note) {
  return el('div', { class: 'card' }, el('div', { class: 'card-title', text: title }),
    el('div', { class: 'card-value', text: value }), note ? el('div', { class: 'card-note', text: note }) : null);
}

/** Fills #data from the info object. */
export function renderInfo(info) {
  const box = document.getElementById('data');
  const coverage = info.masks ? info.indexed / info.masks : 0;
  const bar = el('div', { class: 'bar' }, el('div', { class: 'bar-fill' }));
  bar.firstChild.style.width = `${(coverage * 100).toFixed(1)}%`;
  const index = info.index ? `bins ${info.index.bins}, cell ${info.index.cell}` : 'no index files yet';
  const columns = (info.columns || []).map((c) => `${c.name} (${c.type})`).join(', ') || 'none';
  box.replaceChildren(
    card('Masks', info.masks.toLocaleString('en-US')),
    card('Shape', `${info.height} × ${info.width}`, 'height × width'),
    card('Stored as', info.dtype),
    card('Models', (info.models || []).join(', ') || '—', 'model_id values'),
    card('Mask types', (info.mask_types || []).join(', ') || '—', 'mask_type values'),
    card('ROI sets', (info.roi_sets || []).join(', ') || 'none'),
    el('div', { class: 'card wide' }, el('div', { class: 'card-title', text: 'Index coverage' }),
      el('div', { class: 'card-value', id: 'index-coverage', text: `${info.indexed.toLocaleString('en-US')} / ${info.masks.toLocaleString('en-US')} masks` }),
      bar, el('div', { class: 'card-note', text: index })),
    el('div', { class: 'card wide' }, el('div', { class: 'card-title', text: 'Metadata columns' }),
      el('div', { class: 'card-note', text: columns }),
      el('div', { class: 'card-note', text: info.images ? 'images: yes' : 'images: none (overlays show the mask alone)' })),
  );
  document.getElementById('db-summary').textContent =
    `${info.masks.toLocaleString('en-US')} masks · ${info.height}×${info.width} ${info.dtype}`;
  const models = document.getElementById('confusion-model');
  for (const m of info.models || []) models.append(el('option', { value: String(m), text: `model ${m}` }));
}

/** The SQL whose rows are the masks of one confusion cell. */
export function cellSQL(info, label, pred, modelID) {
  const l = identifier(info.label_column || 'label');
  const p = identifier(info.pred_column || 'pred');
  const model = modelID !== '' ? ` AND model_id = ${modelID}` : '';
  return `SELECT mask_id, image_id, model_id, mask_type, ${l}, ${p}\nFROM masks\nWHERE ${l} = ${literal(label)} AND ${p} = ${literal(pred)}${model}`;
}

/** Background of a cell: dark when empty, brighter blue with the square root of the count. */
function shade(count, max) {
  if (!count) return '#1a202c';
  const t = max ? count / max : 0;
  return `hsl(212, 75%, ${22 + 38 * Math.sqrt(t)}%)`;
}

/** Draws the matrix of {labels, matrix}: rows label, columns pred, cells shaded by count. */
export function renderConfusion(confusion, modelID) {
  const { labels, matrix } = confusion;
  const box = document.getElementById('confusion');
  let total = 0; let right = 0; let max = 0;
  matrix.forEach((row, i) => row.forEach((c, j) => { total += c; if (i === j) right += c; max = Math.max(max, c); }));
  document.getElementById('accuracy').textContent = total
    ? `accuracy ${(100 * right / total).toFixed(1)}% (${right} of ${total} masks)` : 'no labelled masks';
  const head = el('tr', {}, el('th', { class: 'corner', text: 'label \\ pred' }), ...labels.map((l) => el('th', { text: fmt(l) })));
  const rows = labels.map((label, i) => el('tr', {}, el('th', { text: fmt(label) }), ...labels.map((pred, j) => {
    const count = matrix[i][j];
    const td = el('td', { class: i === j ? 'diag' : 'off', title: `label ${label}, pred ${pred}: ${count} masks`,
      dataset: { label: String(label), pred: String(pred), count: String(count) }, text: count ? String(count) : '' });
    td.style.backgroundColor = shade(count, max);
    if (count) td.addEventListener('click', () => runSQL(cellSQL(state.info, label, pred, modelID)));
    return td;
  })));
  box.replaceChildren(el('table', {}, el('thead', {}, head), el('tbody', {}, ...rows)));
}

export async function loadConfusion() {
  const modelID = document.getElementById('confusion-model').value;
  if (!state.info?.label_column || !state.info?.pred_column) {
    document.getElementById('confusion').textContent = 'No confusion matrix: the database has no label and prediction columns (serve --label-column, --pred-column).';
    return;
  }
  try {
    renderConfusion(await api.confusion(modelID), modelID);
  } catch (error) {
    document.getElementById('confusion').textContent = `No confusion matrix: ${error.message}`;
  }
}

export function setupData() {
  document.getElementById('confusion-model').addEventListener('change', loadConfusion);
}


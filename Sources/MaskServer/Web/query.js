// The query screen: the form writes SQL into #sql (any edit of a form field rewrites it; the
// user may then edit the SQL freely), #run runs #sql, and #roi-canvas draws a rectangle ROI on a
// sample image in mask pixel coordinates.
import { state } from './state.js';
import { api, maskPngURL } from './api.js';
import { buildSQL, parseBox, EXAMPLES } from './sql.js';
import { el } from './screens.js';
import { runSQL } from './run.js';

const $ = (id) => document.getElementById(id);

/** The form's fields as buildSQL reads them. */
export function formState() {
  return {
    qtype: $('qtype').value, aggKind: $('agg-kind').value, roiKind: $('roi-kind').value,
    roiName: $('roi-name').value, roiRect: $('roi-rect').value, lv: $('lv').value, uv: $('uv').value,
    normalise: $('normalise').checked, k: $('k').value, order: $('order').value, op: $('op').value,
    threshold: $('threshold').value, maskType: $('mask-type').value, modelID: $('model-id').value,
    iouTypes: $('iou-types').value, iouT: $('iou-t').value,
  };
}

/** Shows the fields that matter for the chosen kind, and writes the SQL. */
export function writeSQL() {
  const f = formState();
  const form = $('query-form');
  form.dataset.qtype = f.qtype;
  form.dataset.iou = String(f.qtype === 'aggregation' && f.aggKind === 'iou');
  form.dataset.roi = f.roiKind;
  $('sql').value = buildSQL(f);
  drawROI();
}

// --- the rectangle ROI drawn on a sample image -------------------------------------------------
const canvas = () => $('roi-canvas');
const sample = { image: null, maskID: null, boxes: {} };
let drag = null;

function scale() {
  const info = state.info;
  return info ? canvas().width / info.width : 1;
}

function drawROI() {
  const c = canvas();
  const ctx = c.getContext('2d');
  ctx.clearRect(0, 0, c.width, c.height);
  ctx.fillStyle = '#222';
  ctx.fillRect(0, 0, c.width, c.height);
  if (sample.image) {
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(sample.image, 0, 0, c.width, c.height);
  }
  const s = scale();
  const named = $('roi-kind').value === 'named' ? sample.boxes[$('roi-name').value] : null;
  if (named && !drag) {
    ctx.strokeStyle = '#ffab40';
    ctx.lineWidth = 2;
    ctx.setLineDash([6, 4]);
    ctx.strokeRect(named[0] * s, named[1] * s, (named[2] - named[0]) * s, (named[3] - named[1]) * s);
    return;
  }
  const box = drag ? drag.box : parseBox($('roi-rect').value);
  if (!box) return;
  ctx.strokeStyle = '#00ff66';
  ctx.lineWidth = 2;
  ctx.setLineDash(drag ? [6, 4] : []);
  ctx.strokeRect(box[0] * s, box[1] * s, (box[2] - box[0]) * s, (box[3] - box[1]) * s);
  ctx.fillStyle = 'rgba(0, 255, 102, 0.12)';
  ctx.fillRect(box[0] * s, box[1] * s, (box[2] - box[0]) * s, (box[3] - box[1]) * s);
}

/** The mask pixel under a mouse event, clamped to [0, W] × [0, H] (box edges, half-open). */
function pixelAt(event) {
  const r = canvas().getBoundingClientRect();
  const info = state.info;
  const x = Math.round((event.clientX - r.left) / r.width * info.width);
  const y = Math.round((event.clientY - r.top) / r.height * info.height);
  return [Math.min(Math.max(0, x), info.width), Math.min(Math.max(0, y), info.height)];
}

function setupCanvas() {
  const c = canvas();
  c.addEventListener('mousedown', (e) => {
    if (!state.info) return;
    const p = pixelAt(e);
    drag = { from: p, box: [p[0], p[1], p[0], p[1]] };
    e.preventDefault();
  });
  window.addEventListener('mousemove', (e) => {
    if (!drag) return;
    const p = pixelAt(e);
    const [a, b] = [drag.from, p];
    drag.box = [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])];
    drawROI();
  });
  window.addEventListener('mouseup', () => {
    if (!drag) return;
    const box = drag.box;
    drag = null;
    if (box[2] > box[0] && box[3] > box[1]) {
      $('roi-rect').value = box.join(',');
      $('roi-kind').value = 'rect';
    }
    writeSQL();
  });
  $('roi-clear').addEventListener('click', () => {
    $('roi-rect').value = '';
    if ($('roi-kind').value === 'rect') $('roi-kind').value = 'full';
    writeSQL();
  });
  $('roi-rect').addEventListener('input', () => {
    if (parseBox($('roi-rect').value)) { $('roi-kind').value = 'rect'; writeSQL(); }
  });
  $('roi-sample').addEventListener('change', () => loadSample(Number($('roi-sample').value)));
}

/** Shows mask `id` over its image (server overlay) as the drawing background, with its box of
 * the chosen named ROI set. */
export function loadSample(id) {
  if (!Number.isInteger(id)) return;
  const img = new Image();
  img.onload = () => { sample.image = img; sample.maskID = id; drawROI(); };
  img.onerror = () => { $('roi-sample-info').textContent = `no mask ${id}`; };
  img.src = maskPngURL(id, { colormap: 'jet', image: true, opacity: 0.35 });
  api.mask(id).then((meta) => { sample.boxes = meta.boxes || {}; drawROI(); }).catch(() => { sample.boxes = {}; });
  $('roi-sample').value = String(id);
  $('roi-sample-info').textContent = `Mask ${id} (${state.info.width}×${state.info.height} pixels).`;
}

/** Fills the selects from the info object. */
export function fillForm(info) {
  const add = (select, values, label) => {
    for (const v of values || []) select.append(el('option', { value: String(v), text: label(v) }));
  };
  add($('mask-type'), info.mask_types, (v) => `${v}`);
  add($('model-id'), info.models, (v) => `${v}`);
  add($('roi-name'), info.roi_sets, (v) => v);
  add($('augment-roi'), info.roi_sets, (v) => v);
  if ((info.mask_types || []).includes(1)) $('mask-type').value = '1';
  if ((info.roi_sets || []).length) $('roi-kind').value = 'named';
  const c = canvas();
  const s = Math.min(448 / info.width, 448 / info.height);
  c.width = Math.round(info.width * s);
  c.height = Math.round(info.height * s);
  writeSQL();
  if (info.sample_mask_id != null) loadSample(info.sample_mask_id);
}

export function setupQuery() {
  const form = $('query-form');
  form.addEventListener('input', (e) => { if (e.target.id !== 'sql' && e.target.id !== 'use-index' && e.target.id !== 'explain') writeSQL(); });
  form.addEventListener('change', (e) => { if (e.target.id !== 'sql' && e.target.id !== 'use-index' && e.target.id !== 'explain') writeSQL(); });
  form.addEventListener('submit', (e) => e.preventDefault());
  $('run').addEventListener('click', () => runSQL($('sql').value));
  $('sql-from-form').addEventListener('click', writeSQL);
  for (const b of document.querySelectorAll('[data-example]')) {
    b.addEventListener('click', () => { $('sql').value = EXAMPLES[b.dataset.example]; $('sql').focus(); });
  }
  $('sql').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); runSQL($('sql').value); }
  });
  setupCanvas();
  drawROI();
}

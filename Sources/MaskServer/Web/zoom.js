// The zoom view of one result item: the overlay on #zoom-canvas with pan (drag) and zoom (wheel,
// buttons), a read-out of the STORED value under the pointer (the mask's .npy, parsed here), the
// item's sibling masks side by side, and INTERSECT/UNION for IoU queries.
import { state } from './state.js';
import { api, aggregateURL } from './api.js';
import { parseNpy } from './npy.js';
import { el, fmt } from './screens.js';
import { items, overlayURL } from './results.js';
import { runSQL } from './run.js';

const $ = (id) => document.getElementById(id);
const view = { list: [], at: 0, maskID: null, image: null, npy: null, box: null, scale: 1, ox: 0, oy: 0, pan: null, serial: 0 };

/** The clipped ROI box of mask `meta` for the current result, [x0, y0, x1, y1]. */
function roiBox(meta) {
  const { width: w, height: h } = state.info;
  let box = [0, 0, w, h];
  const roi = state.roi;
  if (roi?.kind === 'rect') box = roi.box;
  if (roi?.kind === 'named') box = meta?.boxes?.[roi.name] ?? null;
  if (!box) return null;
  return [Math.max(0, box[0]), Math.max(0, box[1]), Math.min(w, box[2]), Math.min(h, box[3])];
}

function draw() {
  const c = $('zoom-canvas');
  const ctx = c.getContext('2d');
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.fillStyle = '#111';
  ctx.fillRect(0, 0, c.width, c.height);
  if (!view.image) return;
  ctx.imageSmoothingEnabled = false;
  ctx.setTransform(view.scale, 0, 0, view.scale, view.ox, view.oy);
  ctx.drawImage(view.image, 0, 0);
}

function fit() {
  const c = $('zoom-canvas');
  const { width: w, height: h } = state.info;
  view.scale = Math.min(c.width / w, c.height / h);
  view.ox = (c.width - w * view.scale) / 2;
  view.oy = (c.height - h * view.scale) / 2;
  draw();
}

function zoomAt(factor, cx, cy) {
  const s = Math.min(64, Math.max(0.25, view.scale * factor));
  view.ox = cx - (cx - view.ox) * (s / view.scale);
  view.oy = cy - (cy - view.oy) * (s / view.scale);
  view.scale = s;
  draw();
}

/** Canvas coordinates of a mouse event (the canvas may be drawn scaled by CSS). */
function canvasPoint(e) {
  const c = $('zoom-canvas');
  const r = c.getBoundingClientRect();
  return [(e.clientX - r.left) * (c.width / r.width), (e.clientY - r.top) * (c.height / r.height)];
}

function readout(e) {
  const box = $('readout');
  if (!view.npy) return;
  const [cx, cy] = canvasPoint(e);
  const x = Math.floor((cx - view.ox) / view.scale);
  const y = Math.floor((cy - view.oy) / view.scale);
  if (x < 0 || y < 0 || x >= view.npy.width || y >= view.npy.height) return;
  const code = view.npy.code(x, y);
  const value = view.npy.value(x, y);
  const inside = view.box ? x >= view.box[0] && x < view.box[2] && y >= view.box[1] && y < view.box[3] : false;
  Object.assign(box.dataset, { x: String(x), y: String(y), value: String(value), code: String(code), inside: String(inside), maskId: String(view.maskID) });
  const stored = view.npy.dtype === 'uint8' ? ` (code ${code}/255)` : ` (${view.npy.dtype})`;
  box.textContent = `x ${x}, y ${y} · value ${fmt(value)}${stored} · ${inside ? 'inside' : 'outside'} the ROI`;
}

/** Shows mask `id` on the canvas: its overlay, its stored values and its ROI box. */
async function showMask(id) {
  const serial = ++view.serial;
  view.maskID = id;
  view.npy = null;
  $('readout').textContent = 'loading…';
  const img = new Image();
  img.src = overlayURL(id);
  const [meta, buffer] = await Promise.all([api.mask(id), api.maskNpy(id), img.decode().catch(() => null)]);
  if (serial !== view.serial) return;
  view.image = img;
  view.npy = parseNpy(buffer);
  view.box = roiBox(meta);
  $('readout').textContent = 'move over the mask';
  for (const s of document.querySelectorAll('#zoom-siblings figure')) s.classList.toggle('current', s.dataset.maskId === String(id));
  $('zoom-meta').textContent = `mask ${meta.mask_id} · image ${meta.image_id} · model ${meta.model_id} · type ${meta.mask_type} · `
    + Object.entries(meta.columns || {}).map(([k, v]) => `${k} ${fmt(v)}`).join(' · ')
    + (view.box ? ` · ROI [${view.box.join(', ')})` : ' · no ROI box');
  draw();
  return meta;
}

async function siblings(maskIDs) {
  const metas = await Promise.all(maskIDs.map((id) => api.mask(id)));
  $('zoom-siblings').replaceChildren(...metas.map((m) => {
    const fig = el('figure', { dataset: { maskId: String(m.mask_id) } },
      el('img', { src: overlayURL(m.mask_id), alt: `mask ${m.mask_id}` }),
      el('figcaption', { text: `mask ${m.mask_id} · model ${m.model_id} · type ${m.mask_type}` }));
    fig.classList.toggle('current', m.mask_id === view.maskID);
    fig.addEventListener('click', () => showMask(m.mask_id).catch((e) => { $('readout').textContent = `cannot show mask ${m.mask_id}: ${e.message}`; }));
    return fig;
  }));
}

function aggregates(imageID) {
  const box = $('zoom-aggregates');
  box.replaceChildren();
  if (!state.iou) return;
  for (const op of ['intersect', 'union']) {
    box.append(el('figure', { dataset: { op } },
      el('img', { src: aggregateURL(imageID, op, state.iou.t, state.iou.maskTypes, state.style.colormap), alt: op }),
      el('figcaption', { text: `${op.toUpperCase()}(mask > ${state.iou.t})` })));
  }
}

/** Opens the zoom view on result row `index`. */
export async function openZoom(index) {
  view.list = items().filter((i) => i.info);
  view.at = Math.max(0, view.list.findIndex((i) => i.index === index));
  $('zoom').hidden = false;
  await showItem();
}

async function showItem() {
  const item = view.list[view.at];
  if (!item) return;
  const info = item.info;
  $('zoom-title').textContent = `#${item.index + 1} of ${state.result.rows.length} · ${state.result.columns.map((c, i) => `${c} ${fmt(item.row[i])}`).join(' · ')}`;
  $('zoom-prev').disabled = view.at === 0;
  $('zoom-next').disabled = view.at >= view.list.length - 1;
  const first = info.mask_id ?? info.mask_ids[0];
  try {
    const meta = await showMask(first);
    if (!view.scale || !view.image) return;
    fit();
    await siblings(meta.siblings?.length ? meta.siblings : [first]);
    aggregates(meta.image_id);
  } catch (error) {
    $('readout').textContent = `cannot show mask ${first}: ${error.message}`;
  }
}

function step(d) {
  const at = view.at + d;
  if (at < 0 || at >= view.list.length) return;
  view.at = at;
  showItem();
}

export function closeZoom() { $('zoom').hidden = true; }

export function setupZoom() {
  const c = $('zoom-canvas');
  $('zoom-prev').addEventListener('click', () => step(-1));
  $('zoom-next').addEventListener('click', () => step(1));
  $('zoom-close').addEventListener('click', closeZoom);
  $('zoom').addEventListener('click', (e) => { if (e.target.id === 'zoom') closeZoom(); });
  $('zoom-in').addEventListener('click', () => zoomAt(1.5, c.width / 2, c.height / 2));
  $('zoom-out').addEventListener('click', () => zoomAt(1 / 1.5, c.width / 2, c.height / 2));
  $('zoom-fit').addEventListener('click', fit);
  $('zoom-explain').addEventListener('click', () => {
    $('explain-mask').value = String(view.maskID);
    closeZoom();
    runSQL(state.sql, { explainMask: view.maskID, goTo: 'detail' });
  });
  c.addEventListener('wheel', (e) => { e.preventDefault(); const [x, y] = canvasPoint(e); zoomAt(e.deltaY < 0 ? 1.25 : 0.8, x, y); }, { passive: false });
  c.addEventListener('mousedown', (e) => { view.pan = { x: e.clientX, y: e.clientY, ox: view.ox, oy: view.oy }; });
  window.addEventListener('mouseup', () => { view.pan = null; });
  c.addEventListener('mousemove', (e) => {
    if (view.pan) {
      const k = c.width / c.getBoundingClientRect().width;
      view.ox = view.pan.ox + (e.clientX - view.pan.x) * k;
      view.oy = view.pan.oy + (e.clientY - view.pan.y) * k;
      draw();
    }
    readout(e);
  });
  document.addEventListener('keydown', (e) => {
    if ($('zoom').hidden) return;
    if (e.key === 'Escape') closeZoom();
    if (e.key === 'ArrowLeft') step(-1);
    if (e.key === 'ArrowRight') step(1);
  });
}

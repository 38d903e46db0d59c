// Augmentation (POST /api/augment: the result's images with everything outside the ROI box
// replaced, shown before/after) and export (POST /api/export: CSV, JSON, or a zip of masks,
// overlays and images, downloaded by the browser).
import { state } from './state.js';
import { api } from './api.js';
import { el } from './screens.js';

const $ = (id) => document.getElementById(id);

function pair(image) {
  return el('div', { class: 'pair', dataset: { imageId: String(image.image_id) } },
    el('figure', { class: 'before' }, el('img', { src: image.source, alt: `image ${image.image_id}` }), el('figcaption', { text: `image ${image.image_id} · before` })),
    el('figure', { class: 'after' }, el('img', { src: image.output, alt: `augmented ${image.image_id}` }), el('figcaption', { text: `after${image.label != null ? ` · label ${image.label}` : ''}` })));
}

async function augment() {
  const status = $('augment-status');
  if (!state.sql) { status.textContent = 'Run a query first.'; return; }
  status.textContent = 'augmenting…';
  const body = { sql: state.sql, roi: $('augment-roi').value || 'object', method: $('augment-method').value, seed: Number($('augment-seed').value) || 0 };
  try {
    const r = await api.augment(body);
    $('augment-results').replaceChildren(...r.images.map(pair));
    $('augment-results').dataset.dir = r.dir;
    status.textContent = `${r.images.length} images written to ${r.dir}/ (${body.method}, seed ${body.seed})`;
  } catch (error) {
    status.textContent = `augmentation failed: ${error.message}`;
  }
}

function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

async function exportAs(format) {
  const status = $('export-status');
  const preview = $('export-preview');
  if (!state.sql) { status.textContent = 'Run a query first.'; return; }
  const body = { sql: state.sql, format, masks: null, overlays: false, images: false };
  if (format === 'zip') {
    body.masks = $('export-masks').value || null;
    body.overlays = $('export-overlays').checked;
    body.images = $('export-images').checked;
  }
  status.textContent = `exporting ${format}…`;
  try {
    const { blob, filename } = await api.exportResult(body);
    download(blob, filename);
    preview.dataset.format = format;
    preview.dataset.filename = filename;
    if (format === 'zip') preview.textContent = `${filename}: ${blob.size.toLocaleString('en-US')} bytes`;
    else {
      const t = await blob.text();
      preview.textContent = t.length > 4000 ? `${t.slice(0, 4000)}\n…` : t;
    }
    status.textContent = `downloaded ${filename}`;
  } catch (error) {
    status.textContent = `export failed: ${error.message}`;
  }
}

export function setupAugmentExport() {
  $('augment').addEventListener('click', augment);
  $('export-csv').addEventListener('click', () => exportAs('csv'));
  $('export-json').addEventListener('click', () => exportAs('json'));
  $('export-zip').addEventListener('click', () => exportAs('zip'));
}

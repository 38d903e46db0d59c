// SQL text: what the query form writes (CONTRACT.md section 3's grammar) and the hints the
// results screen reads back from any SQL (the ROI to draw, the IoU threshold). The engine parses
// and answers the SQL; these hints only decide what the page draws.

/** A SQL literal for a metadata value: numbers as they are, text in single quotes. */
export function literal(v) {
  if (typeof v === 'number') return String(v);
  return `'${String(v).replaceAll("'", "''")}'`;
}

/** A name as SQL: bare when it is an identifier, else double-quoted. */
export function identifier(name) {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/** Parses "x0,y0,x1,y1" (integers) or returns null. */
export function parseBox(text) {
  const parts = String(text || '').split(',').map((s) => s.trim());
  if (parts.length !== 4 || parts.some((p) => !/^-?\d+$/.test(p))) return null;
  return parts.map(Number);
}

function roiText(form) {
  if (form.roiKind === 'named' && form.roiName) return identifier(form.roiName);
  if (form.roiKind === 'rect') {
    const b = parseBox(form.roiRect);
    if (b) return `(${b.join(', ')})`;
  }
  return 'full';
}

function number(v, fallback) {
  const n = Number(v);
  return v === '' || !Number.isFinite(n) ? fallback : n;
}

/** A numeric field as SQL: the text as typed when it is a plain number ("1.0" stays "1.0"). */
function numText(v, fallback) {
  const t = String(v ?? '').trim();
  return /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) ? t : String(fallback);
}

function cpTerm(form, roi) {
  const cp = `CP(mask, ${roi}, ${numText(form.lv, 0)}, ${numText(form.uv, 1)})`;
  return form.normalise ? `${cp} / AREA(${roi})` : cp;
}

function metadataWhere(form) {
  const c = [];
  if (form.maskType !== '') c.push(`mask_type = ${form.maskType}`);
  if (form.modelID !== '') c.push(`model_id = ${form.modelID}`);
  return c;
}

/**
 * The SQL for a form state: {qtype: topk|filter|aggregation, aggKind: avg|min|max|sum|iou,
 * roiKind, roiName, roiRect, lv, uv, normalise, k, order, op, threshold, maskType, modelID,
 * iouTypes, iouT}.
 */
export function buildSQL(form) {
  const roi = roiText(form);
  const k = Math.max(0, Math.trunc(number(form.k, 25)));
  const order = form.order === 'DESC' ? 'DESC' : 'ASC';
  if (form.qtype === 'aggregation' && form.aggKind === 'iou') {
    const types = String(form.iouTypes || '1,2').split(',').map((s) => s.trim()).filter((s) => /^-?\d+$/.test(s));
    const t = numText(form.iouT, 0.5);
    const where = types.length ? `\nWHERE mask_type IN (${types.join(', ')})` : '';
    return `SELECT image_id, CP(INTERSECT(mask > ${t}), ${roi}, 0.5, 1) / CP(UNION(mask > ${t}), ${roi}, 0.5, 1) AS iou\n`
      + `FROM masks${where}\nGROUP BY image_id\nORDER BY iou ${order}\nLIMIT ${k}`;
  }
  const where = metadataWhere(form);
  const whereText = (extra) => {
    const all = where.concat(extra);
    return all.length ? `\nWHERE ${all.join(' AND ')}` : '';
  };
  if (form.qtype === 'aggregation') {
    const fn = ['avg', 'min', 'max', 'sum'].includes(form.aggKind) ? form.aggKind.toUpperCase() : 'AVG';
    return `SELECT image_id, ${fn}(${cpTerm(form, roi)}) AS v\nFROM masks${whereText([])}\n`
      + `GROUP BY image_id\nORDER BY v ${order}\nLIMIT ${k}`;
  }
  const term = cpTerm(form, roi);
  if (form.qtype === 'filter') {
    const op = ['>', '>=', '<', '<=', '='].includes(form.op) ? form.op : '>';
    return `SELECT mask_id, ${term} AS v\nFROM masks${whereText([`${term} ${op} ${numText(form.threshold, 0)}`])}`;
  }
  return `SELECT mask_id, ${term} AS v\nFROM masks${whereText([])}\nORDER BY v ${order}\nLIMIT ${k}`;
}

/** The ROI of the first CP(...) or AREA(...) in any SQL: {kind, name?, box?}; full when none. */
export function roiOfSQL(sql) {
  const s = stripComments(sql);
  const box = /\b(?:CP\s*\([^,()]*(?:\([^()]*\))?[^,()]*,|AREA\s*\()\s*\(\s*(-?\d+)\s*,\s*(-?\d+)\s*,\s*(-?\d+)\s*,\s*(-?\d+)\s*\)/i.exec(s);
  const named = /\b(?:CP\s*\([^,()]*(?:\([^()]*\))?[^,()]*,|AREA\s*\()\s*("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*)\s*[,)]/i.exec(s);
  const boxAt = box ? box.index : Infinity;
  const namedAt = named ? named.index : Infinity;
  if (box && boxAt <= namedAt) return { kind: 'rect', box: box.slice(1, 5).map(Number) };
  if (named) {
    const raw = named[1];
    const name = raw.startsWith('"') ? raw.slice(1, -1).replaceAll('""', '"') : raw;
    if (name.toLowerCase() === 'full') return { kind: 'full' };
    return { kind: 'named', name };
  }
  return { kind: 'full' };
}

/** For SQL with INTERSECT/UNION(mask > t): {t, maskTypes}; else null. */
export function iouOfSQL(sql) {
  const s = stripComments(sql);
  const m = /\b(?:INTERSECT|UNION)\s*\(\s*mask\s*>=?\s*([0-9.eE+-]+)\s*\)/i.exec(s);
  if (!m) return null;
  const types = /\bmask_type\s+IN\s*\(([^)]*)\)/i.exec(s) || /\bmask_type\s*=\s*(-?\d+)/i.exec(s);
  const maskTypes = types ? types[1].split(',').map((x) => x.trim()).filter((x) => /^-?\d+$/.test(x)).map(Number) : [];
  return { t: Number(m[1]), maskTypes };
}

function stripComments(sql) {
  return String(sql).replace(/--[^\r\n]*/g, ' ');
}

/** The demo's questions, as SQL of the contract. */
export const EXAMPLES = {
  lowest: 'SELECT mask_id, CP(mask, object, 0.8, 1.0) / AREA(object) AS r\nFROM masks\nWHERE mask_type = 1\nORDER BY r ASC\nLIMIT 25',
  outside: 'SELECT mask_id, (CP(mask, full, 0.8, 1.0) - CP(mask, object, 0.8, 1.0)) / CP(mask, full, 0.8, 1.0) AS outside\n'
    + 'FROM masks\nWHERE mask_type = 1\nORDER BY outside DESC\nLIMIT 25',
  iou: 'SELECT image_id, CP(INTERSECT(mask > 0.8), full, 0.5, 1) / CP(UNION(mask > 0.8), full, 0.5, 1) AS iou\n'
    + 'FROM masks\nWHERE mask_type IN (1, 2)\nGROUP BY image_id\nORDER BY iou ASC\nLIMIT 25',
  wrong: 'SELECT label, COUNT(*) AS masks, AVG(CP(mask, object, 0.8, 1.0) / AREA(object)) AS in_box\n'
    + 'FROM masks\nWHERE mask_type = 1 AND label != pred\nGROUP BY label\nORDER BY masks DESC',
};

// The tabs: one screen visible at a time.

/** Shows the screen `name` (data, query, results, detail, augment-export). */
export function show(name) {
  for (const s of document.querySelectorAll('.screen')) s.classList.toggle('active', s.id === `screen-${name}`);
  for (const b of document.querySelectorAll('#tabs button')) b.classList.toggle('active', b.dataset.screen === name);
  document.dispatchEvent(new CustomEvent('screen', { detail: name }));
}

export function setupTabs() {
  for (const b of document.querySelectorAll('#tabs button')) b.addEventListener('click', () => show(b.dataset.screen));
}

/** Creates an element: el('div', {class: 'x', dataset: {maskId: 3}}, child, 'text'). */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null) continue;
    if (k === 'class') e.className = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c != null) e.append(c instanceof Node ? c : String(c));
  return e;
}

/** Formats a result value: integers as they are, reals to 4 significant digits, NULL as "NULL". */
export function fmt(v) {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number' && !Number.isInteger(v)) return Number(v.toPrecision(4)).toString();
  return String(v);
}

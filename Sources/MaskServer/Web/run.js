// Running SQL: the one path from the SQL text to the state (result, stats, errors).
import { api, ApiError } from './api.js';
import { set } from './state.js';
import { roiOfSQL, iouOfSQL } from './sql.js';
import { show, el } from './screens.js';

/** Shows an error in #error; for a query error, the SQL with the offending token marked. */
export function showError(error, sql = null) {
  const box = document.getElementById('error');
  box.replaceChildren();
  if (!error) return;
  const message = error instanceof ApiError || error instanceof Error ? error.message : String(error);
  box.append(el('div', { class: 'error-message', text: message }));
  if (sql != null && error.position != null) {
    box.dataset.position = String(error.position);
    box.dataset.token = error.token ?? '';
    box.append(markedSQL(sql, error.position, error.token));
    const area = document.getElementById('sql');
    const start = Math.max(0, error.position - 1);
    area.focus();
    area.setSelectionRange(start, start + Math.max(1, (error.token || '').length));
  } else {
    delete box.dataset.position;
    delete box.dataset.token;
  }
}

/** The SQL line holding 1-based character `position`, with a caret under the token. */
function markedSQL(sql, position, token) {
  const chars = Array.from(sql);
  const at = Math.min(Math.max(0, position - 1), chars.length);
  const before = chars.slice(0, at).join('');
  const lineStart = before.lastIndexOf('\n') + 1;
  const rest = chars.slice(at).join('');
  const lineEnd = rest.search(/\r?\n/);
  const tokenText = token || rest.slice(0, 1) || ' ';
  const tail = lineEnd < 0 ? rest : rest.slice(0, lineEnd);
  return el('pre', { class: 'error-where' },
    before.slice(lineStart),
    el('mark', { text: tail.slice(0, tokenText.length) || ' ' }),
    tail.slice(tokenText.length),
    `\n${' '.repeat(Array.from(before.slice(lineStart)).length)}^ ${token ? `'${token}' ` : ''}at position ${position}`);
}

/** Runs `sql`; on success the result becomes the state's and the results screen shows it. */
export async function runSQL(sql, { explainMask = null, goTo = 'results' } = {}) {
  const status = document.getElementById('run-status');
  const useIndex = document.getElementById('use-index').checked;
  const explain = document.getElementById('explain').checked || explainMask != null;
  document.getElementById('sql').value = sql;
  status.textContent = 'running…';
  document.body.classList.add('busy');
  try {
    const result = await api.query(sql, { useIndex, explain, explainMask });
    showError(null);
    status.textContent = `${result.rows.length} rows in ${result.stats.elapsed_ms} ms`;
    set({ sql, useIndex, result, roi: roiOfSQL(sql), iou: iouOfSQL(sql), page: 0, noIndex: null });
    if (goTo) show(goTo);
    return result;
  } catch (error) {
    status.textContent = '';
    showError(error, sql);
    if (goTo) show('query');
    return null;
  } finally {
    document.body.classList.remove('busy');
    document.body.dataset.runs = String(Number(document.body.dataset.runs || 0) + 1);
  }
}


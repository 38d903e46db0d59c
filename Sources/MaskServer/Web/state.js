// The page's state, in one place. Screens read it and change it through `set`, which tells the
// listeners of the changed keys; nothing else holds application state.

export const state = {
  info: null,            // GET /api/info
  sql: '',               // the SQL of the last run
  useIndex: true,
  result: null,          // the last /api/query answer (columns, rows, stats, row_info, explain)
  roi: null,             // the ROI of the last run's first CP: {kind: 'full'|'named'|'rect', name, box}
  iou: null,             // {t, maskTypes} when the last run used INTERSECT/UNION
  page: 0,
  pageSize: 48,
  style: { colormap: 'jet', opacity: 0.5, vmin: 0, vmax: 1, showRoi: true, image: true },
  noIndex: null,         // the last run without the index: {elapsed_ms, verified} or null
};

const listeners = new Map();

/** Calls `f(state)` whenever one of `keys` changes. */
export function on(keys, f) {
  for (const k of keys) {
    if (!listeners.has(k)) listeners.set(k, []);
    listeners.get(k).push(f);
  }
}

/** Merges `changes` into the state and notifies each listener once. */
export function set(changes) {
  Object.assign(state, changes);
  const called = new Set();
  for (const k of Object.keys(changes)) {
    for (const f of listeners.get(k) || []) {
      if (!called.has(f)) { called.add(f); f(state); }
    }
  }
}

/** Tells the listeners of `key` without changing anything (after an in-place edit). */
export function touch(key) { set({ [key]: state[key] }); }

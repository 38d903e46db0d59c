// The HTTP API of `masksearch serve` (ui-api.md), and nothing else: every call the page makes to
// the server goes through this module. URLs are relative, so the page works under any prefix.

/** An error answered by the server: `{"error": {"message", "token", "position"}}` plus the status. */
export class ApiError extends Error {
  constructor(status, message, token = null, position = null) {
    super(message);
    this.status = status;
    this.token = token;
    this.position = position;
  }
}

async function failure(response) {
  let body = null;
  try { body = await response.json(); } catch { /* not JSON */ }
  const e = body && body.error ? body.error : {};
  return new ApiError(response.status, e.message || `${response.status} ${response.statusText}`,
                      e.token ?? null, e.position ?? null);
}

async function send(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (!response.ok) throw await failure(response);
  return response;
}

const json = async (method, path, body) => (await send(method, path, body)).json();

export const api = {
  info: () => json('GET', 'api/info'),
  confusion: (modelID) => json('GET', 'api/confusion' + (modelID !== '' && modelID != null ? `?model_id=${encodeURIComponent(modelID)}` : '')),
  /** Runs SQL; the answer is `query --format json`'s object plus `row_info` (and `explain` when asked). */
  query: (sql, { useIndex = true, explain = false, explainMask = null } = {}) =>
    json('POST', 'api/query', { sql, use_index: useIndex, explain, explain_mask: explainMask }),
  mask: (id) => json('GET', `api/masks/${id}`),
  /** The stored mask as .npy bytes. */
  maskNpy: async (id) => (await send('GET', `api/masks/${id}.npy`)).arrayBuffer(),
  augment: (body) => json('POST', 'api/augment', body),
  /** Returns `{blob, filename}` of the export's download. */
  exportResult: async (body) => {
    const r = await send('POST', 'api/export', body);
    const cd = r.headers.get('Content-Disposition') || '';
    const m = /filename="?([^";]+)"?/.exec(cd);
    return { blob: await r.blob(), filename: m ? m[1] : `result.${body.format}` };
  },
};

/** The overlay PNG of one mask (server-rendered). `style`: {colormap, opacity, vmin, vmax, roi, image}. */
export function maskPngURL(id, style = {}) {
  const q = new URLSearchParams();
  if (style.colormap) q.set('colormap', style.colormap);
  if (style.image) { q.set('overlay', '1'); q.set('opacity', String(style.opacity ?? 0.5)); }
  if (style.vmin != null) q.set('vmin', String(style.vmin));
  if (style.vmax != null) q.set('vmax', String(style.vmax));
  if (style.roi) q.set('roi', style.roi);
  const s = q.toString();
  return `api/masks/${id}.png` + (s ? `?${s}` : '');
}

export const imageURL = (imageID) => `api/images/${imageID}`;

/** INTERSECT / UNION of an image's masks above t (the zoom view of IoU queries). */
export function aggregateURL(imageID, op, t, maskTypes, colormap) {
  const q = new URLSearchParams({ op, t: String(t) });
  if (maskTypes && maskTypes.length) q.set('mask_type', maskTypes.join(','));
  if (colormap) q.set('colormap', colormap);
  return `api/aggregate/${imageID}.png?${q}`;
}

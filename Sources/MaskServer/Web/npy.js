// A reader of the .npy files GET /api/masks/ID.npy serves: (H, W), C order, little-endian
// uint8 ('|u1'), float16 ('<f2') or float32 ('<f4'). Values follow the contract: a uint8 code q
// means q / 255; a float means its exact value.

/** Decodes an IEEE-754 binary16 bit pattern to a Number (exact). */
export function halfToNumber(h) {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Parses a .npy file. Returns {dtype, height, width, code(x, y), value(x, y)} or throws. */
export function parseNpy(buffer) {
  const bytes = new Uint8Array(buffer);
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) throw new Error('not a .npy file');
  const view = new DataView(buffer);
  const major = bytes[6];
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder('latin1').decode(bytes.subarray(start, start + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (/'fortran_order':\s*True/.test(header)) throw new Error('Fortran-order .npy');
  if (!shape || shape.length !== 2) throw new Error(`.npy shape is not (H, W): ${header}`);
  const [height, width] = shape;
  const offset = start + headerLength;
  const readers = {
    '|u1': [1, (i) => view.getUint8(offset + i), (c) => c / 255],
    '<f2': [2, (i) => view.getUint16(offset + 2 * i, true), halfToNumber],
    '<f4': [4, (i) => view.getFloat32(offset + 4 * i, true), (c) => c],
  };
  const reader = readers[descr];
  if (!reader) throw new Error(`unsupported dtype ${descr}`);
  const [size, codeAt, toValue] = reader;
  if (offset + size * width * height > bytes.length) throw new Error('.npy file is truncated');
  const dtype = { '|u1': 'uint8', '<f2': 'float16', '<f4': 'float32' }[descr];
  const code = (x, y) => codeAt(y * width + x);
  return { dtype, height, width, code, value: (x, y) => toValue(code(x, y)) };
}

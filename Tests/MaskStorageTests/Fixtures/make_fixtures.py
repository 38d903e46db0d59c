"""Writes the .npy fixtures of MaskStorageTests with numpy (run from this folder).

Each array is small and deterministic; the tests compare what masksearch reads against
values recomputed in Swift from the same formulas.
"""
import numpy as np

def ramp(n, h, w):
    # values k / (n*h*w - 1) in [0, 1], exactly representable patterns vary by dtype
    return (np.arange(n * h * w, dtype=np.float64) / (n * h * w - 1)).reshape(n, h, w)

a = ramp(3, 5, 7)
np.save("npy/f64_3x5x7.npy", a)
np.save("npy/f32_3x5x7.npy", a.astype("<f4"))
np.save("npy/f16_3x5x7.npy", a.astype("<f2"))
np.save("npy/u8_3x5x7.npy", (np.arange(3 * 5 * 7) % 256).astype(np.uint8).reshape(3, 5, 7))
np.save("npy/f32be_3x5x7.npy", a.astype(">f4"))
np.save("npy/f32_2d_5x7.npy", a[1].astype("<f4"))
np.save("npy/fortran_5x7.npy", np.asfortranarray(a[1].astype("<f4")))
np.save("npy/i32_5x7.npy", np.zeros((5, 7), dtype=np.int32))
np.save("npy/u8_4d.npy", np.zeros((1, 2, 5, 7), dtype=np.uint8))
np.save("npy/u8_9x11.npy", np.zeros((2, 9, 11), dtype=np.uint8))
with open("npy/f32_v2_3x5x7.npy", "wb") as f:
    np.lib.format.write_array(f, a.astype("<f4"), version=(2, 0))
bad = a.astype("<f4").copy(); bad[1, 2, 3] = np.nan
np.save("npy/nan_3x5x7.npy", bad)
bad = a.astype("<f4").copy(); bad[2, 4, 6] = 1.5
np.save("npy/above_one_3x5x7.npy", bad)
bad = a.astype("<f4").copy(); bad[0, 0, 1] = -np.inf
np.save("npy/neg_inf_3x5x7.npy", bad)
raw = open("npy/f32_3x5x7.npy", "rb").read()
open("npy/truncated_data.npy", "wb").write(raw[:-10])
open("npy/truncated_header.npy", "wb").write(raw[:40])
open("npy/bad_magic.npy", "wb").write(b"NOTNPY" + raw[6:])
a.astype("<f4").tofile("npy/raw_f32_3x5x7.bin")

// CMaskKernels: the SIMD kernels of masksearch.
//
// Pure functions over caller-owned memory: no allocation, no I/O, no global state
// except the once-initialised dispatch table. Every function exists because its
// inner loop must be vectorised (AVX-512 / AVX2 / scalar, chosen at run time, with
// bit-identical results); all logic around them lives in Swift.
//
// Pixel codes: masks are compared as unsigned integer *codes* of 8, 16 or 32 bits
// (uint8 levels; the bit patterns of non-negative float16 / float32 values, which
// are monotone in the value). A value range [lv, uv) is translated in Swift into a
// code interval [lo, hi), so every kernel counts `lo <= code < hi`.
#ifndef CMASKKERNELS_H
#define CMASKKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Instruction set in use: 0 = scalar, 2 = AVX2, 3 = AVX-512 (F+BW), 4 = the AVX-512 variants
/// emulated (SIMDe; debug builds with libsimde-dev on AVX2 CPUs, for tests; never chosen
/// unless forced).
int cmk_active_isa(void);
/// Forces an instruction set (for tests); returns the one actually installed
/// (the request is lowered to what the CPU supports; 4 when emulation is compiled in).
int cmk_force_isa(int isa);

/// Counts codes in [lo, hi) in a box of `rows` rows of `cols` codes, rows `stride` codes apart.
uint64_t cmk_count_box_u8(const uint8_t *base, size_t stride, size_t cols, size_t rows, uint32_t lo, uint32_t hi);
uint64_t cmk_count_box_u16(const uint16_t *base, size_t stride, size_t cols, size_t rows, uint32_t lo, uint32_t hi);
uint64_t cmk_count_box_u32(const uint32_t *base, size_t stride, size_t cols, size_t rows, uint32_t lo, uint32_t hi);

/// Builds one mask's Cumulative Histogram Index.
///
/// `bin_of_code` maps a code to its bin (0..bins-1) for u8 (256 entries; entries >= bins are
/// treated as bins-1); for u16/u32 see cmk_chi_build_u16/u32: bins come from code thresholds.
/// Corners: `gy` row positions `ys[0..gy)` and `gx` column positions `xs[0..gx)` (ascending,
/// ys[0] may be > 0; every position <= height/width). Output `out[(iy*gx + ix)*bins + b]` =
/// number of pixels (x, y) with y < ys[iy], x < xs[ix] and bin >= b (reverse-cumulative).
/// `scratch` must hold (width+1)*bins uint32 values (the AVX2 / AVX-512 compare-and-count
/// path does not use it; the scalar histogram path does).
/// - Complexity: O(H*W + gy*gx*bins) scalar; AVX2 / AVX-512 count only the bin thresholds
///   inside each 32/64-column block's code range (chi.c).
/// Non-monotone u8 tables, non-ascending edges, unsorted positions and bins > 256 take the
/// histogram path in every variant, with the same results.
void cmk_chi_build_u8(const uint8_t *mask, size_t height, size_t width,
                      const uint8_t *bin_of_code, uint32_t bins,
                      const uint32_t *ys, size_t gy, const uint32_t *xs, size_t gx,
                      uint32_t *scratch, uint32_t *out);

/// Same for float16/float32 codes (monotone bit patterns): `edges[0..bins-1)` are the
/// ascending code thresholds of bins 1..bins-1 (bin(c) = number of edges <= c).
void cmk_chi_build_u16(const uint16_t *mask, size_t height, size_t width,
                       const uint32_t *edges, uint32_t bins,
                       const uint32_t *ys, size_t gy, const uint32_t *xs, size_t gx,
                       uint32_t *scratch, uint32_t *out);
void cmk_chi_build_u32(const uint32_t *mask, size_t height, size_t width,
                       const uint32_t *edges, uint32_t bins,
                       const uint32_t *ys, size_t gy, const uint32_t *xs, size_t gx,
                       uint32_t *scratch, uint32_t *out);

/// Transposes a tile: `dst[c * dst_stride + r] = src[r * src_stride + c]` for r < rows,
/// c < cols (strides in elements; rows and columns may be unaligned). Index entries from
/// mask-major rows into key columns. SSE2 8x8 (u16) / 4x4 (u32) blocks on x86-64, else scalar;
/// the same result everywhere. O(rows * cols).
void cmk_transpose_u16(const uint16_t *src, size_t src_stride, size_t rows, size_t cols, uint16_t *dst, size_t dst_stride);
void cmk_transpose_u32(const uint32_t *src, size_t src_stride, size_t rows, size_t cols, uint32_t *dst, size_t dst_stride);

/// Pixel-wise mask aggregation over n pixels (codes widened to double by the caller's table
/// for u8: `level_value[256]`). acc is double[n].
/// Threshold flags: `out_flags[i] &= (v > t)` (intersect) or `|=` (union), with `strict`
/// choosing > (1) or >= (0). Values are doubles already decoded by cmk_decode_*.
void cmk_decode_u8(const uint8_t *codes, size_t n, const double *level_value, double *out);
void cmk_decode_f16(const uint16_t *codes, size_t n, double *out);
void cmk_decode_f32(const float *codes, size_t n, double *out);
void cmk_flags_and(const double *v, size_t n, double t, int strict, uint8_t *flags);
void cmk_flags_or(const double *v, size_t n, double t, int strict, uint8_t *flags);
void cmk_acc_add(const double *v, size_t n, double *acc);
void cmk_acc_min(const double *v, size_t n, double *acc);
void cmk_acc_max(const double *v, size_t n, double *acc);

/// Threshold flags directly on codes (no decoding): `flags[i] = flags[i] && (codes[i] >= threshold)`
/// (and), resp. `||` (or), with results 0/1 (any non-zero flag counts as set). `threshold` is
/// compared unsigned over the whole uint32 range: 0 passes every code, a threshold above the
/// largest code of the type (> 255 for u8, > 65535 for u16) none. The caller turns
/// `mask > v` / `mask >= v` into the first passing code. O(n), memory-bound.
void cmk_flags_and_codes_u8(const uint8_t *codes, size_t n, uint32_t threshold, uint8_t *flags);
void cmk_flags_or_codes_u8(const uint8_t *codes, size_t n, uint32_t threshold, uint8_t *flags);
void cmk_flags_and_codes_u16(const uint16_t *codes, size_t n, uint32_t threshold, uint8_t *flags);
void cmk_flags_or_codes_u16(const uint16_t *codes, size_t n, uint32_t threshold, uint8_t *flags);
void cmk_flags_and_codes_u32(const uint32_t *codes, size_t n, uint32_t threshold, uint8_t *flags);
void cmk_flags_or_codes_u32(const uint32_t *codes, size_t n, uint32_t threshold, uint8_t *flags);
/// Tallies over stored codes: `counts[i] += (codes[i] >= threshold)`, wrapping at 256 (tally
/// at most 255 masks into one buffer). One pass per member gives both aggregates of a group:
/// INTERSECT is `counts == members`, UNION is `counts >= 1`.
void cmk_tally_codes_u8(const uint8_t *codes, size_t n, uint32_t threshold, uint8_t *counts);
void cmk_tally_codes_u16(const uint16_t *codes, size_t n, uint32_t threshold, uint8_t *counts);
void cmk_tally_codes_u32(const uint32_t *codes, size_t n, uint32_t threshold, uint8_t *counts);

/// CRC-32C (Castagnoli, reflected, init/xorout 0xFFFFFFFF) continuing from `crc`
/// (pass 0 to start). SSE4.2 + PCLMULQDQ when available (three interleaved crc32 chains,
/// combined by carry-less multiplication), SSE4.2 alone (one chain), else slicing-by-8 tables.
uint32_t cmk_crc32c(uint32_t crc, const void *data, size_t len);

/// Hints that `p` will be read soon (a no-op where the compiler has no prefetch). Inline, so
/// that Swift callers pay no call: the index gathers entries of many masks from many columns.
static inline void cmk_prefetch(const void *p) {
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(p, 0, 3);
#else
    (void)p;
#endif
}

#ifdef __cplusplus
}
#endif
#endif

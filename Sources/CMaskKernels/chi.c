// Cumulative Histogram Index construction for one mask.
//
// Why C: building the CHI touches every pixel of every ingested mask (one histogram
// increment per pixel), so its per-pixel cost bounds ingest throughput; in Swift the
// bounds checks and the lack of control over the increment pattern cost several times.
//
// Algorithm. The gx column positions cut each row into "strips" [xs[k-1], xs[k]) (strip 0
// is [0, xs[0])). Rows are scanned top to bottom; each pixel increments hist[strip][bin].
// When the scan reaches ys[iy], the corner counts of grid row iy are the prefix sums of the
// strip histograms over strips, made reverse-cumulative over bins. Positions are clamped
// to the mask size (exact: there are no pixels beyond it) and repeated positions share one
// strip, so at most width+1 strips exist and the documented scratch of (width+1)*bins
// uint32s always suffices. When the strips need less, the scratch holds 2, 4 or 8 copies of
// each strip histogram, and consecutive pixels go to different copies: runs of
// one value (common in saliency masks) would otherwise serialise on store-to-load
// forwarding of the same counter.
//
// The AVX2 / AVX-512 variants replace the scatter for u8 masks with at most 32 bins by
// vector adds of per-code one-hot rows (chi_u8_onehot*, below); u16/u32 masks and larger
// bin counts use the scatter in every variant. Integer counting: identical results in
// every variant.
#include "internal.h"

#include <string.h>

#if CMK_X86
#include <immintrin.h>
#endif

// Number of edges <= c (edges ascending): branch-free binary lifting, `top` = the largest
// power of two <= ne (0 when ne == 0). Indices are clamped so no load is out of bounds.
CMK_INLINE uint32_t bin_by_edges(uint32_t c, const uint32_t *edges, uint32_t ne, uint32_t top) {
    uint32_t k = 0;
    for (uint32_t step = top; step; step >>= 1) {
        uint32_t cand = k + step;
        uint32_t idx = cand <= ne ? cand - 1 : 0;
        uint32_t take = (cand <= ne) & (edges[idx] <= c);
        k += take ? step : 0;
    }
    return k;
}

// Adds the bins of the n codes at p to the strip histogram copies at h, h+o1, ..., h+o7
// (pixel j goes to copy j mod 8, the offsets repeating when there are fewer copies).
// Generic: unrolled by 4.
#define CMK_SEGMENT_ANY(p, n, h, o1, o2, o3, o4, o5, o6, o7, BIN) \
    do {                                                          \
        size_t j = 0;                                             \
        for (; j + 4 <= (n); j += 4) {                            \
            (h)[BIN((p)[j])]++;                                   \
            (h)[(o1) + BIN((p)[j + 1])]++;                        \
            (h)[(o2) + BIN((p)[j + 2])]++;                        \
            (h)[(o3) + BIN((p)[j + 3])]++;                        \
        }                                                         \
        for (; j < (n); j++) (h)[BIN((p)[j])]++;                  \
        (void)(o4), (void)(o5), (void)(o6), (void)(o7);           \
    } while (0)

// u8: 8 codes per 64-bit load (halves the load-port pressure), unrolled by 8.
#define CMK_SEGMENT_U8(p, n, h, o1, o2, o3, o4, o5, o6, o7, BIN) \
    do {                                                         \
        size_t j = 0;                                            \
        for (; j + 8 <= (n); j += 8) {                           \
            uint64_t w;                                          \
            memcpy(&w, (p) + j, 8);                              \
            (h)[BIN(CMK_BYTE(w, 0))]++;                          \
            (h)[(o1) + BIN(CMK_BYTE(w, 1))]++;                   \
            (h)[(o2) + BIN(CMK_BYTE(w, 2))]++;                   \
            (h)[(o3) + BIN(CMK_BYTE(w, 3))]++;                   \
            (h)[(o4) + BIN(CMK_BYTE(w, 4))]++;                   \
            (h)[(o5) + BIN(CMK_BYTE(w, 5))]++;                   \
            (h)[(o6) + BIN(CMK_BYTE(w, 6))]++;                   \
            (h)[(o7) + BIN(CMK_BYTE(w, 7))]++;                   \
        }                                                        \
        for (; j < (n); j++) (h)[BIN((p)[j])]++;                 \
    } while (0)
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define CMK_BYTE(w, k) ((uint8_t)((w) >> (56 - 8 * (k))))
#else
#define CMK_BYTE(w, k) ((uint8_t)((w) >> (8 * (k))))
#endif

CMK_INLINE size_t clampz(uint32_t v, size_t limit) { return v < limit ? (size_t)v : limit; }

// Writes grid row `o` (gx corners of B counts) from the strip histograms at `h` (strips
// `sstride` apart, each `copies` histograms of B counts): o[ix] = o[ix-1] + strip ending
// at xs[ix] (summed over copies, made reverse-cumulative unless `cumulative` says the
// strips already are); repeated positions copy the previous corner.
CMK_INLINE void emit_grid_row(uint32_t *o, const uint32_t *h, size_t sstride, size_t copies, size_t B,
                              const uint32_t *xs, size_t gx, size_t width, int cumulative) {
    for (size_t ix = 0; ix < gx; ix++, o += B) {
        if (ix == 0 || clampz(xs[ix], width) != clampz(xs[ix - 1], width)) {
            for (size_t b = 0; b < B; b++) o[b] = h[b];
            for (size_t c = 1; c < copies; c++)
                for (size_t b = 0; b < B; b++) o[b] += h[c * B + b];
            if (!cumulative)
                for (size_t b = B - 1; b > 0; b--) o[b - 1] += o[b];
            if (ix > 0)
                for (size_t b = 0; b < B; b++) o[b] += o[b - B];
            h += sstride;
        } else {
            for (size_t b = 0; b < B; b++) o[b] = o[b - B];
        }
    }
}

// Number of strips: distinct clamped positions (the first position always opens one).
CMK_INLINE size_t count_strips(const uint32_t *xs, size_t gx, size_t width) {
    size_t n = 0;
    for (size_t ix = 0; ix < gx; ix++)
        if (ix == 0 || clampz(xs[ix], width) != clampz(xs[ix - 1], width)) n++;
    return n;
}

// The body, instantiated per code type (T) with BIN(c) mapping a code to its bin; `ctx` is
// the u8 clamped table or the edge list.
#define CMK_CHI_BODY(T, BIN, SEGMENT)                                                                  \
    do {                                                                                         \
        if (bins == 0 || gy == 0 || gx == 0) return;                                             \
        const size_t B = bins;                                                                   \
        const size_t nstrips = count_strips(xs, gx, width);                                      \
        const size_t per = nstrips * B, cap = (width + 1) * B;                                   \
        size_t copies = 8;                                                                       \
        while (copies > 1 && copies * per > cap) copies >>= 1;                                   \
        const size_t sstride = copies * B; /* distance between strips in scratch */             \
        for (size_t i = 0; i < nstrips * sstride; i++) scratch[i] = 0;                           \
        const size_t o1 = (1 % copies) * B, o2 = (2 % copies) * B, o3 = (3 % copies) * B;        \
        const size_t o4 = (4 % copies) * B, o5 = (5 % copies) * B, o6 = (6 % copies) * B;        \
        const size_t o7 = (7 % copies) * B;                                                      \
        size_t y = 0;                                                                            \
        for (size_t iy = 0; iy < gy; iy++) {                                                     \
            const size_t yend = clampz(ys[iy], height);                                          \
            for (; y < yend; y++) {                                                              \
                const T *row = mask + y * width;                                                 \
                size_t x0 = 0;                                                                   \
                uint32_t *h = scratch;                                                           \
                for (size_t ix = 0; ix < gx; ix++) {                                             \
                    const size_t x1 = clampz(xs[ix], width);                                     \
                    if (ix > 0 && x1 == x0) continue; /* repeated position: same strip */       \
                    const T *p = row + x0;                                                       \
                    const size_t n = x1 > x0 ? x1 - x0 : 0; /* guards unsorted input */     \
                    SEGMENT(p, n, h, o1, o2, o3, o4, o5, o6, o7, BIN);                           \
                    x0 = x1;                                                                     \
                    h += sstride;                                                                \
                }                                                                                \
            }                                                                                    \
            emit_grid_row(out + iy * gx * B, scratch, sstride, copies, B, xs, gx, width, 0); \
        }                                                                                        \
    } while (0)

// Copies the bin table, clamped to bins-1, so a bad table cannot write outside the scratch
// (and the compiler knows the histogram stores cannot modify it).
CMK_INLINE void clamp_bin_table(const uint8_t *bin_of_code, uint32_t bins, uint8_t table[256]) {
    const uint32_t maxbin = bins ? bins - 1 : 0;
    for (int i = 0; i < 256; i++) table[i] = bin_of_code[i] <= maxbin ? bin_of_code[i] : (uint8_t)maxbin;
}

// u8 by scattered increments (any bin count).
CMK_INLINE void chi_u8_scatter(const uint8_t *mask, size_t height, size_t width, const uint8_t table[256],
                               uint32_t bins, const uint32_t *ys, size_t gy, const uint32_t *xs, size_t gx,
                               uint32_t *scratch, uint32_t *out) {
#define CMK_BIN_U8(c) table[(c)]
    CMK_CHI_BODY(uint8_t, CMK_BIN_U8, CMK_SEGMENT_U8);
#undef CMK_BIN_U8
}

CMK_INLINE void chi_u8(const uint8_t *mask, size_t height, size_t width, const uint8_t *bin_of_code,
                       uint32_t bins, const uint32_t *ys, size_t gy, const uint32_t *xs, size_t gx,
                       uint32_t *scratch, uint32_t *out) {
    uint8_t table[256];
    clamp_bin_table(bin_of_code, bins, table);
    chi_u8_scatter(mask, height, width, table, bins, ys, gy, xs, gx, scratch, out);
}

#if CMK_X86
// u8 with at most 32 bins, AVX2 (also inlined into the AVX-512 variant): no scatter at all.
// Each code has a precomputed vector (16 bytes for <= 16 bins, else 32) whose byte lane b
// is 1 iff b <= bin(code), i.e. already reverse-cumulative. A strip-row's pixels are
// summed with one byte add each (four independent accumulators), with no store-to-load
// dependencies (runs of equal values cost nothing extra). When the
// scratch has room, the strip-row sums are accumulated in per-strip byte counters and
// widened into the uint32 strip histograms only every 255/(widest strip) rows; otherwise
// (very wide strips, or too many strips) each strip-row sum of at most 255 pixels is
// widened at once. The code table takes 4 or 8 KB of stack.
#define CMK_ONEHOT_IMPL(NAME, VT, VB, SET1, CMPGT, AND, ADD, LOADU, STOREU, ZERO, LANES)              \
    CMK_TARGET_AVX2 CMK_INLINE VT NAME##_sum(const VT *onehot, const uint8_t *q, size_t m) {        \
        VT a0 = ZERO(), a1 = a0, a2 = a0, a3 = a0;                                                  \
        size_t k = 0;                                                                               \
        for (; k + 8 <= m; k += 8) {                                                                \
            a0 = ADD(a0, onehot[q[k]]);                                                             \
            a1 = ADD(a1, onehot[q[k + 1]]);                                                         \
            a2 = ADD(a2, onehot[q[k + 2]]);                                                         \
            a3 = ADD(a3, onehot[q[k + 3]]);                                                         \
            a0 = ADD(a0, onehot[q[k + 4]]);                                                         \
            a1 = ADD(a1, onehot[q[k + 5]]);                                                         \
            a2 = ADD(a2, onehot[q[k + 6]]);                                                         \
            a3 = ADD(a3, onehot[q[k + 7]]);                                                         \
        }                                                                                           \
        for (; k < m; k++) a0 = ADD(a0, onehot[q[k]]);                                              \
        return ADD(ADD(a0, a1), ADD(a2, a3));                                                       \
    }                                                                                               \
    CMK_TARGET_AVX2 CMK_INLINE void NAME##_flush(uint32_t *h, VT a, size_t B) {                     \
        uint8_t buf[VB];                                                                            \
        STOREU((VT *)buf, a);                                                                       \
        for (size_t b = 0; b < B; b++) h[b] += buf[b];                                              \
    }                                                                                               \
    CMK_TARGET_AVX2 CMK_INLINE void NAME(const uint8_t *mask, size_t height, size_t width,          \
                                         const uint8_t table[256], uint32_t bins, const uint32_t *ys, \
                                         size_t gy, const uint32_t *xs, size_t gx, uint32_t *scratch, \
                                         uint32_t *out) {                                           \
        const size_t B = bins;                                                                      \
        VT onehot[256];                                                                             \
        const VT lane = LANES, one = SET1(1);                                                       \
        for (int c = 0; c < 256; c++) onehot[c] = AND(CMPGT(SET1((char)(table[c] + 1)), lane), one); \
        const size_t nstrips = count_strips(xs, gx, width);                                         \
        size_t maxw = 0;                                                                            \
        for (size_t ix = 0, x0 = 0; ix < gx; ix++) {                                                \
            const size_t x1 = clampz(xs[ix], width);                                                \
            if (x1 > x0 && x1 - x0 > maxw) maxw = x1 - x0;                                          \
            x0 = x1;                                                                                \
        }                                                                                           \
        uint32_t *hist = scratch;                                                                   \
        uint8_t *acc = (uint8_t *)(scratch + nstrips * B);                                          \
        const int blocked = maxw > 0 && maxw <= 255 && nstrips * (B + VB / 4) <= (width + 1) * B;   \
        const size_t rows_per_block = blocked ? 255 / maxw : 0;                                     \
        for (size_t i = 0; i < nstrips * B; i++) hist[i] = 0;                                       \
        if (blocked) memset(acc, 0, nstrips * VB);                                                  \
        size_t y = 0, inblock = 0;                                                                  \
        for (size_t iy = 0; iy < gy; iy++) {                                                        \
            const size_t yend = clampz(ys[iy], height);                                             \
            for (; y < yend; y++) {                                                                 \
                const uint8_t *row = mask + y * width;                                              \
                size_t x0 = 0, k = 0;                                                               \
                for (size_t ix = 0; ix < gx; ix++) {                                                \
                    const size_t x1 = clampz(xs[ix], width);                                        \
                    if (ix > 0 && x1 == x0) continue; /* repeated position: same strip */          \
                    const size_t n = x1 > x0 ? x1 - x0 : 0;                                         \
                    if (blocked) {                                                                  \
                        VT *s = (VT *)(acc + k * VB);                                               \
                        STOREU(s, ADD(LOADU(s), NAME##_sum(onehot, row + x0, n)));                  \
                    } else {                                                                        \
                        for (size_t j = 0; j < n; j += 255)                                         \
                            NAME##_flush(hist + k * B,                                              \
                                         NAME##_sum(onehot, row + x0 + j, n - j < 255 ? n - j : 255), B); \
                    }                                                                               \
                    x0 = x1;                                                                        \
                    k++;                                                                            \
                }                                                                                   \
                if (blocked && ++inblock == rows_per_block) {                                       \
                    for (size_t t = 0; t < nstrips; t++) NAME##_flush(hist + t * B, LOADU((VT *)(acc + t * VB)), B); \
                    memset(acc, 0, nstrips * VB);                                                   \
                    inblock = 0;                                                                    \
                }                                                                                   \
            }                                                                                       \
            if (blocked && inblock) {                                                               \
                for (size_t t = 0; t < nstrips; t++) NAME##_flush(hist + t * B, LOADU((VT *)(acc + t * VB)), B); \
                memset(acc, 0, nstrips * VB);                                                       \
                inblock = 0;                                                                        \
            }                                                                                       \
            emit_grid_row(out + iy * gx * B, hist, B, 1, B, xs, gx, width, 1);                      \
        }                                                                                           \
    }

#define CMK_LANES16 _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
#define CMK_LANES32                                                                                \
    _mm256_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, \
                     22, 23, 24, 25, 26, 27, 28, 29, 30, 31)
CMK_ONEHOT_IMPL(chi_u8_onehot16, __m128i, 16, _mm_set1_epi8, _mm_cmpgt_epi8, _mm_and_si128, _mm_add_epi8,
                _mm_loadu_si128, _mm_storeu_si128, _mm_setzero_si128, CMK_LANES16)
CMK_ONEHOT_IMPL(chi_u8_onehot32, __m256i, 32, _mm256_set1_epi8, _mm256_cmpgt_epi8, _mm256_and_si256,
                _mm256_add_epi8, _mm256_loadu_si256, _mm256_storeu_si256, _mm256_setzero_si256, CMK_LANES32)

CMK_TARGET_AVX2 CMK_INLINE void chi_u8_simd(const uint8_t *mask, size_t height, size_t width,
                                            const uint8_t *bin_of_code, uint32_t bins, const uint32_t *ys,
                                            size_t gy, const uint32_t *xs, size_t gx, uint32_t *scratch,
                                            uint32_t *out) {
    if (bins == 0 || gy == 0 || gx == 0) return;
    uint8_t table[256];
    clamp_bin_table(bin_of_code, bins, table);
    if (bins <= 16)
        chi_u8_onehot16(mask, height, width, table, bins, ys, gy, xs, gx, scratch, out);
    else if (bins <= 32)
        chi_u8_onehot32(mask, height, width, table, bins, ys, gy, xs, gx, scratch, out);
    else
        chi_u8_scatter(mask, height, width, table, bins, ys, gy, xs, gx, scratch, out);
}
#endif

#define CMK_CHI_EDGES(NAME, T)                                                                    \
    CMK_INLINE void chi_##NAME(const T *mask, size_t height, size_t width, const uint32_t *edges,  \
                               uint32_t bins, const uint32_t *ys, size_t gy, const uint32_t *xs,   \
                               size_t gx, uint32_t *scratch, uint32_t *out) {                      \
        const uint32_t ne = bins ? bins - 1 : 0;                                                    \
        uint32_t top = 0;                                                                           \
        for (uint32_t s = 1; s && s <= ne; s <<= 1) top = s;                                        \
        CMK_CHI_BODY(T, CMK_BIN_EDGES, CMK_SEGMENT_ANY);                                                             \
    }
#define CMK_BIN_EDGES(c) bin_by_edges((uint32_t)(c), edges, ne, top)
CMK_CHI_EDGES(u16, uint16_t)
CMK_CHI_EDGES(u32, uint32_t)

#define CMK_CHI_VARIANTS(ATTR, SFX, U8IMPL)                                                                 \
    ATTR void cmk_chi_build_u8_##SFX(const uint8_t *mask, size_t height, size_t width,              \
                                     const uint8_t *bin_of_code, uint32_t bins, const uint32_t *ys, \
                                     size_t gy, const uint32_t *xs, size_t gx, uint32_t *scratch,   \
                                     uint32_t *out) {                                               \
        U8IMPL(mask, height, width, bin_of_code, bins, ys, gy, xs, gx, scratch, out);               \
    }                                                                                               \
    ATTR void cmk_chi_build_u16_##SFX(const uint16_t *mask, size_t height, size_t width,            \
                                      const uint32_t *edges, uint32_t bins, const uint32_t *ys,     \
                                      size_t gy, const uint32_t *xs, size_t gx, uint32_t *scratch,  \
                                      uint32_t *out) {                                              \
        chi_u16(mask, height, width, edges, bins, ys, gy, xs, gx, scratch, out);                    \
    }                                                                                               \
    ATTR void cmk_chi_build_u32_##SFX(const uint32_t *mask, size_t height, size_t width,            \
                                      const uint32_t *edges, uint32_t bins, const uint32_t *ys,     \
                                      size_t gy, const uint32_t *xs, size_t gx, uint32_t *scratch,  \
                                      uint32_t *out) {                                              \
        chi_u32(mask, height, width, edges, bins, ys, gy, xs, gx, scratch, out);                    \
    }

CMK_CHI_VARIANTS(, scalar, chi_u8)
#if CMK_X86
CMK_CHI_VARIANTS(CMK_TARGET_AVX2, avx2, chi_u8_simd)
CMK_CHI_VARIANTS(CMK_TARGET_AVX512, avx512, chi_u8_simd)
#endif

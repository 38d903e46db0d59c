// Cumulative Histogram Index construction for one mask.
//
// Why C: building the CHI touches every pixel of every ingested mask, so its per-pixel
// cost bounds ingest (and query-time indexing) throughput; it needs SIMD compares, a
// register-resident counter layout and exact control of memory access, which Swift does
// not give.
//
// Output: out[(iy*gx + ix)*bins + b] = number of pixels with y < ys[iy], x < xs[ix] and
// bin >= b (reverse-cumulative; b = 0 is the rectangle's pixel count). Positions are
// clamped to the mask size (exact: there are no pixels beyond it).
//
// AVX2 / AVX-512: compare-and-count (chi_cc, below). For a monotone binning the entry for
// bin b >= 1 is the number of codes >= e_b, e_b the first code of bin b, so no pixel needs
// a lookup: each band of rows between consecutive ys is scanned per 32/64-byte column
// block with one register counter per threshold (8 per pass), the per-column counts are
// folded into 8-byte group sums (psadbw / madd), transposed into the output's bin-major
// layout, prefixed over the corners and added to the previous grid row. A first pass takes
// each block's smallest and largest code; thresholds outside that range need no counting
// (every row or none), which on smooth (saliency-like) masks leaves about one threshold in
// ten to count. Cost: O(H*W) for the range pass plus O(H*W*t/8) vector operations of 32/64
// codes for the t counted thresholds (t <= bins-1), plus O(gy*(W/8 + gx)*ceil(bins/8)) for
// the reductions; no scratch memory (`scratch` is unused). Measured on Zen 3, one core,
// 224x224 saliency-like masks, cell 16, 16 bins: u8 ~5.6 GB/s, u16 ~4.5, u32 ~4.3 (the
// scatter: 1.6, 0.5, 0.9).
//
// Scalar, and the AVX2 / AVX-512 fallback for a non-monotone u8 table, non-ascending edges,
// unsorted positions or more than 256 bins: histogram scatter. The gx column positions cut
// each row into "strips" [xs[k-1], xs[k]) (strip 0 is [0, xs[0])). Rows are scanned top to
// bottom; each pixel increments hist[strip][bin]. When the scan reaches ys[iy], the corner
// counts of grid row iy are the prefix sums of the strip histograms over strips, made
// reverse-cumulative over bins. Repeated positions share one strip, so at most width+1
// strips exist and the documented scratch of (width+1)*bins uint32s always suffices. When
// the strips need less, the scratch holds 2, 4 or 8 copies of each strip histogram, and
// consecutive pixels go to different copies: runs of one value (common in saliency masks)
// would otherwise serialise on store-to-load forwarding of the same counter. O(H*W + gy*gx*bins).
// For u8 with at most 32 bins the vector variants add per-code one-hot rows instead of
// scattering (chi_u8_onehot*). u16/u32 bins are found by binary search over the edges.
//
// Integer counting everywhere: identical results in every variant.
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

#if CMK_X86
// ---------------------------------------------------------------- compare-and-count
//
// The AVX2 / AVX-512 path for every code type (chi_cc below). For a monotone binning, the
// reverse-cumulative count of bin b >= 1 is the number of codes >= e_b (the first code of
// bin b: derived from the u8 table, or edges[b-1]), so no pixel needs a lookup. The rows of
// one grid row's band [ys[iy-1], ys[iy]) are scanned per column block (32 or 64 bytes, the
// same columns of every row, L1-resident) with one register counter per threshold and per
// column lane: acc_b += (x >= e_b), as a signed compare after flipping the sign bit of both
// sides (so the unsigned order of the codes is kept for all 8/16/32-bit values). Counters
// hold at most 255 (u8) / 32767 (u16) rows, so taller bands are cut into chunks; at most
// 8 thresholds (one "octet" of output lanes b = 8o..8o+7) are counted per pass, and only
// those inside the block's code range [min, max] (from a first min/max pass): a threshold
// <= min counts every row, one > max none, in every column of the block.
//
// The per-column counts are then reduced, 32 bytes at a time, into sums over groups of 8
// bytes (psadbw for u8; madd + pair add for u16; pair add for u32): 4 groups per threshold,
// transposed so that each group gives one vector of 8 u32 lanes = 8 consecutive bins, the
// output's own layout. A running prefix over groups gives every corner at a group boundary;
// a corner inside a group (a position not a multiple of 8 bytes) masks the counts to its
// columns first. Columns at or beyond the mask width are never summed (every corner is
// <= width), so the last block may read past a row end (into the next row) without effect
// (also on the min/max: a wider range only counts more thresholds); rows whose last block
// would leave the mask buffer are copied to a zero-padded buffer. The corner values of a
// band are added to the previous grid row's, so `out` itself is the accumulator; bins below
// the first counted one (bin 0, and bins whose e_b is 0) are the rectangle's pixel count,
// bins whose threshold exceeds every code stay 0.
//
// Used when the binning is monotone (u8 table non-decreasing; edges ascending), the corner
// positions are non-decreasing after clamping and bins <= CC_MAXB; otherwise the variants
// keep the paths above, so the results are the same in every case.

// The compare path's cost grows with ceil(bins/8) passes, the scatter's barely with bins,
// yet on Zen 3 the compare path is still 3x faster at 128 bins (saliency-like u8 masks).
enum { CC_MAXB = 256 };

// 0xFF x32, 0x00 x32: loadu(cc_win + 32 - r) keeps the first r bytes (0 < r <= 32).
static const uint8_t cc_win[64] __attribute__((aligned(32))) = {
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

#define CC_L256(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))
#define CC_S256(p, v) _mm256_storeu_si256((__m256i *)(void *)(p), (v))

// 32 bytes of per-column counters -> 4 u64 lanes, each the sum over 8 bytes of columns
// (8 u8, 4 u16 or 2 u32 counters; every sum < 2^32). `s` is the code size in bytes.
CMK_TARGET_AVX2 CMK_INLINE __m256i cc_quads(__m256i v, int s) {
    if (s == 1) return _mm256_sad_epu8(v, _mm256_setzero_si256());
    if (s == 2) v = _mm256_madd_epi16(v, _mm256_set1_epi16(1));  // counters <= 32767: signed is exact
    return _mm256_add_epi64(_mm256_and_si256(v, _mm256_set1_epi64x(0xFFFFFFFF)), _mm256_srli_epi64(v, 32));
}

// q[l] (4 u64 group sums of threshold lane l, each < 2^32) -> g[j] = 8 u32 lanes: group j of q[0..8).
CMK_TARGET_AVX2 CMK_INLINE void cc_transpose(const __m256i q[8], __m256i g[4]) {
    const __m256i s01 = _mm256_or_si256(q[0], _mm256_slli_epi64(q[1], 32));
    const __m256i s23 = _mm256_or_si256(q[2], _mm256_slli_epi64(q[3], 32));
    const __m256i s45 = _mm256_or_si256(q[4], _mm256_slli_epi64(q[5], 32));
    const __m256i s67 = _mm256_or_si256(q[6], _mm256_slli_epi64(q[7], 32));
    const __m256i a = _mm256_unpacklo_epi64(s01, s23), b = _mm256_unpackhi_epi64(s01, s23);  // groups 0|2, 1|3
    const __m256i c = _mm256_unpacklo_epi64(s45, s67), d = _mm256_unpackhi_epi64(s45, s67);
    g[0] = _mm256_permute2x128_si256(a, c, 0x20);
    g[1] = _mm256_permute2x128_si256(b, d, 0x20);
    g[2] = _mm256_permute2x128_si256(a, c, 0x31);
    g[3] = _mm256_permute2x128_si256(b, d, 0x31);
}

// Group sums of stored counters (c + l*CB, l < 8) over one 32-byte half, masked by `keep`.
CMK_TARGET_AVX2 CMK_INLINE void cc_groups(const uint8_t *c, size_t CB, __m256i keep, int s, __m256i g[4]) {
    __m256i q[8];
    _Pragma("GCC unroll 8") for (size_t l = 0; l < 8; l++) q[l] = cc_quads(_mm256_and_si256(CC_L256(c + l * CB), keep), s);
    cc_transpose(q, g);
}

// Counting kernels, per ISA and code type. For the n (1..8) thresholds tv[0..n) (each a
// vector of the biased threshold (e - 1) ^ sign bit, sizeof(VT) bytes apart), cnt[k] =
// per column lane, the number of rows whose code is >= e: `rows` rows at p (`stride` bytes
// apart), then `prows` rows at pad (one vector apart). n is a constant in each case of the
// switch, so the loops unroll, the counters stay in registers and the thresholds are
// compare operands from memory.
#define CMK_CC_KERNEL(NAME, ATTR, VT, LOAD, STORE, XOR, STEP, BIAS)                                     \
    ATTR CMK_INLINE void NAME##_k(const uint8_t *p, size_t stride, size_t rows, const uint8_t *pad,    \
                                  size_t prows, const uint8_t *tv, uint8_t *cnt, const int n) {       \
        const VT bias = BIAS;                                                                          \
        VT a[8];                                                                                       \
        _Pragma("GCC unroll 8") for (int k = 0; k < n; k++) a[k] = XOR(bias, bias);                    \
        for (size_t r = 0; r < rows; r++, p += stride) {                                               \
            const VT x = XOR(LOAD(p), bias);                                                           \
            _Pragma("GCC unroll 8") for (int k = 0; k < n; k++)                                        \
                a[k] = STEP(a[k], x, LOAD(tv + (size_t)k * sizeof(VT)));                               \
        }                                                                                              \
        for (size_t r = 0; r < prows; r++, pad += sizeof(VT)) {                                        \
            const VT x = XOR(LOAD(pad), bias);                                                         \
            _Pragma("GCC unroll 8") for (int k = 0; k < n; k++)                                        \
                a[k] = STEP(a[k], x, LOAD(tv + (size_t)k * sizeof(VT)));                               \
        }                                                                                              \
        _Pragma("GCC unroll 8") for (int k = 0; k < n; k++) STORE(cnt + (size_t)k * sizeof(VT), a[k]); \
    }                                                                                                  \
    ATTR static void NAME(const uint8_t *p, size_t stride, size_t rows, const uint8_t *pad, size_t prows, \
                          const uint8_t *tv, uint8_t *cnt, int n) {                                    \
        switch (n) {                                                                                   \
        case 1: NAME##_k(p, stride, rows, pad, prows, tv, cnt, 1); break;                              \
        case 2: NAME##_k(p, stride, rows, pad, prows, tv, cnt, 2); break;                              \
        case 3: NAME##_k(p, stride, rows, pad, prows, tv, cnt, 3); break;                              \
        case 4: NAME##_k(p, stride, rows, pad, prows, tv, cnt, 4); break;                              \
        case 5: NAME##_k(p, stride, rows, pad, prows, tv, cnt, 5); break;                              \
        case 6: NAME##_k(p, stride, rows, pad, prows, tv, cnt, 6); break;                              \
        case 7: NAME##_k(p, stride, rows, pad, prows, tv, cnt, 7); break;                              \
        default: NAME##_k(p, stride, rows, pad, prows, tv, cnt, 8); break;                             \
        }                                                                                              \
    }

// Horizontal unsigned min / max of the codes (s bytes) of a 256-bit vector.
#define CC_HFOLD(OP8, OP16, OP32)                                                          \
    __m128i m = _mm256_castsi256_si128(v), h = _mm256_extracti128_si256(v, 1);             \
    if (s == 1) {                                                                          \
        m = OP8(m, h);                                                                     \
        m = OP8(m, _mm_srli_si128(m, 8));                                                  \
        m = OP8(m, _mm_srli_si128(m, 4));                                                  \
        m = OP8(m, _mm_srli_si128(m, 2));                                                  \
        m = OP8(m, _mm_srli_si128(m, 1));                                                  \
        return (uint32_t)_mm_cvtsi128_si32(m) & 0xFF;                                      \
    }                                                                                      \
    if (s == 2) {                                                                          \
        m = OP16(m, h);                                                                    \
        m = OP16(m, _mm_srli_si128(m, 8));                                                 \
        m = OP16(m, _mm_srli_si128(m, 4));                                                 \
        m = OP16(m, _mm_srli_si128(m, 2));                                                 \
        return (uint32_t)_mm_cvtsi128_si32(m) & 0xFFFF;                                    \
    }                                                                                      \
    m = OP32(m, h);                                                                        \
    m = OP32(m, _mm_srli_si128(m, 8));                                                     \
    m = OP32(m, _mm_srli_si128(m, 4));                                                     \
    return (uint32_t)_mm_cvtsi128_si32(m)
CMK_TARGET_AVX2 CMK_INLINE uint32_t cc_hmin(__m256i v, int s) { CC_HFOLD(_mm_min_epu8, _mm_min_epu16, _mm_min_epu32); }
CMK_TARGET_AVX2 CMK_INLINE uint32_t cc_hmax(__m256i v, int s) { CC_HFOLD(_mm_max_epu8, _mm_max_epu16, _mm_max_epu32); }

// Range kernels: the smallest and largest code of one block over the same rows as a
// counting kernel (all lanes, also those past the row end: a wider range is still exact).
#define CMK_CC_RANGE(NAME, ATTR, VT, LOAD, MIN, MAX, FOLDMIN, FOLDMAX, S)                              \
    ATTR static void NAME(const uint8_t *p, size_t stride, size_t rows, const uint8_t *pad, size_t prows, \
                          uint32_t *mn, uint32_t *mx) {                                                \
        VT lo = LOAD(rows ? p : pad), hi = lo;                                                         \
        for (size_t r = 0; r < rows; r++, p += stride) {                                               \
            const VT x = LOAD(p);                                                                      \
            lo = MIN(lo, x);                                                                           \
            hi = MAX(hi, x);                                                                           \
        }                                                                                              \
        for (size_t r = 0; r < prows; r++, pad += sizeof(VT)) {                                        \
            const VT x = LOAD(pad);                                                                    \
            lo = MIN(lo, x);                                                                           \
            hi = MAX(hi, x);                                                                           \
        }                                                                                              \
        *mn = cc_hmin(FOLDMIN(lo), S);                                                                 \
        *mx = cc_hmax(FOLDMAX(hi), S);                                                                 \
    }

#define CC_L512(p) _mm512_loadu_si512((const void *)(p))
#define CC_S512(p, v) _mm512_storeu_si512((void *)(p), (v))
#define CC_ID(v) (v)
#define CC_FOLD512(OP, v) OP(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64((v), 1))
#define CC_FMIN512_8(v) CC_FOLD512(_mm256_min_epu8, v)
#define CC_FMAX512_8(v) CC_FOLD512(_mm256_max_epu8, v)
#define CC_FMIN512_16(v) CC_FOLD512(_mm256_min_epu16, v)
#define CC_FMAX512_16(v) CC_FOLD512(_mm256_max_epu16, v)
#define CC_FMIN512_32(v) CC_FOLD512(_mm256_min_epu32, v)
#define CC_FMAX512_32(v) CC_FOLD512(_mm256_max_epu32, v)
// AVX2: the compare gives -1 per true lane, subtracting it counts. AVX-512: the compare
// gives a k-mask, a masked add of 1 counts.
#define CC_STEP_8(a, x, t) _mm256_sub_epi8((a), _mm256_cmpgt_epi8((x), (t)))
#define CC_STEP_16(a, x, t) _mm256_sub_epi16((a), _mm256_cmpgt_epi16((x), (t)))
#define CC_STEP_32(a, x, t) _mm256_sub_epi32((a), _mm256_cmpgt_epi32((x), (t)))
#define CC_STEP_512_8(a, x, t) _mm512_mask_add_epi8((a), _mm512_cmpgt_epi8_mask((x), (t)), (a), _mm512_set1_epi8(1))
#define CC_STEP_512_16(a, x, t) \
    _mm512_mask_add_epi16((a), _mm512_cmpgt_epi16_mask((x), (t)), (a), _mm512_set1_epi16(1))
#define CC_STEP_512_32(a, x, t) \
    _mm512_mask_add_epi32((a), _mm512_cmpgt_epi32_mask((x), (t)), (a), _mm512_set1_epi32(1))

CMK_CC_KERNEL(cc_kern_u8_avx2, CMK_TARGET_AVX2, __m256i, CC_L256, CC_S256, _mm256_xor_si256, CC_STEP_8,
              _mm256_set1_epi8((char)0x80))
CMK_CC_KERNEL(cc_kern_u16_avx2, CMK_TARGET_AVX2, __m256i, CC_L256, CC_S256, _mm256_xor_si256, CC_STEP_16,
              _mm256_set1_epi16((short)0x8000))
CMK_CC_KERNEL(cc_kern_u32_avx2, CMK_TARGET_AVX2, __m256i, CC_L256, CC_S256, _mm256_xor_si256, CC_STEP_32,
              _mm256_set1_epi32((int)0x80000000u))
CMK_CC_KERNEL(cc_kern_u8_avx512, CMK_TARGET_AVX512, __m512i, CC_L512, CC_S512, _mm512_xor_si512, CC_STEP_512_8,
              _mm512_set1_epi8((char)0x80))
CMK_CC_KERNEL(cc_kern_u16_avx512, CMK_TARGET_AVX512, __m512i, CC_L512, CC_S512, _mm512_xor_si512, CC_STEP_512_16,
              _mm512_set1_epi16((short)0x8000))
CMK_CC_KERNEL(cc_kern_u32_avx512, CMK_TARGET_AVX512, __m512i, CC_L512, CC_S512, _mm512_xor_si512, CC_STEP_512_32,
              _mm512_set1_epi32((int)0x80000000u))
CMK_CC_RANGE(cc_range_u8_avx2, CMK_TARGET_AVX2, __m256i, CC_L256, _mm256_min_epu8, _mm256_max_epu8, CC_ID, CC_ID, 1)
CMK_CC_RANGE(cc_range_u16_avx2, CMK_TARGET_AVX2, __m256i, CC_L256, _mm256_min_epu16, _mm256_max_epu16, CC_ID, CC_ID, 2)
CMK_CC_RANGE(cc_range_u32_avx2, CMK_TARGET_AVX2, __m256i, CC_L256, _mm256_min_epu32, _mm256_max_epu32, CC_ID, CC_ID, 4)
CMK_CC_RANGE(cc_range_u8_avx512, CMK_TARGET_AVX512, __m512i, CC_L512, _mm512_min_epu8, _mm512_max_epu8,
             CC_FMIN512_8, CC_FMAX512_8, 1)
CMK_CC_RANGE(cc_range_u16_avx512, CMK_TARGET_AVX512, __m512i, CC_L512, _mm512_min_epu16, _mm512_max_epu16,
             CC_FMIN512_16, CC_FMAX512_16, 2)
CMK_CC_RANGE(cc_range_u32_avx512, CMK_TARGET_AVX512, __m512i, CC_L512, _mm512_min_epu32, _mm512_max_epu32,
             CC_FMIN512_32, CC_FMAX512_32, 4)

typedef void (*cc_kern_fn)(const uint8_t *, size_t, size_t, const uint8_t *, size_t, const uint8_t *, uint8_t *, int);
typedef void (*cc_range_fn)(const uint8_t *, size_t, size_t, const uint8_t *, size_t, uint32_t *, uint32_t *);

// dst[0..lanes) += v (lanes = bins left from this octet on; 8 or more: one full vector).
CMK_TARGET_AVX2 CMK_INLINE void cc_emit(uint32_t *dst, __m256i v, size_t lanes) {
    if (lanes >= 8) {
        CC_S256(dst, _mm256_add_epi32(CC_L256(dst), v));
    } else {  // only the first `lanes` (the rest of dst belongs to the next corner)
        const __m256i keep = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)lanes), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        _mm256_maskstore_epi32((int *)dst, keep, _mm256_add_epi32(_mm256_maskload_epi32((const int *)dst, keep), v));
    }
}

// Rows [r0, r1) of the block at byte offset at0 of each row: rows [r0, *rs) can be loaded in
// place (a whole block inside the mask buffer); the others (at most 64, the last ones of
// the mask) are copied to pad, zero-padded, one block apart. Returns the number copied.
CMK_INLINE size_t cc_block_rows(const uint8_t *mask, size_t rowbytes, size_t total, size_t at0, size_t CB,
                                size_t r0, size_t r1, size_t *rs, uint8_t *pad) {
    *rs = r1;
    if ((r1 - 1) * rowbytes + at0 + CB <= total) return 0;
    const size_t nsafe = total >= at0 + CB ? (total - at0 - CB) / rowbytes + 1 : 0;
    *rs = r0 > nsafe ? r0 : nsafe;
    for (size_t y = *rs; y < r1; y++) {
        const size_t at = y * rowbytes + at0, left = total - at;
        uint8_t *d = pad + (y - *rs) * CB;
        memset(d, 0, CB);
        memcpy(d, mask + at, left < CB ? left : CB);
    }
    return r1 - *rs;
}

enum { CC_RANGES = 128 };  // blocks per chunk whose code range is kept (wider rows count every threshold)

// The first bin b in [f, l) whose threshold e[b] exceeds `code` (e ascending), else l: binary search.
CMK_INLINE size_t cc_first_above(const uint32_t *e, size_t f, size_t l, uint32_t code) {
    while (f < l) {
        const size_t m = f + (l - f) / 2;
        if (e[m] <= code) f = m + 1; else l = m;
    }
    return f;
}

// The driver. `mask` as bytes, codes of `s` bytes, `width` codes per row; blocks of CB
// bytes (32: AVX2, 64: AVX-512) counted by `kern`; chunks of at most CH rows. e[b]: the
// threshold of bin b in [f, L) (1 <= e[b] <= largest code, ascending); bins < f count every
// pixel, bins >= L none.
//
// Per chunk of a band, `range` first gives each block's smallest and largest code: a
// threshold <= the smallest counts every row of every column, one above the largest none,
// so only the thresholds in between are counted (smooth masks: one or two per block).
CMK_TARGET_AVX2 CMK_INLINE void chi_cc(const uint8_t *mask, size_t height, size_t width, const int s,
                                       const size_t CB, const size_t CH, cc_kern_fn kern, cc_range_fn range,
                                       const uint32_t *e, uint32_t bins, uint32_t f, uint32_t L,
                                       const uint32_t *ys, size_t gy, const uint32_t *xs, size_t gx, uint32_t *out) {
    const size_t B = bins, nocts = (B + 7) / 8;
    const size_t CBE = CB / (size_t)s, HE = 32 / (size_t)s, Q = 8 / (size_t)s;  // codes per block, half, group
    const unsigned qshift = s == 1 ? 3 : s == 2 ? 2 : 1;                          // Q = 1 << qshift
    const size_t rowbytes = width * (size_t)s, total = height * rowbytes;
    const size_t xmax = clampz(xs[gx - 1], width);
    const size_t fc = f < B ? f : B, lc = L < B ? L : B;  // counted bins [fc, lc)
    const uint32_t sign = s == 1 ? 0x80u : s == 2 ? 0x8000u : 0x80000000u;
    uint8_t cnt[8 * 64] __attribute__((aligned(64)));   // counters, CB bytes each
    // Thresholds of the counted bins [fc, lc), biased, broadcast over CB bytes each (lane b at
    // tv + b * CB): filled once per mask, not per band.
    uint8_t tv[(CC_MAXB + 8) * 64] __attribute__((aligned(64)));
    uint8_t pad[64 * 64] __attribute__((aligned(64)));  // copied rows
    // Per block of the chunk (k < CC_RANGES): the first counted bin whose threshold exceeds
    // the block's smallest code (bins below count every row) and its largest (bins from there
    // count none), both in [fc, lc].
    uint32_t bfirst[CC_RANGES], bend[CC_RANGES];
    __m256i gs[8];
    for (size_t b = fc; b < lc; b++) {
        const uint32_t v = (e[b] - 1) ^ sign;
        if (s == 1)
            memset(tv + b * CB, (int)(v & 0xFF), CB);
        else
            for (size_t q = 0; q < CB; q += (size_t)s) memcpy(tv + b * CB + q, &v, (size_t)s);
    }
    // u8: cc_first_above for every code, once per mask.
    uint16_t above8[256];
    if (s == 1)
        for (size_t c = 0, b = fc; c < 256; c++) {
            while (b < lc && e[b] <= c) b++;
            above8[c] = (uint16_t)b;
        }
    size_t y0 = 0;
    for (size_t iy = 0; iy < gy; iy++) {
        const size_t Y = clampz(ys[iy], height);
        uint32_t *row = out + iy * gx * B;
        if (iy == 0)
            memset(row, 0, gx * B * sizeof *row);
        else
            memcpy(row, row - gx * B, gx * B * sizeof *row);
        // Prefetch the first band, then each next band while this one is counted: the rows
        // are visited column-wise, which the hardware prefetchers do not follow.
        if (iy == 0)
            for (size_t k = 0; k < Y * rowbytes && k < 16384; k += 64) _mm_prefetch((const char *)mask + k, _MM_HINT_T0);
        if (iy + 1 < gy) {
            const size_t Yn = clampz(ys[iy + 1], height);
            const size_t from = Y * rowbytes, to = Yn > Y ? Yn * rowbytes : from;
            for (size_t k = from; k < to && k < from + 16384; k += 64) _mm_prefetch((const char *)mask + k, _MM_HINT_T0);
        }
        for (size_t r0 = y0; r0 < Y && fc < lc; r0 += CH) {
            const size_t r1 = Y - r0 > CH ? r0 + CH : Y;
            const uint32_t nrows = (uint32_t)(r1 - r0);
            uint8_t full[64] __attribute__((aligned(64)));  // a counter block of nrows in every lane
            for (size_t q = 0; q < CB; q += (size_t)s) memcpy(full + q, &nrows, (size_t)s);
            for (size_t vb = 0, k = 0; vb < xmax && k < CC_RANGES; vb += CBE, k++) {
                size_t rs;
                const size_t np = cc_block_rows(mask, rowbytes, total, vb * (size_t)s, CB, r0, r1, &rs, pad);
                uint32_t mn, mx;
                range(mask + r0 * rowbytes + vb * (size_t)s, rowbytes, rs - r0, pad, np, &mn, &mx);
                bfirst[k] = s == 1 ? above8[mn] : (uint32_t)cc_first_above(e, fc, lc, mn);
                bend[k] = s == 1 ? above8[mx] : (uint32_t)cc_first_above(e, fc, lc, mx);
            }
            for (size_t o = fc / 8; o < nocts && 8 * o < lc; o++) {
                // This octet counts bins [a, b); its other lanes stay 0 (lanes below a are
                // bins < f, rewritten below; lanes from b on are bins >= L or past the end).
                const size_t a = fc > 8 * o ? fc : 8 * o, b = lc < 8 * o + 8 ? lc : 8 * o + 8;
                uint32_t *const dst0 = row + 8 * o;
                const size_t lanes = B - 8 * o;
                __m256i run = _mm256_setzero_si256();  // counts of the columns left of the current group
                size_t ci = 0;                          // next corner to emit
                for (size_t vb = 0, k = 0; vb < xmax; vb += CBE, k++) {
                    // Lanes [a, c0) count every row, [c0, c1) are counted, the others none.
                    size_t c0 = a - 8 * o, c1 = b - 8 * o;
                    if (k < CC_RANGES) {
                        const size_t f0 = bfirst[k] < a ? a : bfirst[k] > b ? b : bfirst[k];
                        const size_t f1 = bend[k] < f0 ? f0 : bend[k] > b ? b : bend[k];
                        c0 = f0 - 8 * o, c1 = f1 - 8 * o;
                    }
                    const size_t all0 = a - 8 * o;
                    if (c1 > c0) {
                        size_t rs;
                        const size_t np = cc_block_rows(mask, rowbytes, total, vb * (size_t)s, CB, r0, r1, &rs, pad);
                        kern(mask + r0 * rowbytes + vb * (size_t)s, rowbytes, rs - r0, pad, np, tv + (8 * o + c0) * CB, cnt + c0 * CB,
                             (int)(c1 - c0));
                    }
                    // Counted lanes: per-column counters, reduced below. Otherwise every group
                    // sum is nrows * (columns) in lanes [all0, c0) and 0 elsewhere.
                    const int counted = c1 > c0;
                    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
                    const __m256i fullv = _mm256_and_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32((int)c0), lane),
                                                           _mm256_cmpgt_epi32(lane, _mm256_set1_epi32((int)all0 - 1)));
                    if (counted) {
                        for (size_t l = 0; l < 8; l++) {
                            if (l >= c0 && l < c1) continue;
                            uint8_t *d = cnt + l * CB;
                            if (l >= all0 && l < c0)
                                memcpy(d, full, CB);
                            else
                                memset(d, 0, CB);
                        }
                    }
                    for (size_t h = 0, hb = vb; hb < xmax && hb < vb + CBE; h++, hb += HE) {
                        if (counted) {
                            cc_groups(cnt + 32 * h, CB, _mm256_set1_epi8(-1), s, gs + 4 * h);
                        } else {
                            const __m256i z = _mm256_and_si256(fullv, _mm256_set1_epi32((int)(nrows * Q)));
                            gs[4 * h] = z, gs[4 * h + 1] = z, gs[4 * h + 2] = z, gs[4 * h + 3] = z;
                        }
                        // Corners in (hb, hb + HE]: p[j] = the counts left of group j.
                        const __m256i *g = gs + 4 * h;
                        if (ci < gx && clampz(xs[ci], width) <= hb + HE) {
                            __m256i p[5];
                            p[0] = run;
                            for (size_t j = 0; j < 4; j++) p[j + 1] = _mm256_add_epi32(p[j], g[j]);
                            for (size_t X; ci < gx && (X = clampz(xs[ci], width)) <= hb + HE; ci++) {
                                if (X <= hb) continue;  // X == 0: nothing to add
                                const size_t j = (X - hb) >> qshift, gstart = hb + Q * j;
                                __m256i v = p[j];
                                if (X != gstart) {  // inside group j: only its first X - gstart columns
                                    if (counted) {
                                        __m256i g4[4];
                                        cc_groups(cnt + 32 * h, CB, CC_L256(cc_win + 32 - (X - hb) * (size_t)s), s, g4);
                                        v = _mm256_add_epi32(v, g4[j]);
                                    } else {
                                        v = _mm256_add_epi32(v, _mm256_and_si256(fullv, _mm256_set1_epi32((int)(nrows * (X - gstart)))));
                                    }
                                }
                                cc_emit(dst0 + ci * B, v, lanes);
                            }
                            run = p[4];
                        } else {
                            run = _mm256_add_epi32(_mm256_add_epi32(run, _mm256_add_epi32(g[0], g[1])), _mm256_add_epi32(g[2], g[3]));
                        }
                    }
                }
            }
        }
        for (size_t ci = 0; ci < gx; ci++) {
            const uint32_t all_px = (uint32_t)(Y * clampz(xs[ci], width));
            for (size_t b = 0; b < fc; b++) row[ci * B + b] = all_px;
        }
        y0 = Y;
    }
}

// Corner positions non-decreasing after clamping (the documented order; the paths above
// also define a result for other orders, which the compare path does not reproduce).
CMK_INLINE int cc_sorted(const uint32_t *p, size_t n, size_t limit) {
    for (size_t i = 1; i < n; i++)
        if (clampz(p[i], limit) < clampz(p[i - 1], limit)) return 0;
    return 1;
}

// u8 entry of the AVX2 / AVX-512 variants: thresholds from the (clamped) table when it is
// monotone, else the one-hot / scatter paths.
CMK_TARGET_AVX2 CMK_INLINE void chi_u8_fast(const uint8_t *mask, size_t height, size_t width,
                                            const uint8_t *bin_of_code, uint32_t bins, const uint32_t *ys,
                                            size_t gy, const uint32_t *xs, size_t gx, uint32_t *scratch,
                                            uint32_t *out, size_t CB, cc_kern_fn kern, cc_range_fn range) {
    if (bins == 0 || gy == 0 || gx == 0) return;
    uint8_t table[256];
    clamp_bin_table(bin_of_code, bins, table);
    int mono = bins <= CC_MAXB && cc_sorted(xs, gx, width) && cc_sorted(ys, gy, height);
    // Non-decreasing: max(table[c - 1], table[c]) == table[c], 16 codes at a time.
    for (int c = 1; mono && c + 16 <= 256; c += 16) {
        const __m128i t = _mm_loadu_si128((const __m128i *)(const void *)(table + c));
        const __m128i p = _mm_loadu_si128((const __m128i *)(const void *)(table + c - 1));
        mono = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(t, p), t)) == 0xFFFF;
    }
    for (int c = 241; mono && c < 256; c++) mono = table[c] >= table[c - 1];
    if (!mono) {
        chi_u8_simd(mask, height, width, bin_of_code, bins, ys, gy, xs, gx, scratch, out);
        return;
    }
    // e_b = first code whose bin is >= b: bins 1..table[0] hold every code, bins above
    // table[255] none.
    uint32_t e[CC_MAXB + 8];
    uint32_t b = 1;
    for (uint32_t c = 0; c < 256; c++)
        for (; b < bins && table[c] >= b; b++) e[b] = c;
    const uint32_t f = 1u + table[0], L = 1u + table[255];
    chi_cc(mask, height, width, 1, CB, 255, kern, range, e, bins, f, L, ys, gy, xs, gx, out);
}

CMK_INLINE int cc_above(uint64_t e, uint64_t maxcode) { return e > maxcode; }

// u16 / u32 entries: thresholds edges[b-1] (ascending), else the scatter path. Edges of 0
// count every pixel, edges above the largest code none.
#define CMK_CC_EDGES(NAME, T, S, CH, FALLBACK)                                                        \
    CMK_TARGET_AVX2 CMK_INLINE void NAME(const T *mask, size_t height, size_t width, const uint32_t *edges, \
                                         uint32_t bins, const uint32_t *ys, size_t gy, const uint32_t *xs, \
                                         size_t gx, uint32_t *scratch, uint32_t *out, size_t CB,        \
                                         cc_kern_fn kern, cc_range_fn range) {                          \
        if (bins == 0 || gy == 0 || gx == 0) return;                                                    \
        int ok = bins <= CC_MAXB && cc_sorted(xs, gx, width) && cc_sorted(ys, gy, height);              \
        for (uint32_t i = 1; ok && i + 1 < bins; i++) ok = edges[i] >= edges[i - 1];                    \
        if (!ok) {                                                                                      \
            FALLBACK(mask, height, width, edges, bins, ys, gy, xs, gx, scratch, out);                   \
            return;                                                                                     \
        }                                                                                               \
        uint32_t e[CC_MAXB + 8];                                                                        \
        uint32_t f = 1, L = bins;                                                                       \
        for (uint32_t b = 1; b < bins; b++) {                                                           \
            e[b] = edges[b - 1];                                                                        \
            if (e[b] == 0) f = b + 1;                                                                   \
            if (cc_above(e[b], (T)~(T)0) && L == bins) L = b;                                           \
        }                                                                                               \
        chi_cc((const uint8_t *)mask, height, width, S, CB, CH, kern, range, e, bins, f, L, ys, gy, xs, gx, out); \
    }
CMK_CC_EDGES(chi_u16_fast, uint16_t, 2, 32767, chi_u16)
CMK_CC_EDGES(chi_u32_fast, uint32_t, 4, (size_t)1 << 30, chi_u32)

#define CMK_CC_ENTRIES(ATTR, SFX, CB)                                                                   \
    ATTR CMK_INLINE void chi_u8_##SFX(const uint8_t *mask, size_t height, size_t width,                 \
                                      const uint8_t *bin_of_code, uint32_t bins, const uint32_t *ys,    \
                                      size_t gy, const uint32_t *xs, size_t gx, uint32_t *scratch,      \
                                      uint32_t *out) {                                                  \
        chi_u8_fast(mask, height, width, bin_of_code, bins, ys, gy, xs, gx, scratch, out, CB, cc_kern_u8_##SFX,  \
                    cc_range_u8_##SFX);                                                                \
    }                                                                                                   \
    ATTR CMK_INLINE void chi_u16_##SFX(const uint16_t *mask, size_t height, size_t width, const uint32_t *edges, \
                                       uint32_t bins, const uint32_t *ys, size_t gy, const uint32_t *xs,  \
                                       size_t gx, uint32_t *scratch, uint32_t *out) {                    \
        chi_u16_fast(mask, height, width, edges, bins, ys, gy, xs, gx, scratch, out, CB, cc_kern_u16_##SFX, \
                     cc_range_u16_##SFX);                                                              \
    }                                                                                                   \
    ATTR CMK_INLINE void chi_u32_##SFX(const uint32_t *mask, size_t height, size_t width, const uint32_t *edges, \
                                       uint32_t bins, const uint32_t *ys, size_t gy, const uint32_t *xs,  \
                                       size_t gx, uint32_t *scratch, uint32_t *out) {                    \
        chi_u32_fast(mask, height, width, edges, bins, ys, gy, xs, gx, scratch, out, CB, cc_kern_u32_##SFX, \
                     cc_range_u32_##SFX);                                                              \
    }
CMK_CC_ENTRIES(CMK_TARGET_AVX2, avx2, 32)
CMK_CC_ENTRIES(CMK_TARGET_AVX512, avx512, 64)
#endif

#define CMK_CHI_VARIANTS(ATTR, SFX, U8IMPL, U16IMPL, U32IMPL)                                       \
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
        U16IMPL(mask, height, width, edges, bins, ys, gy, xs, gx, scratch, out);                    \
    }                                                                                               \
    ATTR void cmk_chi_build_u32_##SFX(const uint32_t *mask, size_t height, size_t width,            \
                                      const uint32_t *edges, uint32_t bins, const uint32_t *ys,     \
                                      size_t gy, const uint32_t *xs, size_t gx, uint32_t *scratch,  \
                                      uint32_t *out) {                                              \
        U32IMPL(mask, height, width, edges, bins, ys, gy, xs, gx, scratch, out);                    \
    }

#ifndef CMK_AVX512_EMULATION  // avx512_emulated.h: only the AVX-512 variants, renamed
CMK_CHI_VARIANTS(, scalar, chi_u8, chi_u16, chi_u32)
#if CMK_X86
CMK_CHI_VARIANTS(CMK_TARGET_AVX2, avx2, chi_u8_avx2, chi_u16_avx2, chi_u32_avx2)
#endif
#endif
#if CMK_X86
CMK_CHI_VARIANTS(CMK_TARGET_AVX512, avx512, chi_u8_avx512, chi_u16_avx512, chi_u32_avx512)
#endif

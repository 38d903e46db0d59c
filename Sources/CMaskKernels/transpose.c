// Transposition of 16- and 32-bit tiles: mask-major index entries into key columns.
//
// Why C: a full index build moves every entry of every mask (40k masks x 4275 keys) from its
// mask's row into its key's column; a scalar gather pays a load per entry, strided by a row
// of entries. SSE2 (the x86-64 baseline, so no dispatch: every CPU runs the same code and a
// transposition has one possible result) moves 8x8 u16 or 4x4 u32 blocks with unpacks:
// 8 loads and 8 stores of 16 bytes per 64 entries. Elsewhere a scalar loop.
//
// Tiling: 32 rows x 256 columns at a time, so that the 32 source rows' lines stay in L1
// across the tile's columns, each destination column gets 64 (u16) or 128 (u32) contiguous
// bytes per tile, and the 256 destination pages stay in the TLB.
#include "internal.h"

#if CMK_X86
#include <emmintrin.h>
#endif

enum { TR_ROWS = 32, TR_COLS = 256 };

#define CMK_TRANSPOSE_SCALAR(T, src, ss, r0, r1, c0, c1, dst, ds)                       \
    for (size_t c = (c0); c < (c1); c++)                                                 \
        for (size_t r = (r0); r < (r1); r++) (dst)[c * (ds) + r] = (src)[r * (ss) + c];

#if CMK_X86
#define TR_L(p) _mm_loadu_si128((const __m128i *)(const void *)(p))
#define TR_S(p, v) _mm_storeu_si128((__m128i *)(void *)(p), (v))

// The last step of both: the low halves of x and y to lo, the high halves to hi.
static inline __attribute__((always_inline)) void tr_store_halves(void *lo, void *hi, __m128i x, __m128i y) {
    TR_S(lo, _mm_unpacklo_epi64(x, y));
    TR_S(hi, _mm_unpackhi_epi64(x, y));
}

// One 8x8 block of u16: rows r..r+7, columns c..c+7.
static inline __attribute__((always_inline)) void tr_block_u16(const uint16_t *s, size_t ss, uint16_t *d, size_t ds) {
    const __m128i a0 = TR_L(s), a1 = TR_L(s + ss), a2 = TR_L(s + 2 * ss), a3 = TR_L(s + 3 * ss);
    const __m128i a4 = TR_L(s + 4 * ss), a5 = TR_L(s + 5 * ss), a6 = TR_L(s + 6 * ss), a7 = TR_L(s + 7 * ss);
    const __m128i b0 = _mm_unpacklo_epi16(a0, a1), b1 = _mm_unpackhi_epi16(a0, a1);
    const __m128i b2 = _mm_unpacklo_epi16(a2, a3), b3 = _mm_unpackhi_epi16(a2, a3);
    const __m128i b4 = _mm_unpacklo_epi16(a4, a5), b5 = _mm_unpackhi_epi16(a4, a5);
    const __m128i b6 = _mm_unpacklo_epi16(a6, a7), b7 = _mm_unpackhi_epi16(a6, a7);
    const __m128i c0 = _mm_unpacklo_epi32(b0, b2), c1 = _mm_unpackhi_epi32(b0, b2);
    const __m128i c2 = _mm_unpacklo_epi32(b1, b3), c3 = _mm_unpackhi_epi32(b1, b3);
    const __m128i c4 = _mm_unpacklo_epi32(b4, b6), c5 = _mm_unpackhi_epi32(b4, b6);
    const __m128i c6 = _mm_unpacklo_epi32(b5, b7), c7 = _mm_unpackhi_epi32(b5, b7);
    tr_store_halves(d, d + ds, c0, c4);
    tr_store_halves(d + 2 * ds, d + 3 * ds, c1, c5);
    tr_store_halves(d + 4 * ds, d + 5 * ds, c2, c6);
    tr_store_halves(d + 6 * ds, d + 7 * ds, c3, c7);
}

// One 4x4 block of u32.
static inline __attribute__((always_inline)) void tr_block_u32(const uint32_t *s, size_t ss, uint32_t *d, size_t ds) {
    const __m128i a0 = TR_L(s), a1 = TR_L(s + ss), a2 = TR_L(s + 2 * ss), a3 = TR_L(s + 3 * ss);
    const __m128i b0 = _mm_unpacklo_epi32(a0, a1), b1 = _mm_unpackhi_epi32(a0, a1);
    const __m128i b2 = _mm_unpacklo_epi32(a2, a3), b3 = _mm_unpackhi_epi32(a2, a3);
    tr_store_halves(d, d + ds, b0, b2);
    tr_store_halves(d + 2 * ds, d + 3 * ds, b1, b3);
}
#define TR_BLOCK_u16 tr_block_u16
#define TR_BLOCK_u32 tr_block_u32
#endif

// The tiled driver: whole N x N blocks by TR_BLOCK (x86), the edges by the scalar loop.
#define CMK_TRANSPOSE(NAME, T, N)                                                                         \
    void cmk_transpose_##NAME(const T *src, size_t src_stride, size_t rows, size_t cols, T *dst,          \
                              size_t dst_stride) {                                                        \
        for (size_t ct = 0; ct < cols; ct += TR_COLS) {                                                   \
            const size_t ce = cols - ct < TR_COLS ? cols : ct + TR_COLS;                                  \
            for (size_t rt = 0; rt < rows; rt += TR_ROWS) {                                               \
                const size_t re = rows - rt < TR_ROWS ? rows : rt + TR_ROWS;                              \
                size_t cb = ct, rb = rt; /* ends of the whole blocks */                                   \
                TR_WHOLE(NAME, N)                                                                         \
                CMK_TRANSPOSE_SCALAR(T, src, src_stride, rt, re, cb, ce, dst, dst_stride)                 \
                CMK_TRANSPOSE_SCALAR(T, src, src_stride, rb, re, ct, cb, dst, dst_stride)                 \
            }                                                                                             \
        }                                                                                                 \
    }
#if CMK_X86
#define TR_WHOLE(NAME, N)                                                                                 \
    cb = ct + (ce - ct) / N * N, rb = rt + (re - rt) / N * N;                                             \
    for (size_t c = ct; c < cb; c += N)                                                                   \
        for (size_t r = rt; r < rb; r += N) TR_BLOCK_##NAME(src + r * src_stride + c, src_stride, dst + c * dst_stride + r, dst_stride);
#else
#define TR_WHOLE(NAME, N)
#endif

CMK_TRANSPOSE(u16, uint16_t, 8)
CMK_TRANSPOSE(u32, uint32_t, 4)

// Box counting: how many codes of a rectangular box lie in [lo, hi).
//
// Why C: this is the hottest loop of the system (every CHI-bound refinement and every
// exact filter ends here), and it must run at memory speed, which needs SIMD compares
// over 32/64 codes per instruction; Swift does not reliably vectorise it.
//
// All variants use the unsigned-range trick: lo <= c < hi  <=>  (c - lo) <= (hi - lo - 1)
// in the code's own unsigned width, after clamping hi to 2^bits (so hi = 256 for u8 and
// hi = 65536 for u16 work). Integer counting: results are identical in every variant.
#include "internal.h"

#if CMK_X86
#include <immintrin.h>
#endif

// Clamps [lo, hi) to the code domain [0, 2^bits) and returns the width (0 = empty).
CMK_INLINE uint32_t range_width(uint32_t lo, uint32_t hi, uint32_t bits) {
    uint64_t top = (uint64_t)1 << bits;
    uint64_t h = hi < top ? hi : top;
    return lo < h ? (uint32_t)(h - lo) : 0;
}

// ---------------------------------------------------------------- scalar

#define CMK_SCALAR_COUNT(NAME, T, BITS)                                                     \
    uint64_t cmk_count_box_##NAME##_scalar(const T *base, size_t stride, size_t cols,        \
                                        size_t rows, uint32_t lo, uint32_t hi) {              \
        uint32_t w = range_width(lo, hi, BITS);                                               \
        if (w == 0 || cols == 0 || rows == 0) return 0;                                       \
        uint64_t n = 0;                                                                       \
        for (size_t r = 0; r < rows; r++) {                                                   \
            const T *p = base + r * stride;                                               \
            for (size_t i = 0; i < cols; i++) n += (uint32_t)((uint32_t)p[i] - lo) < w;       \
        }                                                                                     \
        return n;                                                                             \
    }

#ifndef CMK_AVX512_EMULATION  // avx512_emulated.h: only the AVX-512 variants, renamed
CMK_SCALAR_COUNT(u8, uint8_t, 8)
CMK_SCALAR_COUNT(u16, uint16_t, 16)
CMK_SCALAR_COUNT(u32, uint32_t, 32)
#endif

#if CMK_X86
#ifndef CMK_AVX512_EMULATION

// ---------------------------------------------------------------- AVX2
//
// Row tails shorter than a vector are loaded as a full 32-byte vector whenever that stays
// inside the box's own memory [base, base + (rows-1)*stride + cols): forwards from the tail
// start if the bytes after it still belong to the box (any row but the last), else
// backwards from the row end; the extra lanes are masked off. Only boxes whose whole
// extent is under 32 bytes fall back to scalar code.

// 0x00 x32, 0xFF x32, 0x00 x32: loadu(k_win + 64 - r) keeps the first r bytes,
// loadu(k_win + r) keeps the last r bytes.
static const uint8_t k_win[96] __attribute__((aligned(32))) = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

// Loads the tail of a row (rb bytes at byte offset `off` of the box, 0 < rb < 32) as a
// full vector plus a lane mask; returns 0 when no in-box 32-byte window covers it.
CMK_TARGET_AVX2 CMK_INLINE int load_tail_avx2(const uint8_t *box, size_t extent, size_t off, size_t rb,
                                               __m256i *v, __m256i *keep) {
    if (off + 32 <= extent) {
        *v = _mm256_loadu_si256((const __m256i *)(box + off));
        *keep = _mm256_loadu_si256((const __m256i *)(k_win + 64 - rb));
        return 1;
    }
    if (off + rb >= 32) {
        *v = _mm256_loadu_si256((const __m256i *)(box + off + rb - 32));
        *keep = _mm256_loadu_si256((const __m256i *)(k_win + rb));
        return 1;
    }
    return 0;
}

// u8: in-range lanes compare to 0xFF, and subtracting them counts per byte lane; byte
// counters are folded into 64-bit sums with SAD before any lane can reach 256.
CMK_TARGET_AVX2 uint64_t cmk_count_box_u8_avx2(const uint8_t *base, size_t stride, size_t cols,
                                                  size_t rows, uint32_t lo, uint32_t hi) {
    uint32_t w = range_width(lo, hi, 8);
    if (w == 0 || cols == 0 || rows == 0) return 0;
    if (stride == cols) { cols *= rows; rows = 1; }  // contiguous box: one long row
    const size_t extent = (rows - 1) * stride + cols;
    const __m256i vlo = _mm256_set1_epi8((char)lo);
    const __m256i lim = _mm256_set1_epi8((char)(w - 1));
    const __m256i zero = _mm256_setzero_si256();
    __m256i acc8 = zero, acc64 = zero;
    unsigned pending = 0;  // increments per byte lane since the last fold (<= 255)
    uint64_t n = 0;
#define CMK_FOLD8()                                                  \
    do {                                                             \
        acc64 = _mm256_add_epi64(acc64, _mm256_sad_epu8(acc8, zero)); \
        acc8 = zero;                                                 \
        pending = 0;                                                 \
    } while (0)
    for (size_t r = 0; r < rows; r++) {
        const uint8_t *p = base + r * stride;
        size_t i = 0;
        while (i + 32 <= cols) {
            size_t chunks = (cols - i) / 32;
            if (pending == 255) CMK_FOLD8();
            size_t room = 255 - pending;
            if (chunks > room) chunks = room;
            for (size_t k = 0; k < chunks; k++, i += 32) {
                __m256i x = _mm256_sub_epi8(_mm256_loadu_si256((const __m256i *)(p + i)), vlo);
                __m256i m = _mm256_cmpeq_epi8(_mm256_max_epu8(x, lim), lim);
                acc8 = _mm256_sub_epi8(acc8, m);
            }
            pending += (unsigned)chunks;
        }
        size_t rb = cols - i;
        if (rb) {
            __m256i v, keep;
            if (load_tail_avx2(base, extent, r * stride + i, rb, &v, &keep)) {
                if (pending == 255) CMK_FOLD8();
                __m256i x = _mm256_sub_epi8(v, vlo);
                __m256i m = _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_max_epu8(x, lim), lim), keep);
                acc8 = _mm256_sub_epi8(acc8, m);
                pending++;
            } else {
                for (; i < cols; i++) n += (uint32_t)((uint32_t)p[i] - lo) < w;
            }
        }
    }
    CMK_FOLD8();
#undef CMK_FOLD8
    __m128i s = _mm_add_epi64(_mm256_castsi256_si128(acc64), _mm256_extracti128_si256(acc64, 1));
    return n + (uint64_t)_mm_cvtsi128_si64(s) + (uint64_t)_mm_extract_epi64(s, 1);
}

// u16 / u32: the compare mask's byte sign bits are popcounted (2 or 4 bits per lane).
#define CMK_AVX2_COUNT(NAME, T, BITS, SET1, SUB, MAX, CMPEQ, ESZ)                                        \
    CMK_TARGET_AVX2 uint64_t cmk_count_box_##NAME##_avx2(const T *base, size_t stride, size_t cols, \
                                                      size_t rows, uint32_t lo, uint32_t hi) {      \
        uint32_t w = range_width(lo, hi, BITS);                                                     \
        if (w == 0 || cols == 0 || rows == 0) return 0;                                             \
        if (stride == cols) { cols *= rows; rows = 1; }                                             \
        const uint8_t *box = (const uint8_t *)base;                                                 \
        const size_t extent = ((rows - 1) * stride + cols) * ESZ;                                   \
        const __m256i vlo = SET1((T)lo);                                                        \
        const __m256i lim = SET1((T)(w - 1));                                                   \
        uint64_t bitsum = 0, n = 0;                                                                 \
        const size_t lanes = 32 / ESZ;                                                              \
        for (size_t r = 0; r < rows; r++) {                                                         \
            const T *p = base + r * stride;                                                     \
            size_t i = 0;                                                                           \
            for (; i + lanes <= cols; i += lanes) {                                                 \
                __m256i x = SUB(_mm256_loadu_si256((const __m256i *)(p + i)), vlo);                 \
                __m256i m = CMPEQ(MAX(x, lim), lim);                                                \
                bitsum += (uint64_t)__builtin_popcount((unsigned)_mm256_movemask_epi8(m));          \
            }                                                                                       \
            size_t rem = cols - i;                                                                  \
            if (rem) {                                                                              \
                __m256i v, keep;                                                                    \
                if (load_tail_avx2(box, extent, (r * stride + i) * ESZ, rem * ESZ, &v, &keep)) {    \
                    __m256i x = SUB(v, vlo);                                                        \
                    __m256i m = _mm256_and_si256(CMPEQ(MAX(x, lim), lim), keep);                    \
                    bitsum += (uint64_t)__builtin_popcount((unsigned)_mm256_movemask_epi8(m));      \
                } else {                                                                            \
                    for (; i < cols; i++) n += (uint32_t)((uint32_t)p[i] - lo) < w;                 \
                }                                                                                   \
            }                                                                                       \
        }                                                                                           \
        return n + bitsum / ESZ;                                                                    \
    }

#define CMK_SET1_16(x) _mm256_set1_epi16((short)(x))
#define CMK_SET1_32(x) _mm256_set1_epi32((int)(x))
CMK_AVX2_COUNT(u16, uint16_t, 16, CMK_SET1_16, _mm256_sub_epi16, _mm256_max_epu16, _mm256_cmpeq_epi16, 2)
CMK_AVX2_COUNT(u32, uint32_t, 32, CMK_SET1_32, _mm256_sub_epi32, _mm256_max_epu32, _mm256_cmpeq_epi32, 4)
#endif

// ---------------------------------------------------------------- AVX-512 (F + BW)
//
// Compares produce k-masks directly (popcounted); row tails use fault-suppressing masked
// loads, so no tail special cases are needed.

#define CMK_AVX512_COUNT(NAME, T, BITS, SET1, SUB, CMPLE, MASKT, LOADZ, LANES, ALLONES)                  \
    CMK_TARGET_AVX512 uint64_t cmk_count_box_##NAME##_avx512(const T *base, size_t stride,         \
                                                          size_t cols, size_t rows, uint32_t lo,    \
                                                          uint32_t hi) {                            \
        uint32_t w = range_width(lo, hi, BITS);                                                     \
        if (w == 0 || cols == 0 || rows == 0) return 0;                                             \
        if (stride == cols) { cols *= rows; rows = 1; }                                             \
        const __m512i vlo = SET1((T)lo);                                                        \
        const __m512i lim = SET1((T)(w - 1));                                                   \
        uint64_t n = 0;                                                                             \
        for (size_t r = 0; r < rows; r++) {                                                         \
            const T *p = base + r * stride;                                                     \
            size_t i = 0;                                                                           \
            for (; i + LANES <= cols; i += LANES) {                                                 \
                __m512i x = SUB(_mm512_loadu_si512((const void *)(p + i)), vlo);                    \
                n += (uint64_t)__builtin_popcountll((uint64_t)CMPLE(x, lim));                       \
            }                                                                                       \
            size_t rem = cols - i;                                                                  \
            if (rem) {                                                                              \
                MASKT k = (MASKT)(ALLONES >> (LANES - rem));                                        \
                __m512i x = SUB(LOADZ(k, (const void *)(p + i)), vlo);                              \
                n += (uint64_t)__builtin_popcountll((uint64_t)(CMPLE(x, lim) & k));                 \
            }                                                                                       \
        }                                                                                           \
        return n;                                                                                   \
    }

#define CMK_SET1_512_8(x) _mm512_set1_epi8((char)(x))
#define CMK_SET1_512_16(x) _mm512_set1_epi16((short)(x))
#define CMK_SET1_512_32(x) _mm512_set1_epi32((int)(x))
CMK_AVX512_COUNT(u8, uint8_t, 8, CMK_SET1_512_8, _mm512_sub_epi8, _mm512_cmple_epu8_mask, __mmask64,
                 _mm512_maskz_loadu_epi8, 64, ~(uint64_t)0)
CMK_AVX512_COUNT(u16, uint16_t, 16, CMK_SET1_512_16, _mm512_sub_epi16, _mm512_cmple_epu16_mask, __mmask32,
                 _mm512_maskz_loadu_epi16, 32, (uint64_t)0xFFFFFFFFu)
CMK_AVX512_COUNT(u32, uint32_t, 32, CMK_SET1_512_32, _mm512_sub_epi32, _mm512_cmple_epu32_mask, __mmask16,
                 _mm512_maskz_loadu_epi32, 16, (uint64_t)0xFFFFu)

#endif

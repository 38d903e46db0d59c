// Pixel-wise aggregation: decoding codes to doubles, threshold flags (on doubles, or directly
// on codes), and accumulators.
//
// Why C: these run over every pixel of every mask in an aggregation query; each is a
// trivially parallel loop that the compiler vectorises per target (AVX2 / AVX-512 wrappers
// around one always-inline body). Only exact element-wise IEEE operations are used (no
// reassociation, no fast-math), so every variant gives bit-identical results.
#include "internal.h"

#include <string.h>

#if CMK_X86
#include <immintrin.h>
#endif

// out[i] = level_value[codes[i]]: the u8 level table lookup.
CMK_INLINE void decode_u8(const uint8_t *codes, size_t n, const double *level_value, double *out) {
    for (size_t i = 0; i < n; i++) out[i] = level_value[codes[i]];
}

// IEEE binary16 -> binary64, exact, by bit manipulation (portable; branch-free so it
// vectorises). Normal: rebias the exponent (15 -> 1023) and widen the fraction; subnormal:
// fraction * 2^-24 (exact in double); Inf/NaN: all-ones exponent, fraction kept (payload and
// quiet bit preserved). The sign is copied in all cases.
CMK_INLINE uint64_t half_to_double_bits(uint16_t h) {
    const uint64_t sign = (uint64_t)(h >> 15) << 63;
    const uint32_t e = (h >> 10) & 0x1F;
    const uint64_t f = h & 0x3FF;
    double sub = (double)(uint32_t)f * 0x1p-24;
    uint64_t subbits;
    memcpy(&subbits, &sub, sizeof subbits);
    const uint64_t normbits = ((uint64_t)(e + (1023 - 15)) << 52) | (f << 42);
    const uint64_t specbits = ((uint64_t)0x7FF << 52) | (f << 42);
    const uint64_t mag = e == 0 ? subbits : (e == 31 ? specbits : normbits);
    return sign | mag;
}

CMK_INLINE void decode_f16(const uint16_t *codes, size_t n, double *out) {
    for (size_t i = 0; i < n; i++) {
        uint64_t b = half_to_double_bits(codes[i]);
        memcpy(&out[i], &b, sizeof b);
    }
}

// float -> double is exact.
CMK_INLINE void decode_f32(const float *codes, size_t n, double *out) {
    for (size_t i = 0; i < n; i++) out[i] = (double)codes[i];
}

// flags[i] = flags[i] && v[i] (>|>=) t, resp. ||; results are 0/1.
CMK_INLINE void flags_and(const double *v, size_t n, double t, int strict, uint8_t *flags) {
    if (strict)
        for (size_t i = 0; i < n; i++) flags[i] = (uint8_t)((flags[i] != 0) & (v[i] > t));
    else
        for (size_t i = 0; i < n; i++) flags[i] = (uint8_t)((flags[i] != 0) & (v[i] >= t));
}

CMK_INLINE void flags_or(const double *v, size_t n, double t, int strict, uint8_t *flags) {
    if (strict)
        for (size_t i = 0; i < n; i++) flags[i] = (uint8_t)((flags[i] != 0) | (v[i] > t));
    else
        for (size_t i = 0; i < n; i++) flags[i] = (uint8_t)((flags[i] != 0) | (v[i] >= t));
}

// acc[i] = acc[i] + v[i]; min / max written as selects that map onto minpd / maxpd exactly
// (for non-NaN inputs; on ties, including -0 vs +0, the accumulator is kept).
CMK_INLINE void acc_add(const double *v, size_t n, double *acc) {
    for (size_t i = 0; i < n; i++) acc[i] = acc[i] + v[i];
}
CMK_INLINE void acc_min(const double *v, size_t n, double *acc) {
    for (size_t i = 0; i < n; i++) acc[i] = v[i] < acc[i] ? v[i] : acc[i];
}
CMK_INLINE void acc_max(const double *v, size_t n, double *acc) {
    for (size_t i = 0; i < n; i++) acc[i] = v[i] > acc[i] ? v[i] : acc[i];
}

#define CMK_PIXELWISE_VARIANTS(ATTR, SFX)                                                            \
    ATTR void cmk_decode_u8_##SFX(const uint8_t *codes, size_t n, const double *lv, double *out) {   \
        decode_u8(codes, n, lv, out);                                                                \
    }                                                                                                \
    ATTR void cmk_decode_f16_##SFX(const uint16_t *codes, size_t n, double *out) {                   \
        decode_f16(codes, n, out);                                                                   \
    }                                                                                                \
    ATTR void cmk_decode_f32_##SFX(const float *codes, size_t n, double *out) {                      \
        decode_f32(codes, n, out);                                                                   \
    }                                                                                                \
    ATTR void cmk_flags_and_##SFX(const double *v, size_t n, double t, int strict, uint8_t *flags) { \
        flags_and(v, n, t, strict, flags);                                                           \
    }                                                                                                \
    ATTR void cmk_flags_or_##SFX(const double *v, size_t n, double t, int strict, uint8_t *flags) {  \
        flags_or(v, n, t, strict, flags);                                                            \
    }                                                                                                \
    ATTR void cmk_acc_add_##SFX(const double *v, size_t n, double *acc) { acc_add(v, n, acc); }      \
    ATTR void cmk_acc_min_##SFX(const double *v, size_t n, double *acc) { acc_min(v, n, acc); }      \
    ATTR void cmk_acc_max_##SFX(const double *v, size_t n, double *acc) { acc_max(v, n, acc); }

#ifndef CMK_AVX512_EMULATION  // avx512_emulated.h: only the AVX-512 variants, renamed
CMK_PIXELWISE_VARIANTS(, scalar)
#if CMK_X86
CMK_PIXELWISE_VARIANTS(CMK_TARGET_AVX2, avx2)
#endif
#endif
#if CMK_X86
CMK_PIXELWISE_VARIANTS(CMK_TARGET_AVX512, avx512)
#endif

// ---------------------------------------------------------------- threshold flags on codes
//
// flags[i] = flags[i] && codes[i] >= t (resp. ||), results 0/1, or (tally) counts[i] += codes[i]
// >= t (wrapping at 256: the caller tallies at most 255 masks), comparing the stored codes
// directly (the caller turns `mask > v` / `mask >= v` into a code threshold t), so the
// aggregation needs no decoding to double. t is any uint32: t = 0 passes every code, t above
// the largest code (> 255 for u8, > 65535 for u16) none. Scalar reference below; the AVX2
// variants compare unsigned with max (c >= t <=> max(c, t) == c), pack the lane masks to
// bytes and combine them with the flags normalised to 0/1 (min(f, 1)); the AVX-512
// variants compare into k-masks. Integer operations only: identical in every variant.
CMK_INLINE void flags_codes_ref_u8(const uint8_t *c, size_t n, uint32_t t, uint8_t *f, int any) {
    for (size_t i = 0; i < n; i++)
        f[i] = any == 2 ? (uint8_t)(f[i] + ((uint32_t)c[i] >= t))
             : any ? (uint8_t)((f[i] != 0) | ((uint32_t)c[i] >= t)) : (uint8_t)((f[i] != 0) & ((uint32_t)c[i] >= t));
}
CMK_INLINE void flags_codes_ref_u16(const uint16_t *c, size_t n, uint32_t t, uint8_t *f, int any) {
    for (size_t i = 0; i < n; i++)
        f[i] = any == 2 ? (uint8_t)(f[i] + ((uint32_t)c[i] >= t))
             : any ? (uint8_t)((f[i] != 0) | ((uint32_t)c[i] >= t)) : (uint8_t)((f[i] != 0) & ((uint32_t)c[i] >= t));
}
CMK_INLINE void flags_codes_ref_u32(const uint32_t *c, size_t n, uint32_t t, uint8_t *f, int any) {
    for (size_t i = 0; i < n; i++)
        f[i] = any == 2 ? (uint8_t)(f[i] + (c[i] >= t))
             : any ? (uint8_t)((f[i] != 0) | (c[i] >= t)) : (uint8_t)((f[i] != 0) & (c[i] >= t));
}

#if CMK_X86
// 32 flags from 32 "code >= t" byte masks (0xFF / 0).
CMK_TARGET_AVX2 CMK_INLINE void flags_combine_avx2(uint8_t *f, __m256i ge, int any) {
    const __m256i one = _mm256_set1_epi8(1);
    const __m256i fv = _mm256_loadu_si256((const __m256i *)(const void *)f);
    const __m256i r = any == 2 ? _mm256_sub_epi8(fv, ge)  /* ge lanes are -1: a tally */
                    : any ? _mm256_min_epu8(_mm256_or_si256(fv, ge), one) : _mm256_and_si256(_mm256_min_epu8(fv, one), ge);
    _mm256_storeu_si256((__m256i *)(void *)f, r);
}

// `valid` is all ones unless t exceeds every code (then no code passes).
CMK_TARGET_AVX2 CMK_INLINE void flags_codes_u8_avx2(const uint8_t *c, size_t n, uint32_t t, uint8_t *f, int any) {
    const __m256i tv = _mm256_set1_epi8((char)t), valid = _mm256_set1_epi8(t <= 0xFF ? -1 : 0);
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(c + i));
        flags_combine_avx2(f + i, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_max_epu8(x, tv), x), valid), any);
    }
    flags_codes_ref_u8(c + i, n - i, t, f + i, any);
}

CMK_TARGET_AVX2 CMK_INLINE void flags_codes_u16_avx2(const uint16_t *c, size_t n, uint32_t t, uint8_t *f, int any) {
    const __m256i tv = _mm256_set1_epi16((short)t), valid = _mm256_set1_epi8(t <= 0xFFFF ? -1 : 0);
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m256i x0 = _mm256_loadu_si256((const __m256i *)(const void *)(c + i));
        const __m256i x1 = _mm256_loadu_si256((const __m256i *)(const void *)(c + i + 16));
        const __m256i g0 = _mm256_cmpeq_epi16(_mm256_max_epu16(x0, tv), x0);
        const __m256i g1 = _mm256_cmpeq_epi16(_mm256_max_epu16(x1, tv), x1);
        // packs works per 128-bit lane: qwords come out as g0.lo g1.lo g0.hi g1.hi.
        const __m256i ge = _mm256_permute4x64_epi64(_mm256_packs_epi16(g0, g1), 0xD8);
        flags_combine_avx2(f + i, _mm256_and_si256(ge, valid), any);
    }
    flags_codes_ref_u16(c + i, n - i, t, f + i, any);
}

CMK_TARGET_AVX2 CMK_INLINE void flags_codes_u32_avx2(const uint32_t *c, size_t n, uint32_t t, uint8_t *f, int any) {
    const __m256i tv = _mm256_set1_epi32((int)t);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256i g[4];
        for (int k = 0; k < 4; k++) {
            const __m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(c + i + 8 * k));
            g[k] = _mm256_cmpeq_epi32(_mm256_max_epu32(x, tv), x);
        }
        // Two packs leave dwords g0.lo g1.lo g2.lo g3.lo g0.hi g1.hi g2.hi g3.hi.
        const __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(g[0], g[1]), _mm256_packs_epi32(g[2], g[3]));
        flags_combine_avx2(f + i, _mm256_permutevar8x32_epi32(p, order), any);
    }
    flags_codes_ref_u32(c + i, n - i, t, f + i, any);
}

// 64 flags from a 64-bit "code >= t" mask.
CMK_TARGET_AVX512 CMK_INLINE void flags_combine_avx512(uint8_t *f, __mmask64 ge, int any) {
    const __m512i fv = _mm512_loadu_si512((const void *)f);
    if (any == 2) {
        _mm512_storeu_si512((void *)f, _mm512_mask_add_epi8(fv, ge, fv, _mm512_set1_epi8(1)));
        return;
    }
    const __mmask64 nz = _mm512_test_epi8_mask(fv, fv);
    _mm512_storeu_si512((void *)f, _mm512_maskz_mov_epi8(any ? (ge | nz) : (ge & nz), _mm512_set1_epi8(1)));
}

CMK_TARGET_AVX512 CMK_INLINE void flags_codes_u8_avx512(const uint8_t *c, size_t n, uint32_t t, uint8_t *f, int any) {
    const __m512i tv = _mm512_set1_epi8((char)t);
    const __mmask64 valid = t <= 0xFF ? ~(__mmask64)0 : 0;
    size_t i = 0;
    for (; i + 64 <= n; i += 64)
        flags_combine_avx512(f + i, _mm512_cmpge_epu8_mask(_mm512_loadu_si512((const void *)(c + i)), tv) & valid, any);
    flags_codes_ref_u8(c + i, n - i, t, f + i, any);
}

CMK_TARGET_AVX512 CMK_INLINE void flags_codes_u16_avx512(const uint16_t *c, size_t n, uint32_t t, uint8_t *f, int any) {
    const __m512i tv = _mm512_set1_epi16((short)t);
    const __mmask64 valid = t <= 0xFFFF ? ~(__mmask64)0 : 0;
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        const __mmask64 k0 = _mm512_cmpge_epu16_mask(_mm512_loadu_si512((const void *)(c + i)), tv);
        const __mmask64 k1 = _mm512_cmpge_epu16_mask(_mm512_loadu_si512((const void *)(c + i + 32)), tv);
        flags_combine_avx512(f + i, (k0 | (k1 << 32)) & valid, any);
    }
    flags_codes_ref_u16(c + i, n - i, t, f + i, any);
}

CMK_TARGET_AVX512 CMK_INLINE void flags_codes_u32_avx512(const uint32_t *c, size_t n, uint32_t t, uint8_t *f, int any) {
    const __m512i tv = _mm512_set1_epi32((int)t);
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        __mmask64 ge = 0;
        for (int k = 0; k < 4; k++)
            ge |= (__mmask64)_mm512_cmpge_epu32_mask(_mm512_loadu_si512((const void *)(c + i + 16 * k)), tv) << (16 * k);
        flags_combine_avx512(f + i, ge, any);
    }
    flags_codes_ref_u32(c + i, n - i, t, f + i, any);
}
#endif

#define CMK_FLAGS_CODES_VARIANTS(ATTR, SFX, U8, U16, U32)                                                  \
    ATTR void cmk_flags_and_codes_u8_##SFX(const uint8_t *c, size_t n, uint32_t t, uint8_t *f) { U8(c, n, t, f, 0); } \
    ATTR void cmk_flags_or_codes_u8_##SFX(const uint8_t *c, size_t n, uint32_t t, uint8_t *f) { U8(c, n, t, f, 1); }  \
    ATTR void cmk_flags_and_codes_u16_##SFX(const uint16_t *c, size_t n, uint32_t t, uint8_t *f) { U16(c, n, t, f, 0); } \
    ATTR void cmk_flags_or_codes_u16_##SFX(const uint16_t *c, size_t n, uint32_t t, uint8_t *f) { U16(c, n, t, f, 1); }  \
    ATTR void cmk_flags_and_codes_u32_##SFX(const uint32_t *c, size_t n, uint32_t t, uint8_t *f) { U32(c, n, t, f, 0); } \
    ATTR void cmk_flags_or_codes_u32_##SFX(const uint32_t *c, size_t n, uint32_t t, uint8_t *f) { U32(c, n, t, f, 1); }  \
    ATTR void cmk_tally_codes_u8_##SFX(const uint8_t *c, size_t n, uint32_t t, uint8_t *f) { U8(c, n, t, f, 2); }     \
    ATTR void cmk_tally_codes_u16_##SFX(const uint16_t *c, size_t n, uint32_t t, uint8_t *f) { U16(c, n, t, f, 2); }  \
    ATTR void cmk_tally_codes_u32_##SFX(const uint32_t *c, size_t n, uint32_t t, uint8_t *f) { U32(c, n, t, f, 2); }

#ifndef CMK_AVX512_EMULATION
CMK_FLAGS_CODES_VARIANTS(, scalar, flags_codes_ref_u8, flags_codes_ref_u16, flags_codes_ref_u32)
#if CMK_X86
CMK_FLAGS_CODES_VARIANTS(CMK_TARGET_AVX2, avx2, flags_codes_u8_avx2, flags_codes_u16_avx2, flags_codes_u32_avx2)
#endif
#endif
#if CMK_X86
CMK_FLAGS_CODES_VARIANTS(CMK_TARGET_AVX512, avx512, flags_codes_u8_avx512, flags_codes_u16_avx512,
                         flags_codes_u32_avx512)
#endif

// Pixel-wise aggregation: decoding codes to doubles, threshold flags, and accumulators.
//
// Why C: these run over every pixel of every mask in an aggregation query; each is a
// trivially parallel loop that the compiler vectorises per target (AVX2 / AVX-512 wrappers
// around one always-inline body). Only exact element-wise IEEE operations are used (no
// reassociation, no fast-math), so every variant gives bit-identical results.
#include "internal.h"

#include <string.h>

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

CMK_PIXELWISE_VARIANTS(, scalar)
#if CMK_X86
CMK_PIXELWISE_VARIANTS(CMK_TARGET_AVX2, avx2)
CMK_PIXELWISE_VARIANTS(CMK_TARGET_AVX512, avx512)
#endif

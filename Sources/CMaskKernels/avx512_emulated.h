// Prelude of the "AVX-512 emulated" variants (ISA level 4; see internal.h): included by
// chi_avx512emu.c, count_avx512emu.c and pixelwise_avx512emu.c before the kernel source they
// compile once more. SIMDe (libsimde-dev) maps every _mm512_* intrinsic to a portable
// implementation of its documented semantics, so the kernels' AVX-512 code paths — block
// sizes, k-masks, masked tails — run on CPUs without AVX-512 and are compared with the scalar
// variants by the kernel tests. What this cannot check is the compiler's AVX-512 instruction
// selection: only an AVX-512 CPU runs the native *_avx512 variants.
//
// Only the AVX-512 instantiations of each source are compiled here (CMK_AVX512_EMULATION),
// built for AVX2 (CMK_TARGET_AVX512 in internal.h) and renamed *_avx512emu below.
#ifndef CMK_AVX512_EMULATED_H
#define CMK_AVX512_EMULATED_H

#define CMK_AVX512_EMULATION 1
#include "internal.h"

#if CMK_HAS_AVX512_EMULATION
#include <immintrin.h>  // the native SSE / AVX2 declarations first; SIMDe aliases the rest
// Every function from here on (SIMDe's and the kernel source's) is built for AVX2, which the
// level requires: SIMDe's 256- and 512-bit types then pass between them in AVX registers.
#pragma clang attribute push(__attribute__((target("avx2,popcnt"))), apply_to = function)
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>
#include <string.h>

#pragma clang diagnostic ignored "-Wunused-function"
// 512-bit types passed between static inline functions built for AVX2: no ABI crosses a
// boundary that matters (every exported function takes pointers and integers).
#pragma clang diagnostic ignored "-Wpsabi"

// Intrinsics SIMDe 0.7 lacks, by their definitions in Intel's guide (clang's headers define
// some as macros over AVX-512 builtins, hence the #undefs). The masked loads read only the
// selected lanes, as the instruction, which suppresses faults on the others.
static inline simde__mmask32 cmk_emu_cmpgt_epi16_mask(simde__m512i a, simde__m512i b) {
    int16_t x[32], y[32];
    simde_mm512_storeu_si512(x, a);
    simde_mm512_storeu_si512(y, b);
    simde__mmask32 k = 0;
    for (int i = 0; i < 32; i++) k |= (simde__mmask32)(x[i] > y[i]) << i;
    return k;
}
#define CMK_EMU_MASKZ_LOADU(NAME, T, N, MASKT)                                  \
    static inline simde__m512i cmk_emu_maskz_loadu_##NAME(MASKT k, const void *p) { \
        T v[N];                                                                   \
        memset(v, 0, sizeof v);                                                   \
        for (int i = 0; i < N; i++)                                               \
            if ((k >> i) & 1) memcpy(&v[i], (const T *)p + i, sizeof(T));         \
        return simde_mm512_loadu_si512(v);                                        \
    }
CMK_EMU_MASKZ_LOADU(epi8, uint8_t, 64, simde__mmask64)
CMK_EMU_MASKZ_LOADU(epi16, uint16_t, 32, simde__mmask32)
CMK_EMU_MASKZ_LOADU(epi32, uint32_t, 16, simde__mmask16)
#undef _mm512_cmpgt_epi16_mask
#undef _mm512_maskz_loadu_epi8
#undef _mm512_maskz_loadu_epi16
#undef _mm512_maskz_loadu_epi32
#define _mm512_cmpgt_epi16_mask cmk_emu_cmpgt_epi16_mask
#define _mm512_maskz_loadu_epi8 cmk_emu_maskz_loadu_epi8
#define _mm512_maskz_loadu_epi16 cmk_emu_maskz_loadu_epi16
#define _mm512_maskz_loadu_epi32 cmk_emu_maskz_loadu_epi32

// The exported names of this copy (the dispatch table of level 4 points at them).
#define cmk_count_box_u8_avx512 cmk_count_box_u8_avx512emu
#define cmk_count_box_u16_avx512 cmk_count_box_u16_avx512emu
#define cmk_count_box_u32_avx512 cmk_count_box_u32_avx512emu
#define cmk_chi_build_u8_avx512 cmk_chi_build_u8_avx512emu
#define cmk_chi_build_u16_avx512 cmk_chi_build_u16_avx512emu
#define cmk_chi_build_u32_avx512 cmk_chi_build_u32_avx512emu
#define cmk_decode_u8_avx512 cmk_decode_u8_avx512emu
#define cmk_decode_f16_avx512 cmk_decode_f16_avx512emu
#define cmk_decode_f32_avx512 cmk_decode_f32_avx512emu
#define cmk_flags_and_avx512 cmk_flags_and_avx512emu
#define cmk_flags_or_avx512 cmk_flags_or_avx512emu
#define cmk_acc_add_avx512 cmk_acc_add_avx512emu
#define cmk_acc_min_avx512 cmk_acc_min_avx512emu
#define cmk_acc_max_avx512 cmk_acc_max_avx512emu
#define cmk_flags_and_codes_u8_avx512 cmk_flags_and_codes_u8_avx512emu
#define cmk_flags_or_codes_u8_avx512 cmk_flags_or_codes_u8_avx512emu
#define cmk_flags_and_codes_u16_avx512 cmk_flags_and_codes_u16_avx512emu
#define cmk_flags_or_codes_u16_avx512 cmk_flags_or_codes_u16_avx512emu
#define cmk_flags_and_codes_u32_avx512 cmk_flags_and_codes_u32_avx512emu
#define cmk_flags_or_codes_u32_avx512 cmk_flags_or_codes_u32_avx512emu
#define cmk_tally_codes_u8_avx512 cmk_tally_codes_u8_avx512emu
#define cmk_tally_codes_u16_avx512 cmk_tally_codes_u16_avx512emu
#define cmk_tally_codes_u32_avx512 cmk_tally_codes_u32_avx512emu
#endif
#endif

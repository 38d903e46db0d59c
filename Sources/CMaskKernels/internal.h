// Private to CMaskKernels: the per-ISA variant table and the variant prototypes.
//
// Each kernel exists in three variants, compiled from the same source with different
// `target` attributes (no compiler flags: the package must build with plain settings):
//   *_scalar  baseline x86-64 (SSE2) or whatever the target's baseline is
//   *_avx2    __attribute__((target("avx2,popcnt")))
//   *_avx512  __attribute__((target("avx512f,avx512bw,popcnt")))
//   *_avx512emu  the *_avx512 source through SIMDe, for tests (below)
// dispatch.c picks one table once (pthread_once) from __builtin_cpu_supports and
// publishes it through an atomic pointer; cmk_force_isa swaps the pointer (tests).
#ifndef CMK_INTERNAL_H
#define CMK_INTERNAL_H

#include "CMaskKernels.h"

#if defined(__x86_64__) || defined(__i386__)
#define CMK_X86 1
#define CMK_TARGET_AVX2 __attribute__((target("avx2,popcnt")))
#ifdef CMK_AVX512_EMULATION
// avx512_emulated.h: the AVX-512 source through SIMDe's portable intrinsics, built for AVX2.
#define CMK_TARGET_AVX512 CMK_TARGET_AVX2
#else
#define CMK_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,popcnt")))
#endif
#else
#define CMK_X86 0
#endif

// A fourth variant table, "AVX-512 emulated" (ISA level 4): the AVX-512 variants compiled once
// more with SIMDe's portable implementations of the AVX-512 intrinsics (avx512_emulated.h),
// so that the kernel tests run the AVX-512 code paths on CPUs without AVX-512. Debug builds
// only (Package.swift defines CMK_EMULATE_AVX512), on x86 with AVX2, when libsimde-dev is
// installed (Tools/ensure-deps.sh --tests).
#if CMK_X86 && defined(CMK_EMULATE_AVX512) && defined(__has_include)
#if __has_include(<simde/x86/avx512.h>)
#define CMK_HAS_AVX512_EMULATION 1
#endif
#endif
#ifndef CMK_HAS_AVX512_EMULATION
#define CMK_HAS_AVX512_EMULATION 0
#endif
#define CMK_INLINE static inline __attribute__((always_inline))

typedef uint64_t (*cmk_count_u8_fn)(const uint8_t *, size_t, size_t, size_t, uint32_t, uint32_t);
typedef uint64_t (*cmk_count_u16_fn)(const uint16_t *, size_t, size_t, size_t, uint32_t, uint32_t);
typedef uint64_t (*cmk_count_u32_fn)(const uint32_t *, size_t, size_t, size_t, uint32_t, uint32_t);
typedef void (*cmk_chi_u8_fn)(const uint8_t *, size_t, size_t, const uint8_t *, uint32_t,
                              const uint32_t *, size_t, const uint32_t *, size_t, uint32_t *, uint32_t *);
typedef void (*cmk_chi_u16_fn)(const uint16_t *, size_t, size_t, const uint32_t *, uint32_t,
                               const uint32_t *, size_t, const uint32_t *, size_t, uint32_t *, uint32_t *);
typedef void (*cmk_chi_u32_fn)(const uint32_t *, size_t, size_t, const uint32_t *, uint32_t,
                               const uint32_t *, size_t, const uint32_t *, size_t, uint32_t *, uint32_t *);
typedef void (*cmk_decode_u8_fn)(const uint8_t *, size_t, const double *, double *);
typedef void (*cmk_decode_f16_fn)(const uint16_t *, size_t, double *);
typedef void (*cmk_decode_f32_fn)(const float *, size_t, double *);
typedef void (*cmk_flags_fn)(const double *, size_t, double, int, uint8_t *);
typedef void (*cmk_acc_fn)(const double *, size_t, double *);
typedef void (*cmk_flags_codes_u8_fn)(const uint8_t *, size_t, uint32_t, uint8_t *);
typedef void (*cmk_flags_codes_u16_fn)(const uint16_t *, size_t, uint32_t, uint8_t *);
typedef void (*cmk_flags_codes_u32_fn)(const uint32_t *, size_t, uint32_t, uint8_t *);
typedef uint32_t (*cmk_crc_fn)(uint32_t, const void *, size_t);

struct cmk_ops {
    int isa;
    cmk_count_u8_fn count_u8;
    cmk_count_u16_fn count_u16;
    cmk_count_u32_fn count_u32;
    cmk_chi_u8_fn chi_u8;
    cmk_chi_u16_fn chi_u16;
    cmk_chi_u32_fn chi_u32;
    cmk_decode_u8_fn decode_u8;
    cmk_decode_f16_fn decode_f16;
    cmk_decode_f32_fn decode_f32;
    cmk_flags_fn flags_and;
    cmk_flags_fn flags_or;
    cmk_acc_fn acc_add;
    cmk_acc_fn acc_min;
    cmk_acc_fn acc_max;
    cmk_flags_codes_u8_fn flags_and_codes_u8;
    cmk_flags_codes_u8_fn flags_or_codes_u8;
    cmk_flags_codes_u16_fn flags_and_codes_u16;
    cmk_flags_codes_u16_fn flags_or_codes_u16;
    cmk_flags_codes_u32_fn flags_and_codes_u32;
    cmk_flags_codes_u32_fn flags_or_codes_u32;
    cmk_flags_codes_u8_fn tally_codes_u8;
    cmk_flags_codes_u16_fn tally_codes_u16;
    cmk_flags_codes_u32_fn tally_codes_u32;
    cmk_crc_fn crc32c;
};

#define CMK_DECLARE_VARIANTS(sfx)                                                                  \
    uint64_t cmk_count_box_u8_##sfx(const uint8_t *, size_t, size_t, size_t, uint32_t, uint32_t);  \
    uint64_t cmk_count_box_u16_##sfx(const uint16_t *, size_t, size_t, size_t, uint32_t, uint32_t); \
    uint64_t cmk_count_box_u32_##sfx(const uint32_t *, size_t, size_t, size_t, uint32_t, uint32_t); \
    void cmk_chi_build_u8_##sfx(const uint8_t *, size_t, size_t, const uint8_t *, uint32_t,         \
                                const uint32_t *, size_t, const uint32_t *, size_t, uint32_t *,     \
                                uint32_t *);                                                       \
    void cmk_chi_build_u16_##sfx(const uint16_t *, size_t, size_t, const uint32_t *, uint32_t,      \
                                 const uint32_t *, size_t, const uint32_t *, size_t, uint32_t *,    \
                                 uint32_t *);                                                      \
    void cmk_chi_build_u32_##sfx(const uint32_t *, size_t, size_t, const uint32_t *, uint32_t,      \
                                 const uint32_t *, size_t, const uint32_t *, size_t, uint32_t *,    \
                                 uint32_t *);                                                      \
    void cmk_decode_u8_##sfx(const uint8_t *, size_t, const double *, double *);                   \
    void cmk_decode_f16_##sfx(const uint16_t *, size_t, double *);                                 \
    void cmk_decode_f32_##sfx(const float *, size_t, double *);                                    \
    void cmk_flags_and_##sfx(const double *, size_t, double, int, uint8_t *);                      \
    void cmk_flags_or_##sfx(const double *, size_t, double, int, uint8_t *);                       \
    void cmk_acc_add_##sfx(const double *, size_t, double *);                                      \
    void cmk_acc_min_##sfx(const double *, size_t, double *);                                      \
    void cmk_acc_max_##sfx(const double *, size_t, double *);                                      \
    void cmk_flags_and_codes_u8_##sfx(const uint8_t *, size_t, uint32_t, uint8_t *);               \
    void cmk_flags_or_codes_u8_##sfx(const uint8_t *, size_t, uint32_t, uint8_t *);                \
    void cmk_flags_and_codes_u16_##sfx(const uint16_t *, size_t, uint32_t, uint8_t *);             \
    void cmk_flags_or_codes_u16_##sfx(const uint16_t *, size_t, uint32_t, uint8_t *);              \
    void cmk_flags_and_codes_u32_##sfx(const uint32_t *, size_t, uint32_t, uint8_t *);             \
    void cmk_flags_or_codes_u32_##sfx(const uint32_t *, size_t, uint32_t, uint8_t *);              \
    void cmk_tally_codes_u8_##sfx(const uint8_t *, size_t, uint32_t, uint8_t *);                   \
    void cmk_tally_codes_u16_##sfx(const uint16_t *, size_t, uint32_t, uint8_t *);                 \
    void cmk_tally_codes_u32_##sfx(const uint32_t *, size_t, uint32_t, uint8_t *);

CMK_DECLARE_VARIANTS(scalar)
#if CMK_X86
CMK_DECLARE_VARIANTS(avx2)
CMK_DECLARE_VARIANTS(avx512)
#endif
#if CMK_HAS_AVX512_EMULATION
CMK_DECLARE_VARIANTS(avx512emu)
#endif

/// CRC-32C: portable slicing-by-8 (tables built by cmk_crc32c_init_tables, called once from
/// the dispatch initialiser), the SSE4.2 instruction as one chain, and three chains combined
/// with PCLMULQDQ (SSE4.2 + PCLMUL).
void cmk_crc32c_init_tables(void);
uint32_t cmk_crc32c_sw(uint32_t crc, const void *data, size_t len);
#if CMK_X86
uint32_t cmk_crc32c_sse42(uint32_t crc, const void *data, size_t len);
uint32_t cmk_crc32c_sse42_clmul(uint32_t crc, const void *data, size_t len);
#endif

#endif

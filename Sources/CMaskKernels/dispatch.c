// Run-time dispatch: the public cmk_* entry points forward to the variant table chosen for
// this CPU.
//
// Why C: the dispatch must sit next to the variants (function pointers to target-attributed
// functions) and be initialised once, thread-safely, before any kernel runs.
//
// One table per ISA level is filled once under pthread_once (CPU detection with
// __builtin_cpu_supports, which also checks that the OS enables the AVX/AVX-512 state);
// the active one is published through an atomic pointer, which cmk_force_isa may swap at
// any time (tests). All variants give identical results, so a concurrent switch is harmless.
#include "internal.h"

#include <pthread.h>
#include <stdatomic.h>

enum { ISA_SCALAR = 0, ISA_AVX2 = 2, ISA_AVX512 = 3, ISA_AVX512_EMULATED = 4 };

static struct cmk_ops g_tables[5];  // indexed by ISA level (1 unused)
static int g_best = ISA_SCALAR;     // highest level the CPU supports
static int g_emulated = 0;          // level 4 installed (CMK_HAS_AVX512_EMULATION and AVX2)
static _Atomic(const struct cmk_ops *) g_active;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

#define CMK_FILL(T, ISA, SFX)                          \
    do {                                               \
        (T).isa = (ISA);                               \
        (T).count_u8 = cmk_count_box_u8_##SFX;         \
        (T).count_u16 = cmk_count_box_u16_##SFX;       \
        (T).count_u32 = cmk_count_box_u32_##SFX;       \
        (T).chi_u8 = cmk_chi_build_u8_##SFX;           \
        (T).chi_u16 = cmk_chi_build_u16_##SFX;         \
        (T).chi_u32 = cmk_chi_build_u32_##SFX;         \
        (T).decode_u8 = cmk_decode_u8_##SFX;           \
        (T).decode_f16 = cmk_decode_f16_##SFX;         \
        (T).decode_f32 = cmk_decode_f32_##SFX;         \
        (T).flags_and = cmk_flags_and_##SFX;           \
        (T).flags_or = cmk_flags_or_##SFX;             \
        (T).acc_add = cmk_acc_add_##SFX;               \
        (T).acc_min = cmk_acc_min_##SFX;               \
        (T).acc_max = cmk_acc_max_##SFX;               \
        (T).flags_and_codes_u8 = cmk_flags_and_codes_u8_##SFX;   \
        (T).flags_or_codes_u8 = cmk_flags_or_codes_u8_##SFX;     \
        (T).flags_and_codes_u16 = cmk_flags_and_codes_u16_##SFX; \
        (T).flags_or_codes_u16 = cmk_flags_or_codes_u16_##SFX;   \
        (T).flags_and_codes_u32 = cmk_flags_and_codes_u32_##SFX; \
        (T).tally_codes_u8 = cmk_tally_codes_u8_##SFX;           \
        (T).tally_codes_u16 = cmk_tally_codes_u16_##SFX;         \
        (T).tally_codes_u32 = cmk_tally_codes_u32_##SFX;         \
        (T).flags_or_codes_u32 = cmk_flags_or_codes_u32_##SFX;   \
        (T).crc32c = cmk_crc32c_sw;                    \
    } while (0)

static void cmk_init(void) {
    cmk_crc32c_init_tables();
    CMK_FILL(g_tables[ISA_SCALAR], ISA_SCALAR, scalar);
    g_tables[1] = g_tables[ISA_SCALAR];
    g_tables[ISA_AVX2] = g_tables[ISA_SCALAR];
    g_tables[ISA_AVX512] = g_tables[ISA_SCALAR];
#if CMK_X86
    __builtin_cpu_init();
    // The scalar level keeps the portable CRC, so tests can compare it with the instruction.
    // Three chains need PCLMULQDQ to combine them; SSE4.2 alone gets the single chain.
    cmk_crc_fn crc = !__builtin_cpu_supports("sse4.2") ? cmk_crc32c_sw
                     : __builtin_cpu_supports("pclmul") ? cmk_crc32c_sse42_clmul
                                                        : cmk_crc32c_sse42;
    int popcnt = __builtin_cpu_supports("popcnt");
    if (popcnt && __builtin_cpu_supports("avx2")) {
        CMK_FILL(g_tables[ISA_AVX2], ISA_AVX2, avx2);
        g_tables[ISA_AVX2].crc32c = crc;
        g_tables[ISA_AVX512] = g_tables[ISA_AVX2];
        g_best = ISA_AVX2;
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")) {
            CMK_FILL(g_tables[ISA_AVX512], ISA_AVX512, avx512);
            g_tables[ISA_AVX512].crc32c = crc;
            g_best = ISA_AVX512;
        }
#if CMK_HAS_AVX512_EMULATION
        // Never chosen by itself: only cmk_force_isa(4) installs it (tests).
        CMK_FILL(g_tables[ISA_AVX512_EMULATED], ISA_AVX512_EMULATED, avx512emu);
        g_tables[ISA_AVX512_EMULATED].crc32c = crc;
        g_emulated = 1;
#endif
    }
#endif
    atomic_store_explicit(&g_active, &g_tables[g_best], memory_order_release);
}

static inline const struct cmk_ops *ops(void) {
    const struct cmk_ops *o = atomic_load_explicit(&g_active, memory_order_acquire);
    if (__builtin_expect(o == NULL, 0)) {
        pthread_once(&g_once, cmk_init);
        o = atomic_load_explicit(&g_active, memory_order_acquire);
    }
    return o;
}

int cmk_active_isa(void) { return ops()->isa; }

int cmk_force_isa(int isa) {
    pthread_once(&g_once, cmk_init);
    int level = isa >= ISA_AVX512 ? ISA_AVX512 : isa >= ISA_AVX2 ? ISA_AVX2 : ISA_SCALAR;
    if (level > g_best) level = g_best;
    if (isa >= ISA_AVX512_EMULATED && g_emulated) level = ISA_AVX512_EMULATED;
    atomic_store_explicit(&g_active, &g_tables[level], memory_order_release);
    return level;
}

uint64_t cmk_count_box_u8(const uint8_t *base, size_t stride, size_t cols, size_t rows, uint32_t lo, uint32_t hi) {
    return ops()->count_u8(base, stride, cols, rows, lo, hi);
}
uint64_t cmk_count_box_u16(const uint16_t *base, size_t stride, size_t cols, size_t rows, uint32_t lo, uint32_t hi) {
    return ops()->count_u16(base, stride, cols, rows, lo, hi);
}
uint64_t cmk_count_box_u32(const uint32_t *base, size_t stride, size_t cols, size_t rows, uint32_t lo, uint32_t hi) {
    return ops()->count_u32(base, stride, cols, rows, lo, hi);
}

void cmk_chi_build_u8(const uint8_t *mask, size_t height, size_t width, const uint8_t *bin_of_code, uint32_t bins,
                      const uint32_t *ys, size_t gy, const uint32_t *xs, size_t gx, uint32_t *scratch,
                      uint32_t *out) {
    ops()->chi_u8(mask, height, width, bin_of_code, bins, ys, gy, xs, gx, scratch, out);
}
void cmk_chi_build_u16(const uint16_t *mask, size_t height, size_t width, const uint32_t *edges, uint32_t bins,
                       const uint32_t *ys, size_t gy, const uint32_t *xs, size_t gx, uint32_t *scratch,
                       uint32_t *out) {
    ops()->chi_u16(mask, height, width, edges, bins, ys, gy, xs, gx, scratch, out);
}
void cmk_chi_build_u32(const uint32_t *mask, size_t height, size_t width, const uint32_t *edges, uint32_t bins,
                       const uint32_t *ys, size_t gy, const uint32_t *xs, size_t gx, uint32_t *scratch,
                       uint32_t *out) {
    ops()->chi_u32(mask, height, width, edges, bins, ys, gy, xs, gx, scratch, out);
}

void cmk_decode_u8(const uint8_t *codes, size_t n, const double *level_value, double *out) {
    ops()->decode_u8(codes, n, level_value, out);
}
void cmk_decode_f16(const uint16_t *codes, size_t n, double *out) { ops()->decode_f16(codes, n, out); }
void cmk_decode_f32(const float *codes, size_t n, double *out) { ops()->decode_f32(codes, n, out); }
void cmk_flags_and(const double *v, size_t n, double t, int strict, uint8_t *flags) {
    ops()->flags_and(v, n, t, strict, flags);
}
void cmk_flags_or(const double *v, size_t n, double t, int strict, uint8_t *flags) {
    ops()->flags_or(v, n, t, strict, flags);
}
void cmk_acc_add(const double *v, size_t n, double *acc) { ops()->acc_add(v, n, acc); }
void cmk_acc_min(const double *v, size_t n, double *acc) { ops()->acc_min(v, n, acc); }
void cmk_acc_max(const double *v, size_t n, double *acc) { ops()->acc_max(v, n, acc); }
void cmk_flags_and_codes_u8(const uint8_t *codes, size_t n, uint32_t threshold, uint8_t *flags) {
    ops()->flags_and_codes_u8(codes, n, threshold, flags);
}
void cmk_flags_or_codes_u8(const uint8_t *codes, size_t n, uint32_t threshold, uint8_t *flags) {
    ops()->flags_or_codes_u8(codes, n, threshold, flags);
}
void cmk_flags_and_codes_u16(const uint16_t *codes, size_t n, uint32_t threshold, uint8_t *flags) {
    ops()->flags_and_codes_u16(codes, n, threshold, flags);
}
void cmk_flags_or_codes_u16(const uint16_t *codes, size_t n, uint32_t threshold, uint8_t *flags) {
    ops()->flags_or_codes_u16(codes, n, threshold, flags);
}
void cmk_flags_and_codes_u32(const uint32_t *codes, size_t n, uint32_t threshold, uint8_t *flags) {
    ops()->flags_and_codes_u32(codes, n, threshold, flags);
}
void cmk_flags_or_codes_u32(const uint32_t *codes, size_t n, uint32_t threshold, uint8_t *flags) {
    ops()->flags_or_codes_u32(codes, n, threshold, flags);
}

uint32_t cmk_crc32c(uint32_t crc, const void *data, size_t len) { return ops()->crc32c(crc, data, len); }
void cmk_tally_codes_u8(const uint8_t *codes, size_t n, uint32_t threshold, uint8_t *counts) {
    ops()->tally_codes_u8(codes, n, threshold, counts);
}
void cmk_tally_codes_u16(const uint16_t *codes, size_t n, uint32_t threshold, uint8_t *counts) {
    ops()->tally_codes_u16(codes, n, threshold, counts);
}
void cmk_tally_codes_u32(const uint32_t *codes, size_t n, uint32_t threshold, uint8_t *counts) {
    ops()->tally_codes_u32(codes, n, threshold, counts);
}

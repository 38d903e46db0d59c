// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, init and final xor 0xFFFFFFFF).
//
// Why C: every page/segment read and written by the storage layer is checksummed, so the
// checksum must run at memory speed: the SSE4.2 crc32 instruction does 8 bytes per
// instruction; the portable fallback is slicing-by-8 (8 table lookups per 8 bytes).
// `crc` is a finished CRC (0 to start), so crc32c(crc32c(0, a), b) == crc32c(0, a ++ b).
//
// The crc32 instruction has a latency of 3 cycles and a throughput of 1 per cycle, so one
// dependent chain runs at a third of the instruction's speed. cmk_crc32c_sse42_clmul cuts
// the buffer into three contiguous thirds of 8m bytes (the < 24 bytes left over go through
// one chain), runs three independent chains and combines them: a CRC register r followed
// by n zero bytes becomes r * x^(8n) mod P, and crc32q(0, clmul(r, x^(8n-33) mod P))
// computes exactly that (the carry-less product of two bit-reflected 32-bit values is the
// reflected product times x, and crc32q(0, v) is v * x^32 mod P), so the register is
//   rA * x^(128m) ^ rB * x^(64m) ^ rC,
// one PCLMULQDQ per shifted chain. The multipliers come from a table of x^(64*2^k - 33)
// mod P (built once at start-up), composed by the bits of m with the same clmul + crc32q.
// Each chain reads its third sequentially, so long buffers stream at memory speed.
// Buffers below CMK_CRC_SPLIT bytes use one chain. O(n); on Zen 3 (one core, in cache)
// about 23 GB/s from 4 KB up, against about 8 GB/s for one chain.
#include "internal.h"

#include <string.h>

#if CMK_X86
#include <immintrin.h>
#endif

// Slicing-by-8 tables: t[0] is the bytewise table, t[k][i] = CRC of byte i followed by k
// zero bytes. Filled once by cmk_crc32c_init_tables (from the dispatch pthread_once),
// read-only afterwards.
static uint32_t crc_tab[8][256];
// crc_pow[k] = x^(64 * 2^k - 33) mod P, bit-reflected (bit 31 - i holds x^i): the multiplier
// that advances a CRC register over 8 * 2^k zero bytes (see above); composed per call for
// any multiple of 8 bytes.
static uint32_t crc_pow[48];

// a * b mod P, bit-reflected (bit 31 is x^0), bit by bit (start-up only).
static uint32_t crc_mulmod(uint32_t a, uint32_t b) {
    uint32_t prod = 0;
    for (uint32_t m = 1u << 31; m; m >>= 1) {
        if (a & m) prod ^= b;
        b = (b >> 1) ^ (0x82F63B78u & (0u - (b & 1u)));  // b * x
    }
    return prod;
}

void cmk_crc32c_init_tables(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
        crc_tab[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int k = 1; k < 8; k++)
            crc_tab[k][i] = (crc_tab[k - 1][i] >> 8) ^ crc_tab[0][crc_tab[k - 1][i] & 0xFF];
    // x^(64 * 2^k - 33) = (x^(64 * 2^(k-1) - 33))^2 * x^33.
    uint32_t x33 = 1u << 31;  // x^0; multiplying by x is one step of the bitwise CRC
    for (int k = 0; k < 33; k++) x33 = (x33 >> 1) ^ (0x82F63B78u & (0u - (x33 & 1u)));
    crc_pow[0] = 1;  // x^31
    for (int k = 1; k < 48; k++) crc_pow[k] = crc_mulmod(crc_mulmod(crc_pow[k - 1], crc_pow[k - 1]), x33);
}

// Reads 8 bytes as a little-endian integer (the CRC is defined on the byte stream).
CMK_INLINE uint64_t load_le64(const uint8_t *p) {
    uint64_t w;
    memcpy(&w, p, sizeof w);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return w;
}

uint32_t cmk_crc32c_sw(uint32_t crc, const void *data, size_t len) {
    const uint8_t *p = (const uint8_t *)data;
    uint32_t c = ~crc;
    for (; len && ((uintptr_t)p & 7); len--) c = crc_tab[0][(c ^ *p++) & 0xFF] ^ (c >> 8);
    for (; len >= 8; len -= 8, p += 8) {
        uint64_t w = load_le64(p) ^ c;
        c = crc_tab[7][w & 0xFF] ^ crc_tab[6][(w >> 8) & 0xFF] ^ crc_tab[5][(w >> 16) & 0xFF] ^
            crc_tab[4][(w >> 24) & 0xFF] ^ crc_tab[3][(w >> 32) & 0xFF] ^ crc_tab[2][(w >> 40) & 0xFF] ^
            crc_tab[1][(w >> 48) & 0xFF] ^ crc_tab[0][w >> 56];
    }
    for (; len; len--) c = crc_tab[0][(c ^ *p++) & 0xFF] ^ (c >> 8);
    return ~c;
}

#if CMK_X86
// One chain over the whole buffer (raw register in, raw register out; unaligned loads).
__attribute__((target("sse4.2"))) CMK_INLINE uint32_t crc_chain(uint32_t c, const uint8_t *p, size_t len) {
    uint64_t c64 = c;
    for (; len >= 8; len -= 8, p += 8) c64 = _mm_crc32_u64(c64, load_le64(p));
    c = (uint32_t)c64;
    if (len & 4) {
        uint32_t w;
        memcpy(&w, p, 4);
        c = _mm_crc32_u32(c, w);  // little-endian hosts only reach here (x86)
        p += 4;
    }
    if (len & 2) {
        uint16_t w;
        memcpy(&w, p, 2);
        c = _mm_crc32_u16(c, w);
        p += 2;
    }
    if (len & 1) c = _mm_crc32_u8(c, *p);
    return c;
}

__attribute__((target("sse4.2"))) uint32_t cmk_crc32c_sse42(uint32_t crc, const void *data, size_t len) {
    return ~crc_chain(~crc, (const uint8_t *)data, len);
}

// Below this length the single chain is as fast (measured on Zen 3: 3-way wins from ~96 B).
enum { CMK_CRC_SPLIT = 96 };

// crc32q(0, clmul(a, b)) = a * b * x^33 mod P: applied to a register and a multiplier
// x^(8n - 33) it shifts the register over n zero bytes; applied to two multipliers it
// composes them (x^(64m1 - 33) and x^(64m2 - 33) give x^(64(m1 + m2) - 33)).
__attribute__((target("sse4.2,pclmul"))) CMK_INLINE uint64_t crc_clmul(uint32_t a, uint32_t b) {
    return (uint64_t)_mm_cvtsi128_si64(_mm_clmulepi64_si128(_mm_cvtsi32_si128((int)a), _mm_cvtsi32_si128((int)b), 0));
}
__attribute__((target("sse4.2,pclmul"))) CMK_INLINE uint32_t crc_mul33(uint32_t a, uint32_t b) {
    return (uint32_t)_mm_crc32_u64(0, crc_clmul(a, b));
}

// Three chains over three contiguous thirds of 8m bytes each (every stream stays
// sequential, as the hardware prefetchers want), then rA * x^(128m) ^ rB * x^(64m) ^ rC. The
// multipliers are composed from crc_pow by the bits of m; they do not depend on the data,
// so they are computed while the chains run.
__attribute__((target("sse4.2,pclmul"))) uint32_t cmk_crc32c_sse42_clmul(uint32_t crc, const void *data, size_t len) {
    const uint8_t *p = (const uint8_t *)data;
    uint32_t c = ~crc;
    while (len >= CMK_CRC_SPLIT) {  // one pass unless len >= 24 * 2^40 (crc_pow's range)
        const uint64_t cap = (uint64_t)1 << 40, third = (uint64_t)(len / 24);
        const size_t m = (size_t)(third < cap ? third : cap), n = 8 * m;
        uint32_t k1 = 0;  // x^(64m - 33)
        for (size_t bits = m, k = 0; bits; bits >>= 1, k++)
            if (bits & 1) k1 = k1 ? crc_mul33(k1, crc_pow[k]) : crc_pow[k];
        const uint32_t k2 = crc_mul33(k1, k1);  // x^(128m - 33)
        uint64_t a = c, b = 0, d = 0;
        const uint8_t *pa = p, *pb = p + n, *pc = p + 2 * n;
        for (size_t i = 0; i < n; i += 8) {
            a = _mm_crc32_u64(a, load_le64(pa + i));
            b = _mm_crc32_u64(b, load_le64(pb + i));
            d = _mm_crc32_u64(d, load_le64(pc + i));
        }
        c = (uint32_t)_mm_crc32_u64(0, crc_clmul((uint32_t)a, k2) ^ crc_clmul((uint32_t)b, k1)) ^ (uint32_t)d;
        p += 3 * n;
        len -= 3 * n;
    }
    return ~crc_chain(c, p, len);
}
#endif

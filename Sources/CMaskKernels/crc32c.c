// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, init and final xor 0xFFFFFFFF).
//
// Why C: every page/segment read and written by the storage layer is checksummed, so the
// checksum must run at several GB/s: the SSE4.2 crc32 instruction does 8 bytes per
// instruction; the portable fallback is slicing-by-8 (8 table lookups per 8 bytes).
// `crc` is a finished CRC (0 to start), so crc32c(crc32c(0, a), b) == crc32c(0, a ++ b).
#include "internal.h"

#include <string.h>

#if CMK_X86
#include <immintrin.h>
#endif

// Slicing-by-8 tables: t[0] is the bytewise table, t[k][i] = CRC of byte i followed by k
// zero bytes. Filled once by cmk_crc32c_init_tables (from the dispatch pthread_once),
// read-only afterwards.
static uint32_t crc_tab[8][256];

void cmk_crc32c_init_tables(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
        crc_tab[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int k = 1; k < 8; k++)
            crc_tab[k][i] = (crc_tab[k - 1][i] >> 8) ^ crc_tab[0][crc_tab[k - 1][i] & 0xFF];
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
__attribute__((target("sse4.2"))) uint32_t cmk_crc32c_sse42(uint32_t crc, const void *data, size_t len) {
    const uint8_t *p = (const uint8_t *)data;
    uint32_t c = ~crc;
    for (; len && ((uintptr_t)p & 7); len--) c = _mm_crc32_u8(c, *p++);
    uint64_t c64 = c;
    for (; len >= 8; len -= 8, p += 8) c64 = _mm_crc32_u64(c64, load_le64(p));
    c = (uint32_t)c64;
    for (; len; len--) c = _mm_crc32_u8(c, *p++);
    return ~c;
}
#endif

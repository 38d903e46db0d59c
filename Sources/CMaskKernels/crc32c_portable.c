// TEMPORARY bit-at-a-time CRC-32C until the kernels branch lands (then deleted).
#include "CMaskKernels.h"
uint32_t cmk_crc32c(uint32_t crc, const void *data, size_t len) {
    const uint8_t *p = data;
    crc = ~crc;
    while (len--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
    }
    return ~crc;
}

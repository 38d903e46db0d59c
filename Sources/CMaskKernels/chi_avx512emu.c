// chi.c's AVX-512 variants through SIMDe, renamed *_avx512emu (avx512_emulated.h); empty
// unless CMK_HAS_AVX512_EMULATION.
#include "avx512_emulated.h"
#if CMK_HAS_AVX512_EMULATION
#include "chi.c"
#pragma clang attribute pop
#endif

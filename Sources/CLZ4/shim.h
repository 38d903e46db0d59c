// CLZ4: the system liblz4 (block API), reached through pkg-config `liblz4`.
// Only MaskStorage's LZ4 codec imports this module.
#include <lz4.h>

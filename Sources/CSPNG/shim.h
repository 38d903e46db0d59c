// CSPNG: the system libspng (PNG encode/decode, on zlib), reached through pkg-config `spng`.
// Only MaskImaging's PNG codec imports this module.
#include <spng.h>

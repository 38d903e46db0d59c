// CTurboJPEG: the system libjpeg-turbo TurboJPEG API, reached through pkg-config `libturbojpeg`.
// Only MaskImaging's JPEG codec imports this module.
#include <turbojpeg.h>

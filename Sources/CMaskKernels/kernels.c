// Placeholder: the kernels land with the kernels work.
#include "CMaskKernels.h"

// OpenBLAS's CBLAS interface plus its `openblas_*` thread controls. The include path comes from
// `pkg-config openblas`, which pins the OpenBLAS header even if Debian's cblas.h alternative points
// at another BLAS.
#include <cblas.h>

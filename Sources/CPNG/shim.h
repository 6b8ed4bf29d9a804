// libpng's public header. Swift calls the simplified `png_image` API directly: it catches its own
// longjmp and reports failures in `png_image.message`. The low-level API, which needs setjmp, lives
// in the CShims C target instead (Swift cannot call setjmp).
#include <png.h>

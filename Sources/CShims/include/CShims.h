// C helpers for the Media module that cannot live in a header-only shim.
//
// - libpng's low-level API reports errors by longjmp. Swift cannot call setjmp ("functions that may
//   return more than one time are unavailable"), and a longjmp across Swift frames would be
//   undefined behaviour, so the whole read and write happen here, in C, behind a setjmp.
// - FFmpeg's log callback needs state (the last error line, for error messages). A `static` in a
//   header would be duplicated per importing module, so it lives in this .c target.
#ifndef CSHIMS_H
#define CSHIMS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A decoded PNG. `data` is malloc'ed by cshims_png_read and released with cshims_png_free.
typedef struct {
    int width;
    int height;
    /// 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA (after palette expansion).
    int channels;
    /// 8 or 16. With 16, samples are native-endian uint16_t.
    int bit_depth;
    /// The file's own bit depth and colour type, before any conversion.
    int source_bit_depth;
    int source_color_type;
    size_t row_bytes;
    unsigned char *data;
} cshims_png_image;

/// How cshims_png_read converts what it reads.
enum {
    /// Keep the channels; expand palettes and low bit depths to 8 bits; keep 16-bit samples.
    CSHIMS_PNG_NATIVE = 0,
    /// Always 8-bit RGB: gray replicated, alpha dropped, 16-bit scaled to 8 with rounding.
    CSHIMS_PNG_RGB8 = 1,
};

/// Reads a PNG file. Returns 0 on success. On failure returns -1 and writes libpng's or the
/// system's reason into `error` (NUL-terminated, at most error_size bytes).
int cshims_png_read(const char *path, int mode, cshims_png_image *out, char *error, size_t error_size);
void cshims_png_free(cshims_png_image *image);

/// Writes an 8-bit PNG with 1, 2, 3 or 4 channels. `level` is zlib's level (0-9); with `fast`
/// set, row filtering is off (for frame dumps). Returns 0, or -1 with the reason in `error`.
int cshims_png_write(const char *path, const unsigned char *data, int width, int height,
                     int channels, size_t row_bytes, int level, int fast,
                     char *error, size_t error_size);

/// Installs an FFmpeg log callback that stays silent but remembers the last message at
/// AV_LOG_ERROR or worse (thread-safe). Idempotent.
void cshims_ffmpeg_install_log_capture(void);
/// Copies the last captured FFmpeg error line (or "") into `buffer`.
void cshims_ffmpeg_last_error(char *buffer, size_t size);
/// Clears the captured line.
void cshims_ffmpeg_clear_last_error(void);

/// Registers a temporary file to remove if the process is interrupted (SIGINT, SIGTERM, SIGHUP);
/// the first call installs the handlers, which then re-raise the signal.
void cshims_register_temporary(const char *path);
/// Forgets a registered temporary (after it was renamed or removed).
void cshims_unregister_temporary(const char *path);

/// Makes glibc's malloc keep freed memory for reuse instead of returning it to the kernel (fixed
/// mmap threshold 32 MiB, trim threshold 512 MiB). Video work frees and allocates multi-megabyte
/// frames all the time; with the default dynamic thresholds each comes back as fresh pages, and
/// their page faults were 9% of `deepfake score`'s CPU time. Returns 1 when both settings took.
int cshims_keep_freed_memory(void);
/// Hands free heap pages back to the kernel (glibc's malloc_trim(0)); 1 if any were released.
int cshims_release_freed_memory(void);

#ifdef __cplusplus
}
#endif
#endif


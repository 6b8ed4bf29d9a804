#include "CShims.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <malloc.h>
#include <png.h>
#include <libavutil/log.h>

// MARK: - libpng

// libpng calls this on a fatal error; it must not return. We keep the message and longjmp back
// to the setjmp in the caller, which is also C, so no Swift frame is crossed.
typedef struct {
    jmp_buf jump;
    char message[256];
} png_error_state;

static void cshims_png_error(png_structp png, png_const_charp message) {
    png_error_state *state = (png_error_state *)png_get_error_ptr(png);
    snprintf(state->message, sizeof state->message, "%s", message ? message : "unknown libpng error");
    longjmp(state->jump, 1);
}

static void cshims_png_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;  // Warnings (e.g. a bad sRGB chunk) are not failures; stay quiet.
}

static void copy_message(char *error, size_t size, const char *message) {
    if (error && size > 0) snprintf(error, size, "%s", message);
}

int cshims_png_read(const char *path, int mode, cshims_png_image *out, char *error, size_t error_size) {
    memset(out, 0, sizeof *out);
    FILE *file = fopen(path, "rb");
    if (!file) {
        copy_message(error, error_size, strerror(errno));
        return -1;
    }
    unsigned char signature[8];
    if (fread(signature, 1, 8, file) != 8 || png_sig_cmp(signature, 0, 8) != 0) {
        fclose(file);
        copy_message(error, error_size, "Not a PNG file");
        return -1;
    }
    png_error_state state;
    state.message[0] = 0;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, cshims_png_error, cshims_png_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        if (png) png_destroy_read_struct(&png, NULL, NULL);
        fclose(file);
        copy_message(error, error_size, "out of memory");
        return -1;
    }
    // Volatile: these are read after a longjmp back into this frame.
    unsigned char *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(state.jump)) {
        free(pixels);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        fclose(file);
        copy_message(error, error_size, state.message);
        return -1;
    }
    png_init_io(png, file);
    png_set_sig_bytes(png, 8);
    png_read_info(png, info);

    int color_type = png_get_color_type(png, info);
    int bit_depth = png_get_bit_depth(png, info);
    out->source_bit_depth = bit_depth;
    out->source_color_type = color_type;

    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS) && mode == CSHIMS_PNG_NATIVE) png_set_tRNS_to_alpha(png);
    if (mode == CSHIMS_PNG_RGB8) {
        // png_set_scale_16 rounds (v * 255 + 32767) / 65535; png_set_strip_16 would truncate.
        if (bit_depth == 16) png_set_scale_16(png);
        if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
        if (color_type & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
    } else if (bit_depth == 16) {
        // PNG stores 16-bit samples big-endian; hand them out native-endian.
        int one = 1;
        if (*(char *)&one) png_set_swap(png);
    }
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    png_uint_32 width = png_get_image_width(png, info);
    png_uint_32 height = png_get_image_height(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    pixels = malloc(row_bytes * height);
    rows = malloc(sizeof(png_bytep) * height);
    if (!pixels || !rows) png_error(png, "out of memory");
    for (png_uint_32 y = 0; y < height; y++) rows[y] = pixels + y * row_bytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);

    out->width = (int)width;
    out->height = (int)height;
    out->channels = png_get_channels(png, info);
    out->bit_depth = png_get_bit_depth(png, info);
    out->row_bytes = row_bytes;
    out->data = pixels;
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(file);
    return 0;
}

void cshims_png_free(cshims_png_image *image) {
    free(image->data);
    image->data = NULL;
}

int cshims_png_write(const char *path, const unsigned char *data, int width, int height,
                     int channels, size_t row_bytes, int level, int fast,
                     char *error, size_t error_size) {
    static const int color_types[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                       PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
    if (channels < 1 || channels > 4 || width <= 0 || height <= 0) {
        copy_message(error, error_size, "invalid image geometry");
        return -1;
    }
    FILE *file = fopen(path, "wb");
    if (!file) {
        copy_message(error, error_size, strerror(errno));
        return -1;
    }
    png_error_state state;
    state.message[0] = 0;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &state, cshims_png_error, cshims_png_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        if (png) png_destroy_write_struct(&png, NULL);
        fclose(file);
        copy_message(error, error_size, "out of memory");
        return -1;
    }
    if (setjmp(state.jump)) {
        png_destroy_write_struct(&png, &info);
        fclose(file);
        copy_message(error, error_size, state.message);
        return -1;
    }
    png_init_io(png, file);
    png_set_compression_level(png, level);
    if (fast) png_set_filter(png, 0, PNG_FILTER_NONE);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, color_types[channels],
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < height; y++) png_write_row(png, data + (size_t)y * row_bytes);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    if (fclose(file) != 0) {
        copy_message(error, error_size, strerror(errno));
        return -1;
    }
    return 0;
}

// MARK: - FFmpeg log capture

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char last_error[512];
static pthread_once_t log_once = PTHREAD_ONCE_INIT;

// Called by FFmpeg from any thread, including frame-threading workers.
static void capture_log(void *avcl, int level, const char *format, va_list args) {
    (void)avcl;
    if (level > AV_LOG_ERROR) return;
    char line[512];
    vsnprintf(line, sizeof line, format, args);
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == ' ')) line[--n] = 0;
    if (n == 0) return;
    pthread_mutex_lock(&log_lock);
    memcpy(last_error, line, n + 1);
    pthread_mutex_unlock(&log_lock);
}

static void install_once(void) { av_log_set_callback(capture_log); }

void cshims_ffmpeg_install_log_capture(void) { pthread_once(&log_once, install_once); }

void cshims_ffmpeg_last_error(char *buffer, size_t size) {
    if (size == 0) return;
    pthread_mutex_lock(&log_lock);
    snprintf(buffer, size, "%s", last_error);
    pthread_mutex_unlock(&log_lock);
}

void cshims_ffmpeg_clear_last_error(void) {
    pthread_mutex_lock(&log_lock);
    last_error[0] = 0;
    pthread_mutex_unlock(&log_lock);
}

/* Temporary files removed when the process is interrupted (SIGINT, SIGTERM, SIGHUP): a fixed
 * table, since a signal handler may only call async-signal-safe functions (unlink, raise). */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#define CSHIMS_TEMP_SLOTS 256
#define CSHIMS_TEMP_PATH 4096
static char temp_paths[CSHIMS_TEMP_SLOTS][CSHIMS_TEMP_PATH];
static volatile sig_atomic_t temp_used[CSHIMS_TEMP_SLOTS];
static pthread_mutex_t temp_lock = PTHREAD_MUTEX_INITIALIZER;

static void remove_temporaries(int sig) {
    for (int i = 0; i < CSHIMS_TEMP_SLOTS; i++) {
        if (temp_used[i]) unlink(temp_paths[i]);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static pthread_once_t handlers_once = PTHREAD_ONCE_INIT;
static void install_handlers(void) {
    int signals[] = {SIGINT, SIGTERM, SIGHUP};
    for (int i = 0; i < 3; i++) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = remove_temporaries;
        sigemptyset(&action.sa_mask);
        struct sigaction previous;
        /* Leave an ignored signal ignored (nohup). */
        if (sigaction(signals[i], NULL, &previous) == 0 && previous.sa_handler == SIG_IGN) continue;
        sigaction(signals[i], &action, NULL);
    }
    /* A parent may have blocked them (an inherited mask); the handlers are useless then. */
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < 3; i++) sigaddset(&set, signals[i]);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

void cshims_register_temporary(const char *path) {
    if (strlen(path) >= CSHIMS_TEMP_PATH) return;
    pthread_once(&handlers_once, install_handlers);
    pthread_mutex_lock(&temp_lock);
    for (int i = 0; i < CSHIMS_TEMP_SLOTS; i++) {
        if (!temp_used[i]) {
            strcpy(temp_paths[i], path);
            temp_used[i] = 1;
            break;
        }
    }
    pthread_mutex_unlock(&temp_lock);
}

void cshims_unregister_temporary(const char *path) {
    pthread_mutex_lock(&temp_lock);
    for (int i = 0; i < CSHIMS_TEMP_SLOTS; i++) {
        if (temp_used[i] && strcmp(temp_paths[i], path) == 0) {
            temp_used[i] = 0;
            break;
        }
    }
    pthread_mutex_unlock(&temp_lock);
}

int cshims_release_freed_memory(void) {
    return malloc_trim(0);
}

int cshims_keep_freed_memory(void) {
    int mmap_ok = mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    int trim_ok = mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);
    return mmap_ok == 1 && trim_ok == 1;
}

// FFmpeg's public headers, plus `static inline` wrappers for what Swift cannot import.
//
// Swift's clang importer drops function-like macros (AVERROR, FFERRTAG), macros that expand to
// compound literals (AV_TIME_BASE_Q) or casts (AV_NOPTS_VALUE), and variadic functions (av_log).
// Every wrapper below exists for one of those reasons; each says which. The wrappers keep no state:
// a static variable here would be duplicated in every importing module, so anything stateful (the
// log sink) lives in the CShims C target.
#ifndef CFFMPEG_SHIM_H
#define CFFMPEG_SHIM_H

#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

// AVERROR(e) is a function-like macro.
static inline int cffmpeg_averror(int e) { return AVERROR(e); }
// AVERROR_EOF and AVERROR_INVALIDDATA are built on FFERRTAG, which Swift cannot import.
static inline int cffmpeg_averror_eof(void) { return AVERROR_EOF; }
static inline int cffmpeg_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int cffmpeg_averror_decoder_not_found(void) { return AVERROR_DECODER_NOT_FOUND; }
static inline int cffmpeg_averror_demuxer_not_found(void) { return AVERROR_DEMUXER_NOT_FOUND; }
static inline int cffmpeg_averror_encoder_not_found(void) { return AVERROR_ENCODER_NOT_FOUND; }
static inline int cffmpeg_averror_stream_not_found(void) { return AVERROR_STREAM_NOT_FOUND; }
static inline int cffmpeg_averror_eagain(void) { return AVERROR(EAGAIN); }
// AV_NOPTS_VALUE is a cast expression.
static inline int64_t cffmpeg_nopts_value(void) { return AV_NOPTS_VALUE; }
// AV_TIME_BASE_Q is a compound literal.
static inline AVRational cffmpeg_time_base_q(void) { return AV_TIME_BASE_Q; }

#endif

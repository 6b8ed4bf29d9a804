#!/usr/bin/env bash
# Decode benchmark, side by side with the ffmpeg program in the same run.
#  1. A 30 s 1280x720 H.264 clip (testsrc2) decoded to RGB24: the project's VideoReader against
#     `ffmpeg -threads 2 -i clip -pix_fmt rgb24 -f null -`. Prints both fps and the ratio.
#  2. Peak resident memory while the project decodes a 10-minute 720p clip (target <= 200 MB).
# Clips are made once with ffmpeg's testsrc2 in $BENCH_DIR (default /tmp/deepfake-bench); they are
# too large to commit. Run on a quiet machine: the two contenders share the same 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
BENCH_DIR=${BENCH_DIR:-/tmp/deepfake-bench}
mkdir -p "$BENCH_DIR"
clip30="$BENCH_DIR/testsrc2_720p_30s.mp4"
clip600="$BENCH_DIR/testsrc2_720p_600s.mp4"
make_clip() {  # seconds, path
    [ -s "$2" ] && return
    echo "making $2 ..." >&2
    ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=1280x720:rate=30:duration=$1" \
        -c:v libx264 -preset veryfast -pix_fmt yuv420p "$2.tmp.mp4"
    mv "$2.tmp.mp4" "$2"
}
make_clip 30 "$clip30"
make_clip 600 "$clip600"

swift build -c release --product media-bench >/dev/null
bench="$(swift build -c release --show-bin-path)/media-bench"

best_ours=0; best_theirs=0
for run in 1 2 3; do
    ours=$("$bench" "$clip30" | sed -E 's/.*fps=([0-9.]+).*/\1/')
    start=$(date +%s.%N)
    ffmpeg -hide_banner -loglevel error -threads 2 -i "$clip30" -pix_fmt rgb24 -f null -
    end=$(date +%s.%N)
    theirs=$(python3 -c "print(f'{900 / ($end - $start):.1f}')")
    echo "run $run: deepfake $ours fps, ffmpeg $theirs fps"
    best_ours=$(python3 -c "print(max($best_ours, $ours))")
    best_theirs=$(python3 -c "print(max($best_theirs, $theirs))")
done
python3 -c "print(f'decode 720p H.264 -> RGB24 (best of 3): deepfake {$best_ours:.1f} fps, ffmpeg {$best_theirs:.1f} fps, ratio {$best_ours / $best_theirs:.2f}x (target >= 1.0)')"

echo "decoding the 10-minute clip for peak memory ..."
"$bench" "$clip600" | sed -E 's/.*frames=([0-9]+).*fps=([0-9.]+).*peak_rss_mb=([0-9.]+).*/10-min 720p: \1 frames at \2 fps, peak RSS \3 MB (target <= 200 MB)/'

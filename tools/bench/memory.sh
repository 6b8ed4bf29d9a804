#!/usr/bin/env bash
# Peak memory of `deepfake score --fps 1` on long 1080p video (target: at most 300 MB on one
# hour). The clips are the shared data's 1080p facenet-pytorch/video.mp4 (4.2 s, several
# pedestrians' faces) looped with ffmpeg's -stream_loop and copied without re-encoding, one minute
# and one hour long, kept in a cache folder outside the repository. Peak RSS of both shows whether
# memory grows with the video.
#   make bench-memory        (or: tools/bench/memory.sh [DATA_DIR])
# Env: MEMORY_BENCH_DIR (clips and reports, default ${XDG_CACHE_HOME:-~/.cache}/deepfake-workbench/memory-bench),
# MINUTES (lengths to measure, default "1 60"), DEEPFAKE (a built deepfake; skips the build).
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${1:-${DATA:-../shared/data}}
DIR=${MEMORY_BENCH_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/deepfake-workbench/memory-bench}
MINUTES=${MINUTES:-1 60}
SOURCE="$DATA/facenet-pytorch/video.mp4"
[ -f "$SOURCE" ] || { echo "no $SOURCE: the benchmark needs ../shared/data" >&2; exit 1; }
if [ -n "${DEEPFAKE:-}" ]; then BIN=$DEEPFAKE; else
  swift build -c release --product deepfake >/dev/null
  BIN="$(swift build -c release --show-bin-path)/deepfake"
fi
mkdir -p "$DIR"
for m in $MINUTES; do
  clip="$DIR/facenet-loop-${m}min.mp4"
  if [ ! -s "$clip" ]; then
    ffmpeg -hide_banner -loglevel error -y -stream_loop -1 -i "$SOURCE" -t $((m * 60)) -c copy "$clip.partial.mp4"
    mv "$clip.partial.mp4" "$clip"
  fi
  echo "== $m min of 1080p (score --fps 1; load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
  /usr/bin/time -f "%M %e" -o "$DIR/time-$m.txt" "$BIN" score "$clip" --fps 1 --report "$DIR/report-$m.json" 2>/dev/null || true
  read -r kb secs < "$DIR/time-$m.txt"
  faces=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(sum(len(t['faces']) for t in r.get('tracks',[])), r['input'].get('frameCount'))" "$DIR/report-$m.json")
  printf '  peak RSS %d MB in %.0f s; faces, frames: %s  (target <= 300 MB on 60 min)\n' $((kb / 1024)) "$secs" "$faces"
done

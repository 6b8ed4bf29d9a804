#!/usr/bin/env bash
# Face detection against OpenCV 4 (opencv-python-headless<5), same frames, same moment.
#   make bench-faces            (or: tools/bench/faces.sh [DATA_DIR])
# Env: PEER_PY (python with cv2 4.x, default .venv-peers/bin/python), FACES_BENCH_DIR (frames,
# default /tmp/faces-bench; ~1.5 GB of raw RGB, never in the repository), ROUNDS (speed rounds, 3),
# DETECT_EVERY (pipeline setting to report besides the default, 4).
#
# Prints: (1) agreement both ways at IoU >= 0.5 on every image in the data and 32 frames of each
# video; (2) frames/s at 640x360 and 1280x720, ours and OpenCV's on 2 threads, alternating in
# ROUNDS rounds so both see the same load, with the load average; (3) the tracked pipeline against
# OpenCV at full resolution on every frame (default settings, then two faster ones).
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${1:-${DATA:-../shared/data}}
PEER_PY=${PEER_PY:-${PEER_VENV:-.venv-peers}/bin/python}
DIR=${FACES_BENCH_DIR:-/tmp/faces-bench}
ROUNDS=${ROUNDS:-3}
DETECT_EVERY=${DETECT_EVERY:-4}
[ -x "$PEER_PY" ] || { echo "no Python peer at $PEER_PY: run 'make peers' or set PEER_PY" >&2; exit 1; }
[ -d "$DATA" ] || { echo "no data at $DATA: the benchmark needs ../shared/data" >&2; exit 1; }

swift build -c release --product faces-bench >/dev/null
BENCH="$(swift build -c release --show-bin-path)/faces-bench"
mkdir -p "$DIR"
for set in agreement speed360 speed720 pipeline; do
  [ -f "$DIR/$set.json" ] || "$PEER_PY" tools/faces/bench_frames.py "$DATA" "$DIR" "$set"
done

load() { cut -d' ' -f1-3 /proc/loadavg; }

echo "== agreement (haarcascade_frontalface_default, scale 1.1, 5 neighbours, min size 40)"
"$PEER_PY" tools/faces/opencv_faces.py "$DIR/agreement.json" "$DIR/cv-agreement.json"
"$BENCH" detect "$DIR/agreement.json" "$DIR/ours-agreement.json"
"$BENCH" compare "$DIR/ours-agreement.json" "$DIR/cv-agreement.json" | grep -v '^speed'

for set in speed360 speed720; do
  echo "== speed, $set (2 threads each; load average before: $(load))"
  for r in $(seq "$ROUNDS"); do
    "$PEER_PY" tools/faces/opencv_faces.py "$DIR/$set.json" "$DIR/cv-$set-$r.json" >/dev/null
    "$BENCH" detect "$DIR/$set.json" "$DIR/ours-$set-$r.json" >/dev/null
    echo "  round $r: $("$BENCH" compare "$DIR/ours-$set-$r.json" "$DIR/cv-$set-$r.json" | grep '^speed')  (load $(load))"
  done
done

echo "== pipeline vs OpenCV full resolution on every frame (load average before: $(load))"
"$PEER_PY" tools/faces/opencv_faces.py "$DIR/pipeline.json" "$DIR/cv-pipeline.json"
echo "-- default: full resolution, whole-frame scan on every 3rd frame, scans near the tracks between"
"$BENCH" pipeline "$DIR/pipeline.json" "$DIR/cv-pipeline.json"
echo "-- before: whole-frame scan on every 2nd frame, interpolation between"
"$BENCH" pipeline "$DIR/pipeline.json" "$DIR/cv-pipeline.json" --detect-every 2 --no-confirm
echo "-- faster: whole-frame scan on every ${DETECT_EVERY}th frame"
"$BENCH" pipeline "$DIR/pipeline.json" "$DIR/cv-pipeline.json" --detect-every "$DETECT_EVERY"
echo "-- faster: detection on a 960-pixel copy"
"$BENCH" pipeline "$DIR/pipeline.json" "$DIR/cv-pipeline.json" --detect-side 960
echo "load average after: $(load)"

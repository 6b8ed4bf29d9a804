#!/usr/bin/env bash
# Face detection against its peers, same frames, same moment.
#   make bench-faces            (or: tools/bench/faces.sh [DATA_DIR])
# Two parts (ONLY=cascade or ONLY=mediapipe runs one):
#  - cascade: the Haar cascade against OpenCV 4 (opencv-python-headless<5).
#  - mediapipe: the CNN pipeline (BlazeFace full range + FaceMesh, `faces-bench mediapipe`) against
#    MediaPipe 0.10.14's Python solutions; runs once faces-bench has that subcommand.
# Env: PEER_PY (python with cv2 4.x, default .venv-peers/bin/python), FACES_BENCH_DIR (cascade
# frames, default /tmp/faces-bench; ~1.5 GB of raw RGB, never in the repository), ROUNDS (speed
# rounds, 3), DETECT_EVERY (pipeline setting to report besides the default, 4), FACES_BENCH_BIN (a
# built faces-bench; skips the build), MP_PY (python with mediapipe 0.10.14, default
# .venv-mediapipe/bin/python), MEDIAPIPE_BENCH_DIR (PNG frame sets and results, default
# ${XDG_CACHE_HOME:-~/.cache}/deepfake-workbench/faces-bench), REPEAT (timed runs per speed frame, 5),
# PEER_FRESH=1 (rerun the peer on the accuracy sets instead of reusing its results).
#
# Cascade part prints: (1) agreement both ways at IoU >= 0.5 on every image in the data and 32
# frames of each video; (2) frames/s at 640x360 and 1280x720, ours and OpenCV's on 2 threads,
# alternating in ROUNDS rounds so both see the same load, with the load average; (3) the tracked
# pipeline against OpenCV at full resolution on every frame (default settings, then two faster ones).
# MediaPipe part prints, ours beside the peer's and each beside its target: box agreement both ways
# and landmark agreement; recall on UTKFace holdout chips, LFW faces and the one-person clips;
# faces on LFW non-faces; speed per frame at 720p, 1080p and 720x1280 in alternating rounds (the
# peer on 2 threads, the target's setting, and for context on 1 thread, its desktop default).
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${1:-${DATA:-../shared/data}}
PEER_PY=${PEER_PY:-${PEER_VENV:-.venv-peers}/bin/python}
DIR=${FACES_BENCH_DIR:-/tmp/faces-bench}
ROUNDS=${ROUNDS:-3}
DETECT_EVERY=${DETECT_EVERY:-4}
ONLY=${ONLY:-}
MP_PY=${MP_PY:-${MEDIAPIPE_VENV:-.venv-mediapipe}/bin/python}
MP_DIR=${MEDIAPIPE_BENCH_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/deepfake-workbench/faces-bench}
REPEAT=${REPEAT:-5}
[ -d "$DATA" ] || { echo "no data at $DATA: the benchmark needs ../shared/data" >&2; exit 1; }

if [ -n "${FACES_BENCH_BIN:-}" ]; then
  BENCH=$FACES_BENCH_BIN
else
  swift build -c release --product faces-bench >/dev/null
  BENCH="$(swift build -c release --show-bin-path)/faces-bench"
fi

load() { cut -d' ' -f1-3 /proc/loadavg; }

cascade_part() {
  [ -x "$PEER_PY" ] || { echo "no Python peer at $PEER_PY: run 'make peers' or set PEER_PY" >&2; exit 1; }
  mkdir -p "$DIR"
  for set in agreement speed360 speed720 pipeline; do
    [ -f "$DIR/$set.json" ] || "$PEER_PY" tools/faces/bench_frames.py "$DATA" "$DIR" "$set"
  done

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
}

# Runs the peer (2 XNNPACK threads, or MP_THREADS); its start-up chatter goes to results/peer.log.
mp_peer() { "$MP_PY" tools/bench/mediapipe_peer.py --threads "${MP_THREADS:-2}" "$@" 2>>"$MP_DIR/results/peer.log"; }

mediapipe_part() {
  [ -x "$MP_PY" ] || { echo "no MediaPipe peer at $MP_PY: run 'make .venv-mediapipe/bin/python' or set MP_PY" >&2; exit 1; }
  local R="$MP_DIR/results" set side
  local made
  made=$("$MP_PY" tools/bench/faces_frames.py --data "$DATA" --out "$MP_DIR")
  grep -v 'already there' <<<"$made" || true
  mkdir -p "$R"
  echo "== MediaPipe accuracy sets (peer: FaceDetection model_selection=1 + FaceMesh, 2 threads; load average before: $(load))"
  for set in video utkface-holdout lfw-faces lfw-nonfaces; do
    if [ -n "${PEER_FRESH:-}" ] || [ ! -s "$R/peer-$set.jsonl" ] || [ "$MP_DIR/$set/list.json" -nt "$R/peer-$set.jsonl" ]; then
      mp_peer --out "$R/peer-$set.jsonl" "$MP_DIR/$set/list.json"
    fi
    # Recall and precision: the pipeline as it runs (both BlazeFace models); agreement: full range
    # alone, as the peer's FaceDetection(model_selection=1).
    "$BENCH" mediapipe --list "$MP_DIR/$set/list.json" --out "$R/ours-$set.jsonl"
    "$BENCH" mediapipe --list "$MP_DIR/$set/list.json" --out "$R/ours-full-$set.jsonl" --blazeface full
  done

  echo "== agreement with MediaPipe (boxes at IoU >= 0.5 both ways; landmarks / face width)"
  for set in video utkface-holdout lfw-faces; do
    python3 tools/bench/faces_agreement.py "$R/ours-full-$set.jsonl" "$R/peer-$set.jsonl" --label "$set" --worst 5 \
      | grep -v '^  speed\|^    median ms\|^    best runs'
  done

  echo "== recall (images with at least one face), ours then the peer's"
  for side in ours peer; do
    python3 tools/bench/faces_recall.py "$R/$side-utkface-holdout.jsonl" --list "$MP_DIR/utkface-holdout/list.json" \
      --expect face --label "utkface-holdout, $side" --missed 0
  done
  for side in ours peer; do
    python3 tools/bench/faces_recall.py "$R/$side-lfw-faces.jsonl" --list "$MP_DIR/lfw-faces/list.json" \
      --expect face --label "lfw-faces, $side" --missed 0
  done
  for side in ours peer; do
    python3 tools/bench/faces_recall.py "$R/$side-video.jsonl" --list "$MP_DIR/video/list.json" --one-person \
      --expect face --target 1.0 --label "one-person clips (every sampled frame), $side" --missed 5
  done

  echo "== false faces"
  for side in ours peer; do
    python3 tools/bench/faces_recall.py "$R/$side-lfw-nonfaces.jsonl" --list "$MP_DIR/lfw-nonfaces/list.json" \
      --expect none --label "lfw-nonfaces, $side"
  done
  echo "-- faces per clip on the sampled video frames (precision against the true person tracks is"
  echo "   counted by eye on contact sheets: tools/faces/track_sheet.py), ours then the peer's"
  for side in ours peer; do
    python3 tools/bench/faces_recall.py "$R/$side-video.jsonl" --list "$MP_DIR/video/list.json" --by-clip \
      --label "video, $side" --missed 0
  done

  for res in 720p 1080p 720x1280; do
    echo "== speed, $res, detection + landmarks per frame (median of $REPEAT runs per frame; peer 2 XNNPACK threads; load average before: $(load))"
    for r in $(seq "$ROUNDS"); do
      mp_peer --repeat "$REPEAT" --out "$R/peer-speed-$res-$r.jsonl" "$MP_DIR/speed/$res/list.json"
      MP_THREADS=1 mp_peer --repeat "$REPEAT" --out "$R/peer1-speed-$res-$r.jsonl" "$MP_DIR/speed/$res/list.json"
      "$BENCH" mediapipe --list "$MP_DIR/speed/$res/list.json" --out "$R/ours-speed-$res-$r.jsonl" --repeat "$REPEAT"
      echo "  round $r: $(python3 tools/bench/faces_agreement.py "$R/ours-speed-$res-$r.jsonl" "$R/peer-speed-$res-$r.jsonl" --speed-only)  (load $(load))"
      echo "    (context) $(python3 tools/bench/faces_agreement.py "$R/ours-speed-$res-$r.jsonl" "$R/peer1-speed-$res-$r.jsonl" --speed-only --no-target --label 'peer on 1 thread')"
    done
  done
  echo "(The peer's mesh time includes FaceMesh's own short-range face detection; where that finds no"
  echo " face, as on most facenet-pytorch frames, the peer computes no landmarks: see the mesh counts."
  echo " On 2 threads the peer stalls, often for hundreds of ms, whenever other work shares the two"
  echo " cores: trust its 2-thread figures only at a load average well under 1. The context lines use"
  echo " the peer on 1 thread, MediaPipe's desktop default, which stays steady under load.)"
  echo "load average after: $(load)"
}

if [ "$ONLY" != mediapipe ]; then
  if [ -x "$PEER_PY" ] || [ "$ONLY" = cascade ]; then
    cascade_part
  else
    echo "== cascade part skipped: no Python peer at $PEER_PY (run 'make peers' or set PEER_PY)"
  fi
fi
if [ "$ONLY" != cascade ]; then
  if "$BENCH" mediapipe --help >/dev/null 2>&1; then
    mediapipe_part
  else
    echo "== MediaPipe part skipped: this faces-bench has no 'mediapipe' subcommand"
  fi
fi

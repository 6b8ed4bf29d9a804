#!/usr/bin/env bash
# Recipe of the shipped face generators (models/README.md): DCGAN 64x64 (SIZE=64, the default) or
# 128x128 (SIZE=128, from utkface/faces128: the same faces, names and split), ngf/ndf 32, nz 100,
# batch 64, 20 epochs of UTKFace's train split (20,975 chips; 327 iterations an epoch, 6,540 in all),
# Adam 2e-4 (0.5, 0.999), nonsaturating loss, seed 20261127, horizontal flips; SWD against 2,048
# holdout images each epoch. About 1.5-2 h at 64 px on this 2-core machine, several times that at
# 128 px (see the model card).
#
# Resumable: run it again after an interruption (Ctrl-C, kill -9, a new sitting) and it continues
# from the newest checkpoint; a finished run skips straight to the export. STOP_AFTER=N trains at
# most N iterations in this sitting.
#   tools/train_generator.sh                 # the shipped 64-px run, in runs/utkface64-dcgan32
#   SIZE=128 RUN=~/runs/utkface128-dcgan32 tools/train_generator.sh    # the 128-px one
#   RUN=/tmp/try MODEL=/tmp/try/model.safetensors EPOCHS=1 MAX_IMAGES=640 SWD_IMAGES=128 PRECHECK=20 \
#       STOP_AFTER=4 tools/train_generator.sh        # a short check of the whole pipeline
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data}
SIZE=${SIZE:-64}
case "$SIZE" in 64|128) ;; *) echo "SIZE must be 64 or 128 (got '$SIZE')" >&2; exit 64 ;; esac
# At 128 px D's learning rate is a quarter of G's (two time-scale updates): at 2e-4 for both, D wins
# within 50 steps and G never leaves its initial grey, in PyTorch 2.13 as here (models/README.md).
DLR=${DLR:-}
[ -n "$DLR" ] || { [ "$SIZE" = 128 ] && DLR=5e-5 || DLR=2e-4; }
FACES="$DATA/utkface/faces$SIZE"
RUN=${RUN:-runs/utkface$SIZE-dcgan32}
EPOCHS=${EPOCHS:-20}
MODEL=${MODEL:-models/utkface$SIZE-dcgan32.safetensors}
SWD_IMAGES=${SWD_IMAGES:-2048}
stop=(); limit=()
[ -n "${STOP_AFTER:-}" ] && stop=(--stop-after "$STOP_AFTER")
[ -n "${MAX_IMAGES:-}" ] && limit=(--max-images "$MAX_IMAGES")  # checks only

swift build -c release --product deepfake >/dev/null
bin="$(swift build -c release --show-bin-path)/deepfake"
mkdir -p "$RUN"
log="$RUN/recipe.log"
echo "$(date -u +%FT%TZ) start, load $(cut -d' ' -f1-3 /proc/loadavg)" >> "$log"

if [ -f "$RUN/run.json" ] && ls "$RUN/checkpoints" 2>/dev/null | grep -q '^step-'; then
    "$bin" train --resume "$RUN" "${stop[@]}" 2>&1 | tee -a "$log"
else
    rm -rf "$RUN"/run.json "$RUN"/checkpoints "$RUN"/samples "$RUN"/metrics.jsonl
    "$bin" train --data "$FACES" --index "$DATA/utkface/index.csv" --split train \
        --holdout-split holdout --arch dcgan --size "$SIZE" --ngf 32 --ndf 32 --nz 100 --batch 64 --d-lr "$DLR" \
        --epochs "$EPOCHS" --seed 20261127 --checkpoint-every 100 --keep 3 --swd-images "$SWD_IMAGES" \
        --precheck-steps "${PRECHECK:-200}" --run "$RUN" "${stop[@]}" "${limit[@]}" 2>&1 | tee -a "$log"
fi
echo "$(date -u +%FT%TZ) sitting ended, load $(cut -d' ' -f1-3 /proc/loadavg)" >> "$log"
if [ ! -s "$RUN/generator.safetensors" ]; then
    echo "not finished yet: run tools/train_generator.sh again to continue $RUN" | tee -a "$log"
    exit 0
fi

# Ship the best checkpoint by SWD: G and D (no optimizer state), a sample grid, the metric.
mkdir -p "$(dirname "$MODEL")"
"$bin" train --resume "$RUN" --export-best --export-networks "$MODEL" 2>&1 | tail -2 | tee -a "$log"
"$bin" generate --model "$MODEL" --count 64 --seed 1 --grid "${MODEL%.safetensors}-samples.png"
"$bin" evaluate gan --model "$MODEL" --data "$FACES" --index "$DATA/utkface/index.csv" \
    --split holdout --images "$SWD_IMAGES" --untrained --json > "${MODEL%.safetensors}-swd.json"
"$bin" evaluate gan --model "$MODEL" --data "$FACES" --index "$DATA/utkface/index.csv" \
    --split holdout --images "$SWD_IMAGES" --untrained | tee -a "$log"
ls -l "$MODEL" "${MODEL%.safetensors}-samples.png" | tee -a "$log"

#!/usr/bin/env bash
# GAN benchmarks against PyTorch 2.13 CPU, side by side in the same run (issue 5).
#  1. Training throughput, images/s, DCGAN 64x64 at ngf/ndf $WIDTH (64) and batch $BATCH (64), 2
#     threads both: ours on UTKFace batches (`deepfake train --stop-after`, median of metrics.jsonl
#     after 2 warm-up steps), PyTorch on random batches. Prints both and the ratio (target >= 1.0).
#  2. Quality: the same short schedule in both ($QSTEPS (1500) steps at ngf/ndf 32, batch 64),
#     from the same initial weights and data order (tools/bench/gan_peer.py prepare), scored by
#     `deepfake evaluate gan` against the holdout: SWD of ours, of PyTorch's, of the untrained G,
#     and the floor. Target: ours no worse than PyTorch's by more than 10%.
# Every stage is resumable: the quality run of ours is a normal run folder (--resume), PyTorch's
# result is kept in $BENCH_DIR and skipped when present. Run on a quiet machine.
#   QUICK=1 tools/bench/gan.sh    tiny schedule to check the scripts (numbers meaningless)
#   ONLY=throughput | ONLY=quality   one part (the quality part needs no quiet machine)
#   DEEPFAKE_BIN=PATH                that binary instead of building one
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PEER_PY:-${PEER_VENV:-.venv-peers}/bin/python}
DATA=${DATA:-../shared/data}
FACES="$DATA/utkface/faces64"
INDEX="$DATA/utkface/index.csv"
BENCH_DIR=${BENCH_DIR:-/tmp/deepfake-bench}
WIDTH=${WIDTH:-64}; BATCH=${BATCH:-64}; TSTEPS=${TSTEPS:-8}; QSTEPS=${QSTEPS:-1500}; QWIDTH=${QWIDTH:-32}
SWD_IMAGES=${SWD_IMAGES:-2048}
if [ -n "${QUICK:-}" ]; then WIDTH=16; TSTEPS=4; QSTEPS=20; QWIDTH=8; SWD_IMAGES=128; BENCH_DIR=$BENCH_DIR/quick; fi
mkdir -p "$BENCH_DIR"

if [ -n "${DEEPFAKE_BIN:-}" ]; then
    bin=$DEEPFAKE_BIN
else
    swift build -c release --product deepfake >/dev/null
    bin="$(swift build -c release --show-bin-path)/deepfake"
fi
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# 1. Throughput.
if [ "${ONLY:-throughput}" = throughput ]; then
run="$BENCH_DIR/throughput-$WIDTH"
rm -rf "$run"
"$bin" train --data "$FACES" --index "$INDEX" --max-images $((BATCH * (TSTEPS + 2))) --ngf "$WIDTH" --ndf "$WIDTH" \
    --batch "$BATCH" --epochs 1 --precheck-steps 0 --swd-images 0 --holdout-split none \
    --stop-after $((TSTEPS + 2)) --run "$run" 2>/dev/null
ours=$("$PY" -c "
import json, statistics
m = [json.loads(l) for l in open('$run/metrics.jsonl')][2:]
print('%.2f' % statistics.median(x['images_per_second'] for x in m))")
theirs=$("$PY" tools/bench/gan_peer.py throughput --ngf "$WIDTH" --ndf "$WIDTH" --batch "$BATCH" --steps "$TSTEPS" \
    | sed -E 's/.*=([0-9.]+)/\1/')
echo "throughput ngf/ndf $WIDTH batch $BATCH: ours $ours images/s, PyTorch $theirs images/s, ratio $("$PY" -c "print('%.2f' % ($ours / $theirs))")"
fi
[ "${ONLY:-quality}" = quality ] || exit 0

# 2. Quality.
q="$BENCH_DIR/quality-$QWIDTH-$QSTEPS"
[ -s "$q/order.i32" ] || "$PY" tools/bench/gan_peer.py prepare --ngf "$QWIDTH" --ndf "$QWIDTH" --steps "$QSTEPS" --dir "$q" --index "$INDEX"
[ -s "$q/torch_generator.safetensors" ] || "$PY" tools/bench/gan_peer.py quality --ngf "$QWIDTH" --ndf "$QWIDTH" \
    --steps "$QSTEPS" --dir "$q" --data "$FACES" --index "$INDEX"
per_epoch=$(( $(tr -d '\r' < "$INDEX" | grep -c ',train$') / 64 ))
epochs=$(( (QSTEPS + per_epoch - 1) / per_epoch ))
last=$(ls "$q/ours/checkpoints" 2>/dev/null | sed -nE 's/^step-0*([0-9]+)\.safetensors$/\1/p' | sort -n | tail -1 || true)
if [ -z "$last" ]; then
    rm -rf "$q/ours"
    "$bin" train --data "$FACES" --index "$INDEX" --ngf "$QWIDTH" --ndf "$QWIDTH" --epochs "$epochs" \
        --stop-after "$QSTEPS" --precheck-steps 0 --swd-images 0 --init-weights "$q/init.safetensors" \
        --data-order "$q/order.i32" --run "$q/ours"
elif [ "$last" -lt "$QSTEPS" ]; then
    "$bin" train --resume "$q/ours" --stop-after $((QSTEPS - last))
fi
# The run stops inside an epoch; its checkpoint of step QSTEPS is the model compared.
ours_model="$q/ours/checkpoints/$(printf 'step-%08d.safetensors' "$QSTEPS")"
echo "quality after $QSTEPS steps at ngf/ndf $QWIDTH (SWD x1e3 against $SWD_IMAGES holdout images, lower is better):"
echo "-- ours ($ours_model)"
"$bin" evaluate gan --model "$ours_model" --data "$FACES" --index "$INDEX" --images "$SWD_IMAGES" --untrained
echo "-- PyTorch"
"$bin" evaluate gan --model "$q/torch_generator.safetensors" --data "$FACES" --index "$INDEX" --images "$SWD_IMAGES"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

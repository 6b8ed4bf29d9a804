#!/usr/bin/env bash
# GAN benchmarks against PyTorch 2.13 CPU, side by side in the same run (issue 5).
#  1. Training throughput, images/s, DCGAN 64x64 at ngf/ndf $WIDTH (64) and batch $BATCH (64), 2
#     threads both: ours on UTKFace batches (`deepfake train --stop-after`, median of metrics.jsonl
#     after 2 warm-up steps), PyTorch on random batches. Prints both and the ratio (target >= 1.0).
#  2. Quality: the same short schedule in both ($QSTEPS (1500) steps at ngf/ndf 32, batch 64),
#     from the same initial weights and data order (tools/bench/gan_peer.py prepare), scored by
#     `deepfake evaluate gan` against the holdout at the steps of our last three checkpoints: SWD of
#     ours, of PyTorch's, of the untrained G, and the floor. Target: the mean of ours no worse than
#     PyTorch's by more than 10%.
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

# 2. Quality. Ours first (a normal, resumable run folder), then PyTorch, saving G at the steps of
# our kept checkpoints (the last three: an epoch end and every 100 steps), so both trajectories are
# compared at three points: a GAN's SWD moves by 10-20% between neighbouring checkpoints, more than
# the difference the target asks about, so the mean of three says more than one step.
q="$BENCH_DIR/quality-$QWIDTH-$QSTEPS"
[ -s "$q/order.i32" ] || "$PY" tools/bench/gan_peer.py prepare --ngf "$QWIDTH" --ndf "$QWIDTH" --steps "$QSTEPS" --dir "$q" --index "$INDEX"
per_epoch=$(( $(tr -d '\r' < "$INDEX" | grep -c ',train$') / 64 ))
epochs=$(( (QSTEPS + per_epoch - 1) / per_epoch ))
steps_kept() { ls "$q/ours/checkpoints" 2>/dev/null | sed -nE 's/^step-0*([0-9]+)\.safetensors$/\1/p' | sort -n || true; }
last=$(steps_kept | tail -1)
if [ -z "$last" ]; then
    rm -rf "$q/ours"
    "$bin" train --data "$FACES" --index "$INDEX" --ngf "$QWIDTH" --ndf "$QWIDTH" --epochs "$epochs" \
        --stop-after "$QSTEPS" --precheck-steps 0 --swd-images 0 --init-weights "$q/init.safetensors" \
        --data-order "$q/order.i32" --run "$q/ours"
elif [ "$last" -lt "$QSTEPS" ]; then
    "$bin" train --resume "$q/ours" --stop-after $((QSTEPS - last))
fi
steps=$(steps_kept | tail -3 | tr '\n' ' ')
missing=0
for step in $steps; do [ -s "$q/$(printf 'torch_generator-step-%08d.safetensors' "$step")" ] || missing=1; done
if [ "$missing" = 1 ] || [ ! -s "$q/torch_generator.safetensors" ]; then
    "$PY" tools/bench/gan_peer.py quality --ngf "$QWIDTH" --ndf "$QWIDTH" --steps "$QSTEPS" --dir "$q" \
        --data "$FACES" --index "$INDEX" --save-steps "$(echo $steps | tr ' ' ',')"
fi
# Prints the report to stderr and the model's SWD to stdout. (Not `tee /dev/stderr`: when stderr
# is a log file, reopening it through /dev/stderr truncates it.)
swd() {
    local report
    report=$("$bin" evaluate gan --model "$1" --data "$FACES" --index "$INDEX" --images "$SWD_IMAGES" "${@:2}")
    echo "$report" >&2
    echo "$report" | awk '$1 == "model" { print $2 }'
}
echo "quality at ngf/ndf $QWIDTH after steps $steps(SWD x1e3 against $SWD_IMAGES holdout images, lower is better):"
ours_sum=0; theirs_sum=0; n=0
for step in $steps; do
    name=$(printf 'step-%08d.safetensors' "$step")
    extra=(); [ "$step" = "$QSTEPS" ] && extra=(--untrained)
    echo "-- ours, step $step"
    o=$(swd "$q/ours/checkpoints/$name" "${extra[@]}")
    echo "-- PyTorch, step $step"
    t=$(swd "$q/torch_generator-$name")
    echo "step $step: ours $o, PyTorch $t"
    ours_sum=$("$PY" -c "print($ours_sum + $o)"); theirs_sum=$("$PY" -c "print($theirs_sum + $t)"); n=$((n + 1))
done
"$PY" -c "o, t = $ours_sum / $n, $theirs_sum / $n; print('mean over %d steps: ours %.2f, PyTorch %.2f, ours/PyTorch %.3f (target <= 1.10)' % ($n, o, t, o / t))"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

#!/usr/bin/env bash
# NN benchmark: Swift's nn-bench and the PyTorch 2.13 peer (2 threads) side by side in one run on
# the pytorch/examples DCGAN (64x64, batch 64, nz 100, ngf = ndf = 64), then the full-width
# trajectory check against PyTorch on the spot. Usage: tools/bench/nn.sh (make bench-nn).
# PEER_VENV points at the virtual environment with torch==2.13.0+cpu and safetensors.
set -euo pipefail
cd "$(dirname "$0")/../.."
PEER_VENV=${PEER_VENV:-.venv-peers}
PY="$PEER_VENV/bin/python"
if [ ! -x "$PY" ]; then
    echo "No Python peer at $PY: run 'make peers' or set PEER_VENV." >&2
    exit 1
fi
TRAIN_ITERATIONS=${TRAIN_ITERATIONS:-3}
# Each workload runs this many times per side, alternating Swift and PyTorch; the best run counts.
# Alternating gives both sides a chance at the machine's quiet moments when others share it.
ROUNDS=${ROUNDS:-2}

swift build -c release --product nn-bench >&2
BIN="$(swift build -c release --show-bin-path)/nn-bench"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# The second peer: Debian's python3-torch 1.13 (apt-get install python3-torch), when installed.
PY113=${PY113:-/usr/bin/python3}
have113=0
"$PY113" -c 'import torch, sys; sys.exit(0 if torch.__version__.startswith("1.13") else 1)' 2>/dev/null && have113=1
# Each workload runs Swift then PyTorch back to back, so both see about the same machine load.
for mode in peak "train $TRAIN_ITERATIONS" infer; do
    for _ in $(seq "$ROUNDS"); do
        # shellcheck disable=SC2086
        "$BIN" $mode >>"$work/swift.txt"
        # shellcheck disable=SC2086
        "$PY" tools/bench/nn_peer.py $mode >>"$work/torch.txt"
        if [ "$have113" = 1 ]; then
            # shellcheck disable=SC2086
            "$PY113" tools/bench/nn_peer.py $mode >>"$work/torch113.txt"
        fi
    done
done
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== against PyTorch 2.13 CPU"
"$PY" tools/bench/nn_summary.py "$work/swift.txt" "$work/torch.txt"
if [ "$have113" = 1 ]; then
    echo
    echo "== against Debian's PyTorch 1.13"
    "$PY" tools/bench/nn_summary.py "$work/swift.txt" "$work/torch113.txt"
else
    echo "(Debian's python3-torch 1.13 is not installed: apt-get install python3-torch to add that peer)"
fi

echo
echo "Full-width trajectory (nz 100, ngf 64, ndf 64, batch 8, 5 steps) against PyTorch, atol 1e-4 rtol 1e-3:"
"$PY" tools/golden/dcgan_trajectory.py --nz 100 --ngf 64 --ndf 64 --batch 8 --steps 5 --threads 2 \
    --out "$work/trajectory.safetensors" 2>/dev/null
"$BIN" trajectory "$work/trajectory.safetensors" || true
echo "Context: PyTorch float32 against the same trajectory run in float64 (see tools/bench/trajectory_context.py):"
"$PY" tools/golden/dcgan_trajectory.py --nz 100 --ngf 64 --ndf 64 --batch 8 --steps 5 --threads 2 --float64 \
    --out "$work/trajectory64.safetensors" 2>/dev/null
"$PY" tools/bench/trajectory_context.py "$work/trajectory.safetensors" "$work/trajectory64.safetensors"

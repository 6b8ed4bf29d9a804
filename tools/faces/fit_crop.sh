#!/usr/bin/env bash
# Refit the default crop convention (CropConvention.utkface) on UTKFace's holdout chips.
# Usage: tools/faces/fit_crop.sh [DATA_DIR]   (default ../shared/data). Prints the medians that
# Sources/Faces/CropConvention.swift records; takes a few minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${1:-../shared/data}
swift build -c release --product faces-bench >/dev/null
"$(swift build -c release --show-bin-path)/faces-bench" fit-crop "$DATA/utkface" --split holdout

#!/usr/bin/env bash
# Fetches the MediaPipe face models the CNN face pipeline reads into models/third-party/mediapipe/.
#
# They come from PyPI's mediapipe 0.10.14 wheel (Apache-2.0): the wheel is downloaded once with pip
# into ${XDG_CACHE_HOME:-$HOME/.cache}/deepfake-workbench/ and reused after that. The three .tflite
# files and the wheel's LICENSE are extracted (flat) beside a NOTICE, each checked against the SHA-256
# pinned below. When the files are already there and match, the script only re-checks the hashes.
#
# Environment: PYTHON (default python3; its pip downloads the wheel for that interpreter),
# MODELS_DIR (default <repository>/models/third-party/mediapipe).
set -euo pipefail

VERSION=0.10.14
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEST=${MODELS_DIR:-$ROOT/models/third-party/mediapipe}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/deepfake-workbench
PYTHON=${PYTHON:-python3}

# name in DEST | path inside the wheel | SHA-256
FILES=(
  "face_detection_full_range_sparse.tflite|mediapipe/modules/face_detection/face_detection_full_range_sparse.tflite|2c3728e6da56f21e21a320433396fb06d40d9088f2247c05e5635a688d45dfe1"
  "face_detection_short_range.tflite|mediapipe/modules/face_detection/face_detection_short_range.tflite|bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8"
  "face_landmark.tflite|mediapipe/modules/face_landmark/face_landmark.tflite|1055cb9d4a9ca8b8c688902a3a5194311138ba256bcc94e336d8373a5f30c814"
  "LICENSE|mediapipe-$VERSION.dist-info/LICENSE|8707eef0533987efc5b155d64761eeb6e20793f50b9bd1a68dad1cf4719d0ed8"
)

sha256() {
  if command -v sha256sum >/dev/null; then sha256sum "$1" | cut -d' ' -f1
  else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

# Prints nothing and succeeds when every file in $1 matches its pinned hash; otherwise prints the
# first mismatch ("name expected actual") and fails.
check_dir() {
  local dir=$1 entry name path want got
  for entry in "${FILES[@]}"; do
    IFS='|' read -r name path want <<<"$entry"
    if [ ! -f "$dir/$name" ]; then echo "$name $want missing"; return 1; fi
    got=$(sha256 "$dir/$name")
    if [ "$got" != "$want" ]; then echo "$name $want $got"; return 1; fi
  done
  [ -f "$dir/NOTICE" ] || { echo "NOTICE - missing"; return 1; }
}

if problem=$(check_dir "$DEST"); then
  echo "MediaPipe $VERSION face models up to date in ${DEST#"$ROOT"/}"
  exit 0
fi
if [ -d "$DEST" ] && [ -n "$(ls -A "$DEST" 2>/dev/null)" ]; then
  read -r name want got <<<"$problem"
  echo "${DEST#"$ROOT"/}/$name: $got (expected $want); extracting again"
fi

# The wheel: reuse any cached mediapipe-$VERSION wheel (the model files are the same in every
# platform's wheel), otherwise download the one for this interpreter.
mkdir -p "$CACHE"
wheel=$(ls "$CACHE"/mediapipe-"$VERSION"-*.whl 2>/dev/null | head -n 1 || true)
if [ -z "$wheel" ]; then
  echo "Downloading mediapipe==$VERSION from PyPI into $CACHE"
  "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: --dest "$CACHE" "mediapipe==$VERSION"
  wheel=$(ls "$CACHE"/mediapipe-"$VERSION"-*.whl 2>/dev/null | head -n 1 || true)
  if [ -z "$wheel" ]; then
    echo "error: pip saved no mediapipe-$VERSION wheel in $CACHE (is there one for $("$PYTHON" -V 2>&1)?)" >&2
    exit 1
  fi
else
  echo "Using cached $(basename "$wheel")"
fi

# Extract into a temporary folder beside DEST, check, then move into place.
mkdir -p "$(dirname "$DEST")"
tmp=$(mktemp -d "$(dirname "$DEST")/.mediapipe.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
members=()
for entry in "${FILES[@]}"; do
  IFS='|' read -r name path want <<<"$entry"
  members+=("$path=$name")
done
"$PYTHON" - "$wheel" "$tmp" "${members[@]}" <<'EOF'
import os, shutil, sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    names = set(z.namelist())
    for pair in sys.argv[3:]:
        member, name = pair.split("=", 1)
        if member not in names:
            sys.exit(f"error: {member} is not in {wheel}")
        with z.open(member) as src, open(os.path.join(out, name), "wb") as dst:
            shutil.copyfileobj(src, dst)
EOF

for entry in "${FILES[@]}"; do
  IFS='|' read -r name path want <<<"$entry"
  got=$(sha256 "$tmp/$name")
  if [ "$got" != "$want" ]; then
    cat >&2 <<MSG
error: SHA-256 mismatch for $name (from $path in $(basename "$wheel"))
  expected $want
  actual   $got
Delete the cached wheel ($wheel) and run tools/fetch_models.sh again. If the mismatch remains,
the wheel on PyPI differs from the one the pinned hashes in tools/fetch_models.sh were taken from.
MSG
    exit 1
  fi
done

cat >"$tmp/NOTICE" <<MSG
MediaPipe face models, from the mediapipe $VERSION wheel on PyPI
(https://pypi.org/project/mediapipe/$VERSION/) by The MediaPipe Authors, licensed under the
Apache License 2.0 (LICENSE here is the wheel's mediapipe-$VERSION.dist-info/LICENSE).
Extracted unmodified by tools/fetch_models.sh (file, SHA-256, path inside the wheel):

MSG
for entry in "${FILES[@]}"; do
  IFS='|' read -r name path want <<<"$entry"
  printf '  %s\n    sha256 %s\n    from   %s\n' "$name" "$want" "$path" >>"$tmp/NOTICE"
done

mkdir -p "$DEST"
for entry in "${FILES[@]}"; do
  IFS='|' read -r name path want <<<"$entry"
  mv -f "$tmp/$name" "$DEST/$name"
done
mv -f "$tmp/NOTICE" "$DEST/NOTICE"
echo "MediaPipe $VERSION face models written to ${DEST#"$ROOT"/}"

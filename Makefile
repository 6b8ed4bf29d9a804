# Deepfake Workbench. `make demo` runs the main job, `make test` the tests; both install the
# Debian packages they need first. See README.md.

SHELL := /bin/bash
SWIFT ?= swift
# Debian packages the build, the tests and the benchmarks need.
APT_PACKAGES := pkg-config libavformat-dev libavcodec-dev libavutil-dev libswscale-dev \
                libpng-dev libopenblas-dev libsqlite3-dev opencv-data ffmpeg
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Python environment for the PyTorch and OpenCV peers (goldens and benchmarks only; never CI).
PEER_VENV ?= .venv-peers
PEER_PY := $(PEER_VENV)/bin/python
DATA ?= ../shared/data

.PHONY: deps models build release test demo bench bench-media bench-nn bench-faces bench-gan bench-alter bench-score bench-memory peers golden golden-tflite fixtures clean

deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages: $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# MediaPipe's face models (Apache-2.0) from PyPI's mediapipe 0.10.14 wheel, checked against pinned
# SHA-256s, into models/third-party/mediapipe/ (not committed; the wheel is cached).
models:
	tools/fetch_models.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product deepfake

# The test log goes to .build/test.log; a test skipped although its data, models or cascades are
# here fails the run (tools/check_skips.sh).
test: deps models
	mkdir -p .build; set -o pipefail; $(SWIFT) test 2>&1 | tee .build/test.log
	tools/check_skips.sh .build/test.log

demo: release models
	@tools/demo.sh "$$($(SWIFT) build -c release --show-bin-path)/deepfake"

# The peers: PyTorch 2.13 CPU (pip's find-links serves the CPU wheel here), safetensors, and
# OpenCV 4 (5.x has no CascadeClassifier).
peers: $(PEER_PY)
$(PEER_PY):
	python3 -m venv $(PEER_VENV)
	$(PEER_PY) -m pip install -q 'torch==2.13.0+cpu' safetensors numpy scikit-learn 'opencv-python-headless<5'

golden: peers
	for f in tools/golden/*.py; do case $$f in */tflite_*) continue;; esac; $(PEER_PY) $$f || exit 1; done

# TFLite references for the face models: ai-edge-litert's reference kernels on seeded inputs.
TFLITE_VENV ?= .venv-tflite
TFLITE_PY := $(TFLITE_VENV)/bin/python
$(TFLITE_PY):
	python3 -m venv $(TFLITE_VENV)
	$(TFLITE_PY) -m pip install -q 'ai-edge-litert==2.3.0' 'numpy==2.4.6' 'safetensors==0.8.0'

golden-tflite: models $(TFLITE_PY)
	$(TFLITE_PY) tools/golden/tflite_faces.py

# The MediaPipe peer of the face benchmark: mediapipe 0.10.14's Python solutions with the numpy,
# OpenCV and protobuf pip picks for it (0.10.14 runs with numpy 2.x: checked on these pins).
MEDIAPIPE_VENV ?= .venv-mediapipe
MEDIAPIPE_PY := $(MEDIAPIPE_VENV)/bin/python
$(MEDIAPIPE_PY):
	python3 -m venv $(MEDIAPIPE_VENV)
	$(MEDIAPIPE_PY) -m pip install -q 'mediapipe==0.10.14' 'numpy==2.4.6' 'opencv-contrib-python==5.1.0.95' 'protobuf==4.25.9'

fixtures: deps
	tools/make_fixture_videos.sh

bench: deps peers bench-media bench-nn bench-faces bench-gan bench-alter bench-score

bench-media:
	tools/bench/media.sh

bench-nn:
	tools/bench/nn.sh

bench-faces: models $(MEDIAPIPE_PY)
	MP_PY=$(MEDIAPIPE_PY) DATA=$(DATA) tools/bench/faces.sh

bench-alter:
	tools/bench/alter.sh

# GAN training throughput and a short-schedule quality run, both against PyTorch (resumable).
bench-gan: peers
	PEER_PY=$(PEER_PY) DATA=$(DATA) tools/bench/gan.sh

# deepfake score: 32 frames of a 720x1280 clip (target <= 2 s), and --all against a Python peer
# (OpenCV cascade + PyTorch on every frame; target >= 2x). MODEL= a detector or GAN checkpoint.
bench-score: peers
	PEER_VENV=$(PEER_VENV) DATA=$(DATA) tools/bench/score.sh

# Peak memory of score --fps 1 on one minute and one hour of 1080p (target <= 300 MB).
bench-memory:
	DATA=$(DATA) tools/bench/memory.sh

clean:
	rm -rf .build

"""TFLite references for the MediaPipe face models: each model run by ai-edge-litert's Interpreter with
the reference kernels (OpResolverType.BUILTIN_REF, no XNNPACK) on two seeded synthetic inputs.

Writes fixtures/golden/tflite_<model stem>.safetensors per model (float32):
  input_0          uniform noise in the model's input range (numpy default_rng(seed)), NHWC
  input_1          a smooth image-like input: per channel, a sum of low-frequency sinusoids
  output_<k>_<i>   output k (in get_output_details() order) for input i
and __metadata__: format_version, generator, seed, litert_version, op_resolver, model_file,
model_sha256, input_name, input_range, output_names (JSON list).

The models are read from models/third-party/mediapipe/ (run tools/fetch_models.sh first).

--all-tensors DIR also writes DIR/<model stem>_all.safetensors: every tensor the interpreter holds
after running input_0 (experimental_preserve_all_tensors=True), keyed t<index> in the tensor's own
dtype, with __metadata__ "names" (JSON {index: name}) and "skipped" (indices without data). A
debugging aid for the Swift interpreter; not committed.

Run with the environment of `make golden-tflite` (ai-edge-litert 2.3.0, numpy, safetensors).
"""
import argparse
import hashlib
import json
import os
import sys

import numpy as np
from safetensors.numpy import save

import ai_edge_litert
from ai_edge_litert.interpreter import Interpreter, OpResolverType

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODELS_DIR = os.path.join(ROOT, "models", "third-party", "mediapipe")
OUT_DIR = os.path.join(ROOT, "fixtures", "golden")
GENERATOR = "tools/golden/tflite_faces.py"
FORMAT_VERSION = "1"

# model stem -> (input range, seed). MediaPipe feeds the detectors [-1, 1] and the landmark model
# [0, 1] (ImageToTensorCalculator output_tensor_float_range; see tools/faces/mediapipe_graph_options.txt).
MODELS = {
    "face_detection_full_range_sparse": ((-1.0, 1.0), 1001),
    "face_detection_short_range": ((-1.0, 1.0), 1002),
    "face_landmark": ((0.0, 1.0), 1003),
}


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def save_file(tensors, path, metadata):
    """safetensors.numpy.save, with the JSON header's keys sorted so that a rerun writes the same
    bytes (safetensors emits __metadata__ in hash order)."""
    data = save(tensors, metadata=metadata)
    n = int.from_bytes(data[:8], "little")
    header = json.dumps(json.loads(data[8:8 + n]), sort_keys=True, separators=(",", ":")).encode()
    header += b" " * (-len(header) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(len(header).to_bytes(8, "little"))
        f.write(header)
        f.write(data[8 + n:])
    os.replace(tmp, path)
    os.chmod(path, 0o644)


def make_interpreter(path, preserve_all=False):
    it = Interpreter(
        model_path=path,
        experimental_op_resolver_type=OpResolverType.BUILTIN_REF,
        experimental_preserve_all_tensors=preserve_all,
    )
    it.allocate_tensors()
    return it


def smooth_input(rng, shape, lo, hi):
    """Per channel, the sum of four random low-frequency 2-D sinusoids (1 to 3 cycles across the
    image), mapped onto [lo, hi]: something image-like rather than noise."""
    n, h, w, c = shape
    y = np.arange(h, dtype=np.float64)[:, None] / h
    x = np.arange(w, dtype=np.float64)[None, :] / w
    out = np.empty(shape, dtype=np.float64)
    for b in range(n):
        for ch in range(c):
            acc = np.zeros((h, w))
            for _ in range(4):
                fy, fx = rng.uniform(0.0, 3.0, size=2)
                phase = rng.uniform(0.0, 2.0 * np.pi)
                amp = rng.uniform(0.5, 1.0)
                acc += amp * np.sin(2.0 * np.pi * (fy * y + fx * x) + phase)
            acc = (acc - acc.min()) / max(acc.max() - acc.min(), 1e-12)
            out[b, :, :, ch] = lo + (hi - lo) * acc
    return out.astype(np.float32)


def run(it, x):
    it.set_tensor(it.get_input_details()[0]["index"], x)
    it.invoke()
    return [np.array(it.get_tensor(d["index"]), dtype=np.float32) for d in it.get_output_details()]


def golden(stem, out_dir):
    (lo, hi), seed = MODELS[stem]
    path = os.path.join(MODELS_DIR, stem + ".tflite")
    it = make_interpreter(path)
    inputs = it.get_input_details()
    if len(inputs) != 1 or inputs[0]["dtype"] != np.float32:
        sys.exit(f"{stem}: expected one float32 input, got {inputs}")
    shape = tuple(int(s) for s in inputs[0]["shape"])
    rng = np.random.default_rng(seed)
    xs = [
        rng.uniform(lo, hi, size=shape).astype(np.float32),
        smooth_input(rng, shape, lo, hi),
    ]
    tensors = {}
    for i, x in enumerate(xs):
        tensors[f"input_{i}"] = x
        for k, y in enumerate(run(it, x)):
            tensors[f"output_{k}_{i}"] = y
    metadata = {
        "format_version": FORMAT_VERSION,
        "generator": GENERATOR,
        "seed": str(seed),
        "litert_version": ai_edge_litert.__version__,
        "op_resolver": "BUILTIN_REF",
        "model_file": os.path.relpath(path, ROOT),
        "model_sha256": sha256(path),
        "input_name": inputs[0]["name"],
        "input_range": json.dumps([lo, hi]),
        "output_names": json.dumps([d["name"] for d in it.get_output_details()]),
    }
    out = os.path.join(out_dir, f"tflite_{stem}.safetensors")
    save_file(tensors, out, metadata=metadata)
    summary = ", ".join(f"{k} {list(v.shape)}" for k, v in tensors.items() if k.startswith("output_"))
    print(f"{os.path.relpath(out, ROOT)}: {os.path.getsize(out)} bytes; {summary}")
    return xs[0]


def all_tensors(stem, x, out_dir):
    path = os.path.join(MODELS_DIR, stem + ".tflite")
    it = make_interpreter(path, preserve_all=True)
    it.set_tensor(it.get_input_details()[0]["index"], x)
    it.invoke()
    tensors, names, skipped = {}, {}, []
    for d in it.get_tensor_details():
        index = d["index"]
        names[str(index)] = d["name"]
        try:
            value = it.get_tensor(index)
        except ValueError:
            skipped.append(index)
            continue
        if value is None or value.dtype == object:
            skipped.append(index)
            continue
        tensors[f"t{index}"] = np.ascontiguousarray(value)
    metadata = {
        "generator": GENERATOR + " --all-tensors",
        "model_file": os.path.relpath(path, ROOT),
        "model_sha256": sha256(path),
        "input": "input_0 of the golden file",
        "names": json.dumps(names),
        "skipped": json.dumps(skipped),
    }
    os.makedirs(out_dir, exist_ok=True)
    out = os.path.join(out_dir, f"{stem}_all.safetensors")
    save_file(tensors, out, metadata=metadata)
    print(f"{out}: {len(tensors)} tensors ({len(skipped)} without data), {os.path.getsize(out)} bytes")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--all-tensors", metavar="DIR", help="also dump every tensor of input_0 to DIR")
    ap.add_argument("--out", default=OUT_DIR, help="golden folder (default fixtures/golden)")
    ap.add_argument("models", nargs="*", default=list(MODELS), help="model stems (default: all three)")
    args = ap.parse_args()
    for stem in args.models:
        if stem not in MODELS:
            sys.exit(f"unknown model {stem}; known: {', '.join(MODELS)}")
        if not os.path.exists(os.path.join(MODELS_DIR, stem + ".tflite")):
            sys.exit(f"{stem}.tflite is not in {os.path.relpath(MODELS_DIR, ROOT)}; run tools/fetch_models.sh")
    for stem in args.models:
        x0 = golden(stem, args.out)
        if args.all_tensors:
            all_tensors(stem, x0, args.all_tensors)


if __name__ == "__main__":
    main()

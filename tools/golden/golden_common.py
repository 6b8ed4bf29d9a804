"""Shared helpers for the golden-value generators in tools/golden/.

Every generator writes one fixtures/golden/<name>.safetensors whose tensors are float32 and whose
__metadata__ records format_version, torch_version, seed and generator (the script's path), as the
Swift tests check. Inputs are synthetic and seeded. Layer references are computed in float64 from
float32 inputs and stored as float32, so the stored values are the exact answer to float32 rounding.
"""
import json
import os
import sys

import torch
from safetensors.torch import save_file

FORMAT_VERSION = "1"
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def output_path(name):
    return os.path.join(ROOT, "fixtures", "golden", name + ".safetensors")


def save(name, tensors, seed, script, extra_metadata=None):
    """Writes tensors (name -> torch.Tensor) as float32 with the standard metadata."""
    converted = {key: value.detach().to(torch.float32).contiguous() for key, value in tensors.items()}
    metadata = {
        "format_version": FORMAT_VERSION,
        "torch_version": torch.__version__,
        "seed": str(seed),
        "generator": os.path.relpath(os.path.abspath(script), ROOT),
    }
    for key, value in (extra_metadata or {}).items():
        metadata[key] = value if isinstance(value, str) else json.dumps(value)
    path = output_path(name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    save_file(converted, path, metadata=metadata)
    size = os.path.getsize(path)
    print(f"wrote {os.path.relpath(path, ROOT)}: {len(converted)} tensors, {size / 1024:.0f} KiB", file=sys.stderr)


def randn32(generator, *shape, scale=1.0):
    """Seeded standard-normal float32 values, returned as float64 for the reference computation."""
    return (torch.randn(*shape, generator=generator, dtype=torch.float32) * scale).to(torch.float64)

"""Writes fixtures/golden/safetensors_interop.safetensors with PyTorch's `safetensors` package.

The Swift reader must load a file written by the reference implementation. This one holds every
dtype the reader supports (F32, F16, BF16, U8), a scalar, an empty tensor and metadata, with
values chosen to be exactly representable so the Swift test can compare bit for bit, including
the edges of half precision (largest finite, subnormals, infinities, NaN).

Run from the repository root:  python tools/golden/safetensors_interop.py
Needs torch and safetensors (`make peers`). Tests/NNTests/SafeTensorsInteropTests.swift reads it.
"""

import math
import pathlib

import torch
from safetensors.torch import save_file

FORMAT_VERSION = "1"
OUT = pathlib.Path(__file__).resolve().parents[2] / "fixtures/golden/safetensors_interop.safetensors"


def main() -> None:
    tensors = {
        # Row-major [2, 3]; values exact in binary32.
        "f32": torch.tensor([[0.0, 1.0, -2.5], [3.25, 1.0e-3, 123456.789]], dtype=torch.float32),
        # Half-precision edges: signed zero, 1/3 rounded to half (0.333251953125), the largest
        # finite half, the smallest subnormal (2^-24), the largest subnormal, the smallest
        # normal (2^-14), infinities and NaN.
        "f16": torch.tensor(
            [0.0, -0.0, 1.0, -2.0, 1.0 / 3.0, 65504.0, 2.0**-24, 1023 * 2.0**-24, 2.0**-14,
             math.inf, -math.inf, math.nan],
            dtype=torch.float16,
        ),
        # bfloat16 keeps float32's range: 2^100 and -2^-100 are exact, 1/3 rounds to 0.333984375.
        "bf16": torch.tensor([1.0, -3.0, 0.15625, 2.0**100, -(2.0**-100), 1.0 / 3.0],
                             dtype=torch.bfloat16).reshape(2, 3),
        # [2, 2, 3] bytes covering 0, 255 and both sides of 128.
        "u8": torch.tensor([0, 1, 2, 127, 128, 129, 200, 253, 254, 255, 17, 42],
                           dtype=torch.uint8).reshape(2, 2, 3),
        "scalar": torch.tensor(42.5, dtype=torch.float32),
        "empty": torch.zeros((0, 3), dtype=torch.float32),
    }
    metadata = {
        "format_version": FORMAT_VERSION,
        "generator": "tools/golden/safetensors_interop.py",
        "torch_version": torch.__version__.split("+")[0],
        "note": "unicode \u2713 and \"quotes\"",
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(OUT), metadata=metadata)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()

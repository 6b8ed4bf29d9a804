"""Context for the full-width trajectory check: how far PyTorch float32 itself lands from a float64
run of the same trajectory, under the same test (atol 1e-4, rtol 1e-3 on every final parameter).

Adam's first steps move each weight by about ±lr whatever the gradient's size, so a weight whose true
gradient is within float32 rounding of zero (|g| ~ 1e-8 against a typical 1e-2) gets an update of
arbitrary sign. A few such weights per network are normal; the differences they make then grow over
the following steps. This prints how many PyTorch float32 has against float64, for comparison with
the Swift count printed by nn-bench.
Usage: trajectory_context.py FLOAT32_FILE FLOAT64_FILE
"""
import sys

import torch
from safetensors.torch import load_file

a, b = load_file(sys.argv[1]), load_file(sys.argv[2])
outside = total = 0
for key in a:
    if key.startswith("final."):
        x, y = a[key].double(), b[key].double()
        outside += int((~torch.isclose(x, y, atol=1e-4, rtol=1e-3)).sum())
        total += x.numel()
loss_diff = max(float((a[k].double() - b[k].double()).abs().max()) for k in ("errD_real", "errD_fake", "errG"))
print(f"pytorch_f32_vs_f64_max_loss_abs_diff {loss_diff:.6g}")
print(f"pytorch_f32_vs_f64_params_outside_tolerance {outside} of {total}")

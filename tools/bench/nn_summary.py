"""Prints nn-bench against the PyTorch peer: ratios (Swift time / PyTorch time, lower is better),
achieved GFLOP/s against the sgemm peak measured in the same run, and peak RSS while training."""
import sys


def read(path):
    values = {}
    for line in open(path):
        parts = line.split()
        if len(parts) >= 2:
            try:
                values[parts[0]] = float(parts[1])
            except ValueError:
                pass
    return values


swift, torch = read(sys.argv[1]), read(sys.argv[2])
peak = swift.get("sgemm_peak_gflops", float("nan"))
print(f"sgemm peak, 2048^3, 2 threads: Swift/OpenBLAS {peak:.1f} GFLOP/s, PyTorch {torch.get('sgemm_peak_gflops', 0):.1f} GFLOP/s")
print()
print(f"{'workload':<28}{'Swift':>12}{'PyTorch':>12}{'ratio':>8}{'CPU ratio':>11}{'Swift GFLOP/s':>15}{'% peak':>8}")

gflop = swift.get("train_gflop", 0)
rows = [
    ("training iteration (s)", "train_s", "train_cpu_s", True, gflop),
    ("D inference b1 (img/s)", "d_infer_b1_img_s", "d_infer_b1_cpu_img_s", False, None),
    ("D inference b64 (img/s)", "d_infer_b64_img_s", "d_infer_b64_cpu_img_s", False, None),
    ("G inference b64 (img/s)", "g_infer_b64_img_s", "g_infer_b64_cpu_img_s", False, None),
]
gflops_keys = {"train_s": "train_gflops", "d_infer_b1_img_s": "d_infer_b1_gflops",
               "d_infer_b64_img_s": "d_infer_b64_gflops", "g_infer_b64_img_s": "g_infer_b64_gflops"}
for label, key, cpu_key, is_time, _ in rows:
    s, t = swift.get(key), torch.get(key)
    sc, tc = swift.get(cpu_key), torch.get(cpu_key)
    if s is None or t is None:
        print(f"{label:<28} missing")
        continue
    # Time ratio: Swift time / PyTorch time. For rates, time per image is 1/rate.
    ratio = s / t if is_time else t / s
    cpu_ratio = (sc / tc if is_time else tc / sc) if sc and tc else float("nan")
    rate = swift.get(gflops_keys[key], float("nan"))
    print(f"{label:<28}{s:>12.3f}{t:>12.3f}{ratio:>8.2f}{cpu_ratio:>11.2f}{rate:>15.1f}{100 * rate / peak:>7.0f}%")
print()
rss = swift.get("train_peak_rss_mb", float("nan"))
print(f"peak RSS while training, batch 64: Swift {rss:.0f} MB (target <= 700), PyTorch {torch.get('train_peak_rss_mb', float('nan')):.0f} MB")
print("ratio = Swift time / PyTorch time (target <= 1.0); CPU ratio compares process CPU seconds, "
      "which is steadier when other work shares the cores.")

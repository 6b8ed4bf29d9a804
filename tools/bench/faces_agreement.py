#!/usr/bin/env python3
"""Agreement of our face pipeline with MediaPipe's on the same images: boxes both ways, landmarks,
and speed.

    faces_agreement.py OURS.jsonl PEER.jsonl [--iou 0.5] [--worst 10] [--label NAME] [--json]
                       [--speed-only]

Both files hold the JSON lines of tools/bench/mediapipe_peer.py (`faces-bench mediapipe` writes the
same): {"image", "width", "height", "detections": [{"box": [x, y, w, h], "score", "keypoints"}],
"meshes": [[[x, y, z] * 468]], "detect_seconds", "mesh_seconds", ...}; summary lines
({"summary": true}) are skipped. Standard library only.

Images are matched by path (os.path.realpath of "image", with "frame" when present). An image in
PEER missing from OURS (or the reverse) counts with all its boxes unmatched and is listed.

Boxes: per image, every (ours, peer) pair with IoU >= --iou, taken greedily in order of IoU; each
box is matched at most once. Printed: the share of peer boxes matched by ours and of our boxes
matched by the peer's (target: >= 99% both ways).

Landmarks: MediaPipe's meshes come from FaceMesh, whose own (short-range) detector is not the
full-range FaceDetection that gives the boxes, so meshes are matched to meshes, not through the
boxes: per image, greedily by the IoU (>= --iou) of the bounding boxes of the meshes' 468 (x, y)
points. For a matched pair the error is the mean over the 468 points of the (x, y) distance,
divided by the width of the peer mesh's bounding box (the x extent of its points: cheek to cheek,
about the width of the face box). Printed: mean over matched faces (target <= 1% of the face
width), median, 95th percentile, largest, the share of meshes matched both ways, and the worst
images.

Speed, when both files carry timings: per image the detect and mesh seconds of the median run of
--repeat R (the peer's *_median_seconds; a record may instead give the median as *_seconds and the
best as *_seconds_best), their medians over the images, and the median of their per-image sum; "ours is X x the peer's" with X = peer time / our time, so X >= 1.0
means we are at least as fast (target for detect + mesh: >= 1.0x). The same figure from each
image's best run follows (less disturbed by other work on the cores). MediaPipe's mesh_seconds
includes FaceMesh's own face detection; the sum is the like-for-like figure.
"""
import argparse
import json
import os
import statistics
import sys

BOX_TARGET = 0.99
LANDMARK_TARGET = 0.01
SPEED_TARGET = 1.0


def read(path):
    rows = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            if r.get("summary"):
                continue
            if "image" not in r:
                sys.exit(f"{path}:{n}: no \"image\" key")
            key = os.path.realpath(r["image"]) + (f"#{r['frame']}" if "frame" in r else "")
            rows[key] = r
    return rows


def iou(a, b):
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = min(ax + aw, bx + bw) - max(ax, bx)
    h = min(ay + ah, by + bh) - max(ay, by)
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


def greedy(ours, peer, threshold):
    """[(i, j, iou)] matched pairs, best IoU first, each index at most once."""
    pairs = sorted(((iou(a, b), i, j) for i, a in enumerate(ours) for j, b in enumerate(peer)),
                   reverse=True)
    used_i, used_j, out = set(), set(), []
    for v, i, j in pairs:
        if v < threshold:
            break
        if i in used_i or j in used_j:
            continue
        used_i.add(i)
        used_j.add(j)
        out.append((i, j, v))
    return out


def mesh_box(mesh):
    xs = [p[0] for p in mesh]
    ys = [p[1] for p in mesh]
    return [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]


def mesh_error(ours, peer):
    """Mean (x, y) distance over the points, divided by the peer mesh's width."""
    width = max(p[0] for p in peer) - min(p[0] for p in peer)
    total = sum(((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5 for a, b in zip(ours, peer))
    return total / len(peer) / width if width > 0 else float("inf")


def percentile(values, q):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(q * (len(s) - 1) + 0.5))]


def times(r, stage):
    """(best, median) seconds of a stage ("detect" or "mesh") of one record, or None. The peer
    writes <stage>_seconds (best of --repeat) and <stage>_median_seconds; a record may instead
    carry <stage>_seconds as the median and <stage>_seconds_best; a single run is both."""
    if f"{stage}_seconds" not in r:
        return None
    if f"{stage}_median_seconds" in r:
        return r[f"{stage}_seconds"], r[f"{stage}_median_seconds"]
    if f"{stage}_seconds_best" in r:
        return r[f"{stage}_seconds_best"], r[f"{stage}_seconds"]
    return r[f"{stage}_seconds"], r[f"{stage}_seconds"]


def speed(ours_rows, peer_rows):
    """Medians over the images present in both, or None without timings: of each image's median
    run (the main figure) and of its best run (steadier when other work shares the cores)."""
    pairs = [(o, p) for o, p in zip(ours_rows, peer_rows)
             if all(times(r, stage) for r in (o, p) for stage in ("detect", "mesh"))]
    if not pairs:
        return None

    def figures(which):
        out = {}
        for side, index in (("ours", 0), ("peer", 1)):
            det = [times(pair[index], "detect")[which] for pair in pairs]
            mesh = [times(pair[index], "mesh")[which] for pair in pairs]
            out[side] = {"detect": statistics.median(det), "mesh": statistics.median(mesh),
                         "total": statistics.median([a + b for a, b in zip(det, mesh)])}
        out["x"] = {k: (out["peer"][k] / out["ours"][k] if out["ours"][k] > 0 else float("inf"))
                    for k in ("detect", "mesh", "total")}
        return out

    out = {"images": len(pairs), "per_image": "median run",
           "faces": {side: sum(len(pair[i].get("detections", [])) for pair in pairs) for side, i in (("ours", 0), ("peer", 1))},
           "meshes": {side: sum(len(pair[i].get("meshes", [])) for pair in pairs) for side, i in (("ours", 0), ("peer", 1))}}
    out.update(figures(1))
    out["best"] = figures(0)
    return out


def verdict(ok):
    return "met" if ok else "NOT MET"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("ours")
    ap.add_argument("peer")
    ap.add_argument("--iou", type=float, default=0.5)
    ap.add_argument("--worst", type=int, default=10, help="worst images to list")
    ap.add_argument("--label", default=None, help="name of the image set in the output")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead")
    ap.add_argument("--speed-only", action="store_true", help="print only the speed line")
    ap.add_argument("--no-target", action="store_true", help="leave the target out of the speed line")
    args = ap.parse_args()

    ours, peer = read(args.ours), read(args.peer)
    keys = sorted(set(ours) | set(peer))
    only_ours = [k for k in keys if k not in peer]
    only_peer = [k for k in keys if k not in ours]
    common = [k for k in keys if k in ours and k in peer]

    n_ours = n_peer = matched = 0
    box_misses = []  # (unmatched count, image, ours, peer)
    errors = []  # (error, image)
    mesh_ours = mesh_peer = mesh_matched = 0
    worst_by_image = {}
    for k in keys:
        o = ours.get(k, {"detections": [], "meshes": []})
        p = peer.get(k, {"detections": [], "meshes": []})
        ob = [d["box"] for d in o.get("detections", [])]
        pb = [d["box"] for d in p.get("detections", [])]
        pairs = greedy(ob, pb, args.iou)
        n_ours += len(ob)
        n_peer += len(pb)
        matched += len(pairs)
        missed = len(ob) + len(pb) - 2 * len(pairs)
        if missed:
            box_misses.append((missed, k, len(ob), len(pb), len(pairs)))
        om, pm = o.get("meshes", []), p.get("meshes", [])
        mesh_ours += len(om)
        mesh_peer += len(pm)
        mpairs = greedy([mesh_box(m) for m in om], [mesh_box(m) for m in pm], args.iou)
        mesh_matched += len(mpairs)
        for i, j, _ in mpairs:
            e = mesh_error(om[i], pm[j])
            errors.append(e)
            worst_by_image[k] = max(worst_by_image.get(k, 0.0), e)

    result = {
        "label": args.label, "images": len(keys), "images_compared": len(common),
        "only_in_ours": len(only_ours), "only_in_peer": len(only_peer),
        "boxes": {"ours": n_ours, "peer": n_peer, "matched": matched, "iou": args.iou,
                  "peer_matched_by_ours": matched / n_peer if n_peer else None,
                  "ours_matched_by_peer": matched / n_ours if n_ours else None,
                  "worst": [{"image": k, "ours": a, "peer": b, "matched": m}
                            for _, k, a, b, m in sorted(box_misses, reverse=True)[:args.worst]]},
        "landmarks": {"meshes_ours": mesh_ours, "meshes_peer": mesh_peer, "matched": mesh_matched,
                      "normalised_by": "width of the peer mesh's (x, y) bounding box",
                      "mean": statistics.fmean(errors) if errors else None,
                      "median": statistics.median(errors) if errors else None,
                      "p95": percentile(errors, 0.95) if errors else None,
                      "max": max(errors) if errors else None,
                      "worst": [{"image": k, "error": e} for k, e in
                                sorted(worst_by_image.items(), key=lambda kv: -kv[1])[:args.worst]]},
        "speed": speed([ours[k] for k in common], [peer[k] for k in common]),
    }
    if args.json:
        print(json.dumps(result, indent=1))
        return

    label = f"[{args.label}] " if args.label else ""
    s = result["speed"]
    if args.speed_only:
        if s is None:
            print(f"{label}speed: no timings in both files")
        else:
            target = ";" if args.no_target else \
                f"  target >= {SPEED_TARGET:.1f}x: {verdict(s['x']['total'] >= SPEED_TARGET)};"
            print(f"{label}speed: ours is {s['x']['total']:.2f}x the peer's (detect + mesh, median "
                  f"per image: ours {s['ours']['total'] * 1e3:.1f} ms, peer {s['peer']['total'] * 1e3:.1f} ms; "
                  f"detect {s['x']['detect']:.2f}x, mesh {s['x']['mesh']:.2f}x; {s['images']} images, faces "
                  f"{s['faces']['ours']}/{s['faces']['peer']}, meshes {s['meshes']['ours']}/{s['meshes']['peer']} ours/peer)"
                  f"{target} best runs: {s['best']['x']['total']:.2f}x")
        return

    print(f"{label}{len(keys)} images ({len(common)} in both; only in ours {len(only_ours)}, "
          f"only in the peer's {len(only_peer)})")
    for name, missing in (("ours", only_peer), ("the peer's", only_ours)):
        for k in missing[:args.worst]:
            print(f"  missing from {name}: {k}")
    b = result["boxes"]
    for text, share, num, den in (("peer boxes matched by ours", b["peer_matched_by_ours"], matched, n_peer),
                                  ("our boxes matched by the peer's", b["ours_matched_by_peer"], matched, n_ours)):
        if share is None:
            print(f"  {text:34s}   -     (0 boxes)")
        else:
            print(f"  {text:34s} {100 * share:6.2f}% ({num}/{den}, IoU >= {args.iou})  "
                  f"target >= {100 * BOX_TARGET:.0f}%: {verdict(share >= BOX_TARGET)}")
    if b["worst"]:
        print("  images with unmatched boxes (ours/peer/matched):")
        for w in b["worst"]:
            print(f"    {w['ours']}/{w['peer']}/{w['matched']}  {w['image']}")
    l = result["landmarks"]
    print(f"  meshes: ours {mesh_ours}, peer {mesh_peer}, matched {mesh_matched}")
    if errors:
        print(f"  landmark error / face width       {100 * l['mean']:6.3f}% mean (median {100 * l['median']:.3f}%, "
              f"p95 {100 * l['p95']:.3f}%, max {100 * l['max']:.3f}%; {len(errors)} faces)  "
              f"target <= {100 * LANDMARK_TARGET:.0f}%: {verdict(l['mean'] <= LANDMARK_TARGET)}")
        print("  worst landmark images:")
        for w in l["worst"]:
            print(f"    {100 * w['error']:7.3f}%  {w['image']}")
    else:
        print("  landmark error: no matched meshes")
    if s is not None:
        print(f"  speed: ours is {s['x']['total']:.2f}x the peer's (detect + mesh; detect {s['x']['detect']:.2f}x, "
              f"mesh {s['x']['mesh']:.2f}x)  target >= {SPEED_TARGET:.1f}x: {verdict(s['x']['total'] >= SPEED_TARGET)}")
        print(f"    median ms per image ({s['per_image']}): ours detect {s['ours']['detect'] * 1e3:.2f}, "
              f"mesh {s['ours']['mesh'] * 1e3:.2f}, sum {s['ours']['total'] * 1e3:.2f}; peer detect "
              f"{s['peer']['detect'] * 1e3:.2f}, mesh {s['peer']['mesh'] * 1e3:.2f}, sum {s['peer']['total'] * 1e3:.2f}")
        b = s["best"]
        print(f"    best runs: ours is {b['x']['total']:.2f}x the peer's (ours sum {b['ours']['total'] * 1e3:.2f} ms, "
              f"peer {b['peer']['total'] * 1e3:.2f} ms)")


if __name__ == "__main__":
    main()

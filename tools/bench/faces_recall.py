#!/usr/bin/env python3
"""Face counts per image set from a detector's JSON lines: recall on sets where every image holds a
face, false faces on sets where none does.

    faces_recall.py RESULTS.jsonl [--list LIST.json] [--one-person] [--by-clip]
                    [--expect face|none] [--target 0.99] [--label NAME] [--missed 10] [--json]

RESULTS.jsonl is the output of tools/bench/mediapipe_peer.py or `faces-bench mediapipe` (summary
lines skipped). Standard library only. Printed:
  images, images with >= 1 detection (and their share), detections, images with >= 2 detections;
  with --list (the set's list.json from tools/bench/faces_frames.py), when its rows carry face_box
  (UTKFace and LFW sets): also the images with a detection whose centre lies inside the patch;
  --one-person keeps only the rows of one-person clips (video set) and reports frames with a face
  and frames with more than one; --by-clip adds a line per clip (frames, with a face, most faces).
--expect face checks the share of images with a face against --target (default 0.99); --expect
none checks that there are 0 detections. Images of the list missing from RESULTS count as images
without a face (and are reported).
"""
import argparse
import json
import os
import sys


def read(path):
    rows = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                r = json.loads(line)
                if not r.get("summary"):
                    rows[os.path.realpath(r["image"])] = r
    return rows


def centred_in(det, box):
    x, y, w, h = det["box"]
    cx, cy = x + w / 2, y + h / 2
    return box[0] <= cx <= box[0] + box[2] and box[1] <= cy <= box[1] + box[3]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results")
    ap.add_argument("--list", help="the set's list.json (faces_frames.py)")
    ap.add_argument("--one-person", action="store_true", help="only rows of one-person clips")
    ap.add_argument("--by-clip", action="store_true", help="a line per clip (needs --list)")
    ap.add_argument("--expect", choices=["face", "none"], help="check against the target")
    ap.add_argument("--target", type=float, default=0.99, help="recall target with --expect face")
    ap.add_argument("--label")
    ap.add_argument("--missed", type=int, default=10, help="images without a face to list")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if (args.one_person or args.by_clip) and not args.list:
        ap.error("--one-person and --by-clip need --list")

    results = read(args.results)
    if args.list:
        with open(args.list) as f:
            rows = json.load(f)
        if args.one_person:
            rows = [r for r in rows if r.get("one_person")]
    else:
        rows = [{"path": k} for k in sorted(results)]
    missing = [r["path"] for r in rows if os.path.realpath(r["path"]) not in results]

    images = with_face = in_patch = faces = several = 0
    has_patch = any("face_box" in r for r in rows)
    missed, clips = [], {}
    for r in rows:
        dets = results.get(os.path.realpath(r["path"]), {}).get("detections", [])
        images += 1
        faces += len(dets)
        with_face += bool(dets)
        several += len(dets) >= 2
        if "face_box" in r and any(centred_in(d, r["face_box"]) for d in dets):
            in_patch += 1
        if not dets:
            missed.append(r["path"] if "clip" not in r else f"{r['clip']} frame {r['frame']}")
        if "clip" in r:
            c = clips.setdefault(r["clip"], {"frames": 0, "with_face": 0, "faces": 0, "most": 0})
            c["frames"] += 1
            c["with_face"] += bool(dets)
            c["faces"] += len(dets)
            c["most"] = max(c["most"], len(dets))

    share = with_face / images if images else float("nan")
    met = None
    if args.expect == "face":
        met = share >= args.target
    elif args.expect == "none":
        met = faces == 0
    result = {"label": args.label, "images": images, "with_face": with_face, "share": share,
              "faces": faces, "images_with_several": several, "missing_from_results": len(missing),
              "centred_in_patch": in_patch if has_patch else None, "expect": args.expect,
              "target": args.target if args.expect == "face" else (0 if args.expect else None),
              "met": met, "missed": missed[:args.missed], "clips": clips if args.by_clip else None}
    if args.json:
        print(json.dumps(result, indent=1))
        return

    label = f"[{args.label}] " if args.label else ""
    line = (f"{label}{images} images: {with_face} with a face ({100 * share:.2f}%), {faces} faces, "
            f"{several} images with 2 or more")
    if has_patch:
        line += f"; a face centred in the patch on {in_patch} ({100 * in_patch / max(images, 1):.2f}%)"
    print(line)
    if args.expect == "face":
        print(f"  recall {100 * share:.2f}%  target >= {100 * args.target:g}%: {'met' if met else 'NOT MET'}")
    elif args.expect == "none":
        print(f"  false faces {faces}  target 0: {'met' if met else 'NOT MET'}")
    if missing:
        print(f"  {len(missing)} images of the list are not in {args.results} (counted without a face)",
              file=sys.stderr)
    if args.expect != "none" and args.missed > 0:
        for m in missed[:args.missed]:
            print(f"  no face: {m}")
        if len(missed) > args.missed:
            print(f"  ... and {len(missed) - args.missed} more")
    if args.by_clip:
        for clip, c in clips.items():
            print(f"  {clip:50s} {c['with_face']:3d}/{c['frames']:<3d} frames with a face, "
                  f"{c['faces']:3d} faces, at most {c['most']} in a frame")


if __name__ == "__main__":
    main()

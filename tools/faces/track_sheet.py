#!/usr/bin/env python3
"""A contact sheet of tracked faces on a video, to check by eye which faces belong to the true
person tracks.

    tools/faces/track_sheet.py FACES OUT.png [--video PATH] [--frames 24] [--width 320]
                               [--columns 4] [--include-empty] [--strips] [--strip-crops 16]
                               [--crop-size 72]

FACES is one of
  - JSON lines, one face per line, with at least "frame", "track" (or "track_id"), "box" as
    [x, y, w, h] or {"x", "y", "width", "height"}; optional "keypoints" [[x, y] * 6] and
    "landmarks" (or "mesh") [[x, y(, z)] * 468]; `deepfake faces`' faces.jsonl is such a file
    (its "source" names the video);
  - a `deepfake score` report (JSON, schema deepfake-report/1): tracks[].faces[] (frame, box), the
    video from input.path.
All coordinates are pixels of the upright frame. --video overrides the video (a still image works
too: it is frame 0).

The grid shows up to --frames frames (default 24) sampled evenly from the frames that have faces
(--include-empty: from all frames of the video), each scaled to --width pixels (default 320) and
titled with its frame index and face count. On each: every box in its track's colour, labelled with
the track id; the six keypoints as filled dots with a dark rim; the 468 landmarks as 1-pixel dots.
--strips adds, under the grid, one strip per track: up to --strip-crops of its faces spread evenly
along the track (square crops around the box with a 25% margin, --crop-size pixels, frame index
under each; short tracks share a line), so that one sees at a glance whether every crop of a track
is the same person.

Frames come from OpenCV's decoder (the frame index is the decode order, as the workbench counts
frames). The sheet holds the video's pixels: write it outside the repository (e.g. /tmp).
"""
import argparse
import colorsys
import json
import os
import sys

import cv2
import numpy as np

FONT = cv2.FONT_HERSHEY_SIMPLEX
BACKGROUND = (255, 255, 255)


# ---------------------------------------------------------------------------------------------------
# Input

def box_list(box):
    if isinstance(box, dict):
        return [float(box["x"]), float(box["y"]), float(box["width"]), float(box["height"])]
    return [float(v) for v in box[:4]]


def face_row(r, track=None):
    t = track if track is not None else r.get("track", r.get("track_id", r.get("id")))
    if "frame" not in r or "box" not in r or t is None:
        raise ValueError("a face needs frame, track and box")
    return {"frame": int(r["frame"]), "track": int(t), "box": box_list(r["box"]),
            "keypoints": r.get("keypoints") or [],
            "landmarks": r.get("landmarks") or r.get("mesh") or []}


def read_faces(path):
    """(rows, video path or None)."""
    with open(path) as f:
        text = f.read()
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            whole = json.loads(text)
        except json.JSONDecodeError:
            whole = None
        if isinstance(whole, dict) and "tracks" in whole:
            rows = [face_row(face, track["id"]) for track in whole["tracks"] for face in track["faces"]]
            return rows, (whole.get("input") or {}).get("path")
    rows, video = [], None
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        r = json.loads(line)
        try:
            rows.append(face_row(r))
        except (ValueError, KeyError, TypeError) as e:
            sys.exit(f"{path}:{n}: {e}")
        video = video or r.get("source")
    return rows, video


def read_frames(video, wanted):
    """{index: BGR} for the wanted indices (a still image is frame 0)."""
    if video.lower().endswith((".png", ".jpg", ".jpeg", ".bmp")):
        image = cv2.imread(video, cv2.IMREAD_COLOR)
        if image is None:
            sys.exit(f"cannot read {video}")
        return {0: image}
    capture = cv2.VideoCapture(video)
    if not capture.isOpened():
        sys.exit(f"OpenCV cannot open {video}")
    out, index, last = {}, 0, max(wanted) if wanted else -1
    while index <= last:
        if not capture.grab():
            break
        if index in wanted:
            ok, frame = capture.retrieve()
            if ok:
                out[index] = frame
        index += 1
    capture.release()
    return out


def frame_count(video):
    if video.lower().endswith((".png", ".jpg", ".jpeg", ".bmp")):
        return 1
    capture, n = cv2.VideoCapture(video), 0
    while capture.grab():
        n += 1
    capture.release()
    return n


def evenly(items, k):
    items = sorted(items)
    if len(items) <= k:
        return items
    return [items[int((i + 0.5) * len(items) / k)] for i in range(k)]


# ---------------------------------------------------------------------------------------------------
# Drawing

def colour(track):
    """A distinct, saturated BGR colour per track id (golden-ratio hues)."""
    h = (track * 0.618033988749895 + 0.05) % 1.0
    r, g, b = colorsys.hsv_to_rgb(h, 0.9, 1.0)
    return int(b * 255), int(g * 255), int(r * 255)


def label(image, text, x, y, fg, bg, scale=0.45):
    (tw, th), base = cv2.getTextSize(text, FONT, scale, 1)
    x = int(min(max(x, 0), image.shape[1] - tw - 4))
    y = int(min(max(y, th + 4), image.shape[0] - 1))
    cv2.rectangle(image, (x, y - th - 4), (x + tw + 4, y + base - 2), bg, -1)
    cv2.putText(image, text, (x + 2, y - 2), FONT, scale, fg, 1, cv2.LINE_AA)


def ink_on(bgr):
    return (0, 0, 0) if sum(bgr) > 380 else (255, 255, 255)


def thumbnail(frame, index, faces, width):
    s = width / frame.shape[1]
    thumb = cv2.resize(frame, (width, max(1, round(frame.shape[0] * s))), interpolation=cv2.INTER_AREA)
    for face in faces:
        c = colour(face["track"])
        for p in face["landmarks"]:
            x, y = int(p[0] * s), int(p[1] * s)
            if 0 <= x < thumb.shape[1] and 0 <= y < thumb.shape[0]:
                thumb[y, x] = c
        x, y, w, h = (v * s for v in face["box"])
        cv2.rectangle(thumb, (round(x), round(y)), (round(x + w), round(y + h)), c, 2)
        for p in face["keypoints"]:
            centre = (round(p[0] * s), round(p[1] * s))
            cv2.circle(thumb, centre, 3, (0, 0, 0), -1, cv2.LINE_AA)
            cv2.circle(thumb, centre, 2, c, -1, cv2.LINE_AA)
        label(thumb, f"T{face['track']}", x, y - 1 if y > 16 else y + h + 16, ink_on(c), c)
    title = np.full((20, thumb.shape[1], 3), 40, np.uint8)
    cv2.putText(title, f"frame {index}  ({len(faces)} face{'s' if len(faces) != 1 else ''})",
                (4, 14), FONT, 0.45, (255, 255, 255), 1, cv2.LINE_AA)
    return np.vstack([title, thumb])


def face_crop(frame, box, size, margin=0.25):
    x, y, w, h = box
    side = max(w, h) * (1 + 2 * margin)
    cx, cy = x + w / 2, y + h / 2
    x0, y0 = int(round(cx - side / 2)), int(round(cy - side / 2))
    n = max(1, int(round(side)))
    fh, fw = frame.shape[:2]
    if x0 + n <= 0 or y0 + n <= 0 or x0 >= fw or y0 >= fh:
        return np.full((size, size, 3), 128, np.uint8)
    left, top = max(0, -x0), max(0, -y0)
    right, bottom = max(0, x0 + n - fw), max(0, y0 + n - fh)
    crop = frame[max(0, y0):min(fh, y0 + n), max(0, x0):min(fw, x0 + n)]
    crop = cv2.copyMakeBorder(crop, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(128, 128, 128))
    return cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA if n > size else cv2.INTER_LINEAR)


def strip(track, faces, frames, per_strip, size, width):
    """The track's block: a title and its crops, wrapped at width; as narrow as its content."""
    chosen = evenly(range(len(faces)), per_strip)
    c = colour(track)
    tiles = []
    for i in chosen:
        face = faces[i]
        tile = face_crop(frames[face["frame"]], face["box"], size)
        tile = cv2.copyMakeBorder(tile, 2, 14, 2, 2, cv2.BORDER_CONSTANT, value=c)
        cv2.putText(tile, str(face["frame"]), (3, tile.shape[0] - 3), FONT, 0.35, ink_on(c), 1, cv2.LINE_AA)
        tiles.append(np.hstack([tile, np.full((tile.shape[0], 4, 3), BACKGROUND, np.uint8)]))
    title = f"track {track}: {len(faces)} face{'s' if len(faces) != 1 else ''}, frames {faces[0]['frame']}-{faces[-1]['frame']}"
    title_w = cv2.getTextSize(title, FONT, 0.45, 1)[0][0] + 8
    per_row = max(1, width // tiles[0].shape[1])
    block_w = min(width, max(title_w, min(len(tiles), per_row) * tiles[0].shape[1]))
    head = np.full((20, block_w, 3), BACKGROUND, np.uint8)
    label(head, title, 0, 17, ink_on(c), c)
    rows = []
    for k in range(0, len(tiles), per_row):
        row = np.hstack(tiles[k:k + per_row])
        rows.append(np.hstack([row, np.full((row.shape[0], block_w - row.shape[1], 3), BACKGROUND, np.uint8)]))
    return np.vstack([head] + rows + [np.full((6, block_w, 3), BACKGROUND, np.uint8)])


def pack(blocks, width, gap=12):
    """Blocks flowed left to right into lines of the given width."""
    lines, line, used = [], [], 0
    for b in blocks:
        if line and used + gap + b.shape[1] > width:
            lines.append(line)
            line, used = [], 0
        used += (gap if line else 0) + b.shape[1]
        line.append(b)
    if line:
        lines.append(line)
    out = []
    for line in lines:
        h = max(b.shape[0] for b in line)
        cells = []
        for j, b in enumerate(line):
            if j:
                cells.append(np.full((h, gap, 3), BACKGROUND, np.uint8))
            cells.append(np.vstack([b, np.full((h - b.shape[0], b.shape[1], 3), BACKGROUND, np.uint8)]))
        row = np.hstack(cells)
        out.append(np.hstack([row, np.full((h, width - row.shape[1], 3), BACKGROUND, np.uint8)]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("faces", help="JSON lines of tracked faces, or a deepfake score report")
    ap.add_argument("out", help="the PNG to write (outside the repository)")
    ap.add_argument("--video", help="the video (default: the report's input.path or the rows' source)")
    ap.add_argument("--frames", type=int, default=24, help="thumbnails in the grid")
    ap.add_argument("--width", type=int, default=320, help="thumbnail width in pixels")
    ap.add_argument("--columns", type=int, default=4)
    ap.add_argument("--include-empty", action="store_true",
                    help="sample the grid from all frames, not only those with faces")
    ap.add_argument("--strips", action="store_true", help="add a strip of face crops per track")
    ap.add_argument("--strip-crops", type=int, default=16, help="crops per track strip")
    ap.add_argument("--crop-size", type=int, default=72)
    args = ap.parse_args()

    rows, video = read_faces(args.faces)
    video = args.video or video
    if not video:
        sys.exit("no video: pass --video")
    by_frame, by_track = {}, {}
    for r in rows:
        by_frame.setdefault(r["frame"], []).append(r)
        by_track.setdefault(r["track"], []).append(r)
    for faces in by_track.values():
        faces.sort(key=lambda r: r["frame"])

    pool = range(frame_count(video)) if args.include_empty or not rows else by_frame.keys()
    grid_frames = evenly(pool, args.frames)
    wanted = set(grid_frames)
    if args.strips:
        for faces in by_track.values():
            wanted.update(faces[i]["frame"] for i in evenly(range(len(faces)), args.strip_crops))
    frames = read_frames(video, wanted)
    missing = sorted(wanted - frames.keys())
    if missing:
        print(f"warning: frames {missing[:10]}{'...' if len(missing) > 10 else ''} did not decode",
              file=sys.stderr)

    thumbs = [thumbnail(frames[i], i, by_frame.get(i, []), args.width) for i in grid_frames if i in frames]
    if not thumbs:
        sys.exit("nothing to draw")
    cell_h = max(t.shape[0] for t in thumbs)
    gap = 6
    cols = max(1, min(args.columns, len(thumbs)))
    width = cols * args.width + (cols - 1) * gap
    blank = lambda h, w: np.full((h, w, 3), BACKGROUND, np.uint8)
    grid_rows = []
    for k in range(0, len(thumbs), cols):
        cells = []
        for j, t in enumerate(thumbs[k:k + cols]):
            if j:
                cells.append(blank(cell_h, gap))
            cells.append(np.vstack([t, blank(cell_h - t.shape[0], t.shape[1])]))
        row = np.hstack(cells)
        grid_rows += [np.hstack([row, blank(cell_h, width - row.shape[1])]), blank(gap, width)]
    header = blank(28, width)
    cv2.putText(header, f"{os.path.basename(video)}: {len(rows)} faces in {len(by_frame)} frames, "
                f"{len(by_track)} tracks; {len(thumbs)} frames shown", (4, 19), FONT, 0.55, (0, 0, 0), 1,
                cv2.LINE_AA)
    parts = [header] + grid_rows
    if args.strips:
        blocks = []
        for track in sorted(by_track):
            faces = [f for f in by_track[track] if f["frame"] in frames]
            if faces:
                blocks.append(strip(track, faces, frames, args.strip_crops, args.crop_size, width))
        parts += pack(blocks, width)
    sheet = np.vstack(parts)
    if not cv2.imwrite(args.out, sheet):
        sys.exit(f"cannot write {args.out}")
    print(f"{len(thumbs)} frames, {len(by_track)} tracks -> {args.out} ({sheet.shape[1]}x{sheet.shape[0]})")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Record what MediaPipe 0.10.14's own calculators output for synthetic inputs, as
fixtures/faces/mediapipe-geometry.json. FacesTests checks the Swift face geometry against it
(SSDAnchors, BlazeFaceDecoder, ImageToTensor, FaceMeshGeometry).

Every value comes from running the calculator itself through mediapipe's Python graph API, with
the options of the 0.10.14 face graphs; inputs are generated here (no data files are read):
  - ImageToTensorCalculator (CPU: OpenCV 3.4.20's warpPerspective) on a 40x24 pattern, several ROIs;
    the tensors are stored as the bytes they scale (value = byte * (max - min) / 255 + min).
  - face_detection_short_range.tflite run by InferenceCalculator on a 160x90 synthetic picture, its
    raw outputs (only anchors with score >= 0.04, others are given logit -100), and what
    TensorsToDetections (min_score_thresh 0.05 to get many boxes), weighted NMS and
    DetectionProjection make of them.
  - DetectionsToRects + RectTransformation (FaceMesh's ROI rules) and LandmarkProjection.

    pip install mediapipe==0.10.14   # in any venv
    python tools/faces/mediapipe_geometry.py
"""
import base64
import json
import math
import os

import mediapipe as mp
import numpy as np
from mediapipe.framework.formats import detection_pb2, landmark_pb2, location_data_pb2, rect_pb2

HERE = os.path.dirname(os.path.abspath(__file__))
DEST = os.path.join(HERE, "..", "..", "fixtures", "faces", "mediapipe-geometry.json")
# InferenceCalculator resolves model paths against the directory holding the mediapipe package.
os.chdir(os.path.dirname(os.path.dirname(mp.__file__)))


def f32(x):
    return float(np.float32(x))


def packed(values):
    """Float32 values as base64 of their little-endian bytes (exact and compact)."""
    return base64.b64encode(np.asarray(values, "<f4").tobytes()).decode()


def run(config, inputs, outputs, side=None):
    """Runs a graph once at timestamp 0; returns {stream: packet value}."""
    graph = mp.CalculatorGraph(graph_config=config)
    got = {}
    for name, getter in outputs.items():
        graph.observe_output_stream(name, lambda s, p, g=getter: got.__setitem__(s, g(p)))
    graph.start_run()
    for name, packet in inputs.items():
        graph.add_packet_to_input_stream(name, packet.at(0))
    graph.close()
    return got


def image_packet(pixels):
    return mp.packet_creator.create_image_frame(image_format=mp.ImageFormat.SRGB, data=pixels)


def pattern(width, height):
    """The 'pattern' image of the tests: R = (37x + 11y) % 256, G = (x² + 3y² + 17) % 256,
    B = (5xy + 29) % 256."""
    y, x = np.mgrid[0:height, 0:width]
    img = np.stack([(37 * x + 11 * y) % 256, (x * x + 3 * y * y + 17) % 256, (5 * x * y + 29) % 256], -1)
    return img.astype(np.uint8)


def picture(width, height):
    """The 'picture' of the detection case: R = 255x / W, G = 255y / H, B = 7(x ^ y) % 256, with a
    skin-coloured disc of radius 30 at (80, 45)."""
    y, x = np.mgrid[0:height, 0:width]
    img = np.stack([x * 255 // width, y * 255 // height, ((x ^ y) * 7) % 256], -1).astype(np.uint8)
    img[(x - 80) ** 2 + (y - 45) ** 2 < 30 ** 2] = [220, 180, 150]
    return img


def anchors(options):
    config = f"""output_side_packet: "anchors"
node {{ calculator: "SsdAnchorsCalculator" output_side_packet: "anchors"
  options {{ [mediapipe.SsdAnchorsCalculatorOptions.ext] {{ {options} }} }} }}"""
    graph = mp.CalculatorGraph(graph_config=config)
    graph.start_run()
    graph.wait_until_done()
    got = mp.packet_getter.get_proto_list(graph.get_output_side_packet("anchors"))
    # Every 7th anchor and the last three (layer boundaries included), to keep the file small.
    picked = sorted(set(range(0, len(got), 7)) | set(range(len(got) - 3, len(got))))
    return {"count": len(got), "indices": picked,
            "values": packed([[got[i].x_center, got[i].y_center, got[i].w, got[i].h] for i in picked])}


def image_to_tensor(img, roi, width, height, lo, hi, keep, border):
    rect = "" if roi is None else 'input_stream: "NORM_RECT:roi"'
    config = f"""input_stream: "image" {'input_stream: "roi"' if roi else ''} output_stream: "floats"
node {{ calculator: "ImageToTensorCalculator" input_stream: "IMAGE:image" {rect} output_stream: "TENSORS:t"
  options {{ [mediapipe.ImageToTensorCalculatorOptions.ext] {{ output_tensor_width: {width}
    output_tensor_height: {height} keep_aspect_ratio: {str(keep).lower()}
    output_tensor_float_range {{ min: {lo} max: {hi} }} border_mode: {border} }} }} }}
node {{ calculator: "TensorsToFloatsCalculator" input_stream: "TENSORS:t" output_stream: "FLOATS:floats" }}"""
    inputs = {"image": image_packet(img)}
    if roi:
        h, w = img.shape[:2]
        inputs["roi"] = mp.packet_creator.create_proto(rect_pb2.NormalizedRect(
            x_center=roi[0] / w, y_center=roi[1] / h, width=roi[2] / w, height=roi[3] / h, rotation=roi[4]))
    values = np.array(run(config, inputs, {"floats": mp.packet_getter.get_float_list})["floats"], np.float32)
    scale = np.float32(hi - lo) / np.float32(255)
    levels = np.rint((values - np.float32(lo)) / scale).astype(np.int64)
    assert levels.min() >= 0 and levels.max() <= 255
    # The floats are exactly byte * scale + min with the float scale, evaluated in double and rounded
    # to float once (OpenCV 3.4's convertTo).
    assert np.array_equal((levels * np.float64(scale) + lo).astype(np.float32), values)
    return bytes(levels.astype(np.uint8))


def tensor_cases():
    img = pattern(40, 24)
    cases = []
    # ROIs in pixels (centre x, centre y, width, height, rotation), as ImageToTensor sees them
    # (MediaPipe takes them normalised; the pixel values here are what it multiplies back).
    specs = [
        ("whole frame, letterboxed", None, 16, 16, -1, 1, True, "BORDER_ZERO"),
        ("whole frame, stretched", None, 13, 9, 0, 1, False, "BORDER_REPLICATE"),
        ("turned 0.6, replicated edge", (21.25, 5.0, 18.5, 13.25, 0.6), 12, 12, 0, 1, False, "BORDER_REPLICATE"),
        ("turned 0.6, zero edge, letterboxed", (21.25, 5.0, 18.5, 13.25, 0.6), 10, 14, -1, 1, True, "BORDER_ZERO"),
        ("quarter turn", (20.0, 12.0, 16.0, 16.0, math.pi / 2), 8, 8, 0, 1, False, "BORDER_REPLICATE"),
        ("upscaled corner", (3.0, 2.0, 5.0, 5.0, 0.0), 16, 16, -1, 1, False, "BORDER_ZERO"),
        ("turned -2.5, pillarboxed", (30.0, 15.0, 9.0, 20.0, -2.5), 16, 16, -1, 1, True, "BORDER_ZERO"),
    ]
    for name, roi, w, h, lo, hi, keep, border in specs:
        h_img, w_img = img.shape[:2]
        # Store the ROI as the float32 pixel values MediaPipe computes from the normalised rect.
        pixel_roi = None
        if roi:
            pixel_roi = [f32(f32(roi[0] / w_img) * w_img), f32(f32(roi[1] / h_img) * h_img),
                         f32(f32(roi[2] / w_img) * w_img), f32(f32(roi[3] / h_img) * h_img), f32(roi[4])]
        cases.append({
            "name": name, "roi": pixel_roi, "width": w, "height": h, "min": lo, "max": hi,
            "keepAspectRatio": keep, "border": "zero" if border == "BORDER_ZERO" else "replicate",
            "bytes": base64.b64encode(image_to_tensor(img, roi, w, h, lo, hi, keep, border)).decode()})
    return {"image": {"pattern": "pattern", "width": 40, "height": 24}, "cases": cases}


def detections_json(detections):
    """Detections packed as rows of score, xmin, ymin, width, height, then x, y per keypoint."""
    rows = []
    for d in detections:
        box = d.location_data.relative_bounding_box
        rows.append([d.score[0], box.xmin, box.ymin, box.width, box.height]
                    + [v for k in d.location_data.relative_keypoints for v in (k.x, k.y)])
    return {"count": len(rows), "rows": packed(rows)}


def detection_case():
    model = "mediapipe/modules/face_detection/face_detection_short_range.tflite"
    inference = f"""options {{ [mediapipe.InferenceCalculatorOptions.ext] {{ model_path: "{model}" delegate {{ xnnpack {{}} }} }} }}"""
    config = f"""input_stream: "image"
output_stream: "input_floats" output_stream: "boxes" output_stream: "scores"
output_stream: "raw" output_stream: "nms" output_stream: "projected"
node {{ calculator: "ImageToTensorCalculator" input_stream: "IMAGE:image" output_stream: "TENSORS:input"
  output_stream: "MATRIX:matrix"
  options {{ [mediapipe.ImageToTensorCalculatorOptions.ext] {{ output_tensor_width: 128 output_tensor_height: 128
    keep_aspect_ratio: true output_tensor_float_range {{ min: -1 max: 1 }} border_mode: BORDER_ZERO }} }} }}
node {{ calculator: "TensorsToFloatsCalculator" input_stream: "TENSORS:input" output_stream: "FLOATS:input_floats" }}
node {{ calculator: "InferenceCalculatorCpu" input_stream: "TENSORS:input" output_stream: "TENSORS:out" {inference} }}
node {{ calculator: "InferenceCalculatorCpu" input_stream: "TENSORS:input" output_stream: "TENSORS:out2" {inference} }}
node {{ calculator: "SplitTensorVectorCalculator" input_stream: "out2" output_stream: "t0" output_stream: "t1"
  options {{ [mediapipe.SplitVectorCalculatorOptions.ext] {{ ranges {{ begin: 0 end: 1 }} ranges {{ begin: 1 end: 2 }} }} }} }}
node {{ calculator: "TensorsToFloatsCalculator" input_stream: "TENSORS:t0" output_stream: "FLOATS:boxes" }}
node {{ calculator: "TensorsToFloatsCalculator" input_stream: "TENSORS:t1" output_stream: "FLOATS:scores" }}
node {{ calculator: "SsdAnchorsCalculator" output_side_packet: "anchors"
  options {{ [mediapipe.SsdAnchorsCalculatorOptions.ext] {{ {SHORT_RANGE_ANCHORS} }} }} }}
node {{ calculator: "TensorsToDetectionsCalculator" input_stream: "TENSORS:out" input_side_packet: "ANCHORS:anchors"
  output_stream: "DETECTIONS:raw"
  options {{ [mediapipe.TensorsToDetectionsCalculatorOptions.ext] {{ num_classes: 1 num_boxes: 896 num_coords: 16
    box_coord_offset: 0 keypoint_coord_offset: 4 num_keypoints: 6 num_values_per_keypoint: 2 sigmoid_score: true
    score_clipping_thresh: 100.0 reverse_output_order: true x_scale: 128 y_scale: 128 h_scale: 128 w_scale: 128
    min_score_thresh: 0.05 }} }} }}
node {{ calculator: "NonMaxSuppressionCalculator" input_stream: "raw" output_stream: "nms"
  options {{ [mediapipe.NonMaxSuppressionCalculatorOptions.ext] {{ min_suppression_threshold: 0.3
    overlap_type: INTERSECTION_OVER_UNION algorithm: WEIGHTED }} }} }}
node {{ calculator: "DetectionProjectionCalculator" input_stream: "DETECTIONS:nms"
  input_stream: "PROJECTION_MATRIX:matrix" output_stream: "DETECTIONS:projected" }}"""
    floats, protos = mp.packet_getter.get_float_list, mp.packet_getter.get_proto_list
    got = run(config, {"image": image_packet(picture(160, 90))},
              {"input_floats": floats, "boxes": floats, "scores": floats, "raw": protos, "nms": protos,
               "projected": protos})
    tensor = np.array(got["input_floats"], np.float32)
    levels = np.rint((tensor + 1) / np.float32(2 / 255)).astype(np.uint8)
    boxes = np.array(got["boxes"], np.float32).reshape(896, 16)
    logits = np.array(got["scores"], np.float32)
    # Anchors below 0.05 never reach the output; 0.04 leaves a margin for the sigmoid's rounding.
    keep = np.nonzero(1 / (1 + np.exp(-np.clip(logits.astype(np.float64), -100, 100))) >= 0.04)[0]
    return {
        "image": {"pattern": "picture", "width": 160, "height": 90},
        "inputSum": int(levels.astype(np.int64).sum()),
        "inputFNV1a": fnv1a(bytes(levels)),
        "minScoreThreshold": 0.05,
        "anchorIndices": keep.tolist(), "regressors": packed(boxes[keep]), "logits": packed(logits[keep]),
        "decoded": detections_json(got["raw"]),
        "suppressed": detections_json(got["nms"]),
        "projected": detections_json(got["projected"]),
    }


def fnv1a(data):
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def detection_proto(box, keypoints):
    d = detection_pb2.Detection()
    d.location_data.format = location_data_pb2.LocationData.RELATIVE_BOUNDING_BOX
    b = d.location_data.relative_bounding_box
    b.xmin, b.ymin, b.width, b.height = box
    for x, y in keypoints:
        k = d.location_data.relative_keypoints.add()
        k.x, k.y = x, y
    return d


def roi_graph(source, start, end):
    """A graph from a detection (or landmarks) and an image's size to FaceMesh's ROI."""
    to_detection = "" if source == "detection" else """
node { calculator: "LandmarksToDetectionCalculator" input_stream: "NORM_LANDMARKS:landmarks"
  output_stream: "DETECTION:detection" }"""
    return f"""input_stream: "image" input_stream: "{source if source == 'detection' else 'landmarks'}"
output_stream: "roi" {to_detection}
node {{ calculator: "ImagePropertiesCalculator" input_stream: "IMAGE:image" output_stream: "SIZE:size" }}
node {{ calculator: "DetectionsToRectsCalculator" input_stream: "DETECTION:detection" input_stream: "IMAGE_SIZE:size"
  output_stream: "NORM_RECT:initial"
  options {{ [mediapipe.DetectionsToRectsCalculatorOptions.ext] {{ rotation_vector_start_keypoint_index: {start}
    rotation_vector_end_keypoint_index: {end} rotation_vector_target_angle_degrees: 0 }} }} }}
node {{ calculator: "RectTransformationCalculator" input_stream: "NORM_RECT:initial" input_stream: "IMAGE_SIZE:size"
  output_stream: "roi"
  options {{ [mediapipe.RectTransformationCalculatorOptions.ext] {{ scale_x: 1.5 scale_y: 1.5 square_long: true }} }} }}"""


def rect_json(r):
    return [r.x_center, r.y_center, r.width, r.height, r.rotation]


def roi_cases():
    frame = np.zeros((720, 1280, 3), np.uint8)
    rng = np.random.default_rng(7)
    out = {"frameWidth": 1280, "frameHeight": 720, "fromDetection": [], "fromLandmarks": []}
    for eyes in [((0.40, 0.30), (0.50, 0.30)), ((0.40, 0.30), (0.45, 0.38)), ((0.52, 0.61), (0.47, 0.52)),
                 ((0.30, 0.50), (0.30, 0.40))]:
        box = [f32(v) for v in rng.uniform([0.1, 0.1, 0.05, 0.05], [0.6, 0.6, 0.3, 0.3])]
        keypoints = [[f32(x), f32(y)] for x, y in eyes] + [[f32(v) for v in rng.uniform(0, 1, 2)] for _ in range(4)]
        got = run(roi_graph("detection", 0, 1),
                  {"image": image_packet(frame),
                   "detection": mp.packet_creator.create_proto(detection_proto(box, keypoints))},
                  {"roi": mp.packet_getter.get_proto})
        out["fromDetection"].append({"box": box, "keypoints": keypoints, "roi": rect_json(got["roi"])})
    for turn in [0.35, -1.2]:
        centre = rng.uniform([0.3, 0.3], [0.7, 0.7])
        local = rng.uniform(-0.08, 0.08, (468, 2))
        local[33], local[263] = [-0.06, -0.02], [0.06, -0.02]
        c, s = math.cos(turn), math.sin(turn)
        landmarks = landmark_pb2.NormalizedLandmarkList()
        points = []
        for lx, ly in local:
            # Turn in pixels, so the eye line makes the angle `turn` on screen.
            px, py = (c * lx - s * ly) * 720 + centre[0] * 1280, (s * lx + c * ly) * 720 + centre[1] * 720
            lm = landmarks.landmark.add()
            lm.x, lm.y, lm.z = f32(px / 1280), f32(py / 720), 0.0
            points.append([lm.x, lm.y])
        got = run(roi_graph("landmarks", 33, 263),
                  {"image": image_packet(frame), "landmarks": mp.packet_creator.create_proto(landmarks)},
                  {"roi": mp.packet_getter.get_proto})
        out["fromLandmarks"].append({"landmarks": packed(points), "roi": rect_json(got["roi"])})
    return out


def projection_case():
    config = """input_stream: "lm" input_stream: "rect" output_stream: "out"
node { calculator: "LandmarkProjectionCalculator" input_stream: "NORM_LANDMARKS:lm" input_stream: "NORM_RECT:rect"
  output_stream: "NORM_LANDMARKS:out" }"""
    rng = np.random.default_rng(11)
    model = rng.uniform([0, 0, -20], [192, 192, 20], (40, 3)).astype(np.float32)
    landmarks = landmark_pb2.NormalizedLandmarkList()
    for x, y, z in model:
        # TensorsToLandmarks: divide by the input size (z by the width).
        lm = landmarks.landmark.add()
        lm.x, lm.y, lm.z = x / np.float32(192), y / np.float32(192), z / np.float32(192)
    rect = rect_pb2.NormalizedRect(x_center=0.45, y_center=0.55, width=0.28125, height=0.5, rotation=0.4)
    got = run(config, {"lm": mp.packet_creator.create_proto(landmarks), "rect": mp.packet_creator.create_proto(rect)},
              {"out": mp.packet_getter.get_proto})
    return {"frameWidth": 1280, "frameHeight": 720, "rect": rect_json(rect), "output": packed(model),
            "projected": packed([[p.x, p.y, p.z] for p in got["out"].landmark])}


SHORT_RANGE_ANCHORS = """input_size_width: 128 input_size_height: 128 min_scale: 0.1484375 max_scale: 0.75
  anchor_offset_x: 0.5 anchor_offset_y: 0.5 num_layers: 4 strides: 8 strides: 16 strides: 16 strides: 16
  aspect_ratios: 1.0 interpolated_scale_aspect_ratio: 1.0 fixed_anchor_size: true"""

if __name__ == "__main__":
    result = {
        "generator": "tools/faces/mediapipe_geometry.py", "mediapipe": mp.__version__,
        "anchors": {
            "shortRangeSized": anchors(SHORT_RANGE_ANCHORS.replace("fixed_anchor_size: true", "fixed_anchor_size: false")),
            "ssdLowestLayerReduced": anchors(
                """input_size_width: 300 input_size_height: 300 min_scale: 0.2 max_scale: 0.95 num_layers: 6
                strides: 16 strides: 32 strides: 64 strides: 128 strides: 256 strides: 512 aspect_ratios: 1.0
                aspect_ratios: 2.0 aspect_ratios: 0.5 aspect_ratios: 3.0 aspect_ratios: 0.3333
                reduce_boxes_in_lowest_layer: true"""),
        },
        "imageToTensor": tensor_cases(),
        "detection": detection_case(),
        "roi": roi_cases(),
        "landmarkProjection": projection_case(),
    }
    with open(DEST + ".tmp", "w") as f:
        json.dump(result, f, separators=(",", ":"))
        f.write("\n")
    os.replace(DEST + ".tmp", DEST)
    print({"decoded": result["detection"]["decoded"]["count"], "suppressed": result["detection"]["suppressed"]["count"],
           "bytes": os.path.getsize(DEST)})

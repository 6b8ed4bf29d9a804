"""MediaPipe Python peer for the CNN face pipeline: detections and face meshes for agreement, and
per-image times for the face benchmarks.

    mediapipe_peer.py [--threads N] [--repeat R] [--json-summary] [--out FILE] IMAGE.png ... | LIST.json
                      (LIST.json: paths, or objects with "path" as tools/bench/faces_frames.py writes)
    mediapipe_peer.py --video PATH --frames 0,100,200 [...]
    mediapipe_peer.py --dump-graph-options tools/faces/mediapipe_graph_options.txt

Needs mediapipe 0.10.14 (with its opencv-contrib-python and numpy). For each image (RGB) it runs the
two legacy Python solutions exactly as configured here:

    mp.solutions.face_detection.FaceDetection(model_selection=1, min_detection_confidence=0.5)
    mp.solutions.face_mesh.FaceMesh(static_image_mode=True, max_num_faces=10,
                                    refine_landmarks=False, min_detection_confidence=0.5)

and writes one JSON line per image:

    {"image": path, ["frame": i,] "width": W, "height": H,
     "detections": [{"box": [x, y, w, h], "score": s, "keypoints": [[x, y] * 6]}],
     "meshes": [[[x, y, z] * 468]],
     "detect_seconds": t, "mesh_seconds": t, ...}

in pixels (z scaled by the image width, as MediaPipe's normalized z is). Keypoint order: right eye,
left eye, nose tip, mouth centre, right ear tragion, left ear tragion (the subject's right/left).
With --repeat R each solution runs R times on the image: detect_seconds / mesh_seconds are the best,
detect_median_seconds / mesh_median_seconds the median. Both solutions first run once, untimed, on
the first image (graph start-up and XNNPACK set-up). Each process() call is timed whole (image copy
into a packet, the graph, the output). mesh_seconds includes the FaceMesh graph's own face detection.

Threads. MediaPipe's Python solutions expose no thread setting. The InferenceCalculator takes the
XNNPACK delegate's thread count from InferenceCalculatorOptions.delegate.xnnpack.num_threads
(default -1); the graphs set `delegate { xnnpack {} }`, so -1 applies, and GetXnnpackNumThreads()
(mediapipe/calculators/tensor/inference_calculator_utils.cc) then returns 1 on Linux/macOS desktop
builds (only Android, iOS and Emscripten-with-pthreads use clamp(cores / 2, 1, 4)). So the official
solutions run inference on ONE thread here. --threads N sets num_threads = N: the peer expands the
solutions' graphs itself (ValidatedGraphConfig), edits every InferenceCalculator node and starts the
same SolutionBase with the same side inputs and calculator_params. Without --threads the unmodified
solution classes are used. The calculator graph's own scheduler pool (default executor, one thread
per core) is left alone: it only hands whole calculators around.

Note: FaceDetection's min_detection_confidence has no effect in mediapipe 0.10.14: the solution puts
it in graph_options after the graph has been expanded, so the detector keeps the subgraph's
min_score_thresh (0.6 for full range, 0.5 for short range). FaceMesh's min_detection_confidence does
apply (calculator_params on the expanded TensorsToDetectionsCalculator; 0.5 is also its default).

------------------------------------------------------------------------------------------------------
Calculator options of mediapipe 0.10.14's graphs, read from the wheel's .binarypb files expanded by
ValidatedGraphConfig (full text: tools/faces/mediapipe_graph_options.txt, made by
--dump-graph-options). Unset fields take the proto default, shown here.

face_detection_full_range_cpu (FaceDetectionFullRangeCpu > FaceDetectionFullRange > FaceDetection),
model face_detection_full_range_sparse.tflite:
  ImageToTensorCalculator: output_tensor 192x192, keep_aspect_ratio true, output_tensor_float_range
    [-1, 1], border_mode BORDER_ZERO
  SsdAnchorsCalculator: input_size 192x192, num_layers 1, min_scale 0.1484375, max_scale 0.75,
    anchor_offset_x 0.5, anchor_offset_y 0.5, strides [4], aspect_ratios [1.0],
    fixed_anchor_size true, interpolated_scale_aspect_ratio 0.0, reduce_boxes_in_lowest_layer false
    (=> 48x48 cells x 1 anchor = 2304 anchors)
  TensorsToDetectionsCalculator: num_classes 1, num_boxes 2304, num_coords 16, box_coord_offset 0,
    keypoint_coord_offset 4, num_keypoints 6, num_values_per_keypoint 2, sigmoid_score true,
    score_clipping_thresh 100, reverse_output_order true, x_scale y_scale w_scale h_scale 192,
    min_score_thresh 0.6, apply_exponential_on_box_size false, max_results -1
  NonMaxSuppressionCalculator: min_suppression_threshold 0.3, overlap_type INTERSECTION_OVER_UNION,
    algorithm WEIGHTED, max_num_detections -1, min_score_threshold -1
  DetectionProjectionCalculator (letterbox transform back to the image)

face_detection_short_range_cpu (also the detector inside face_landmark_front_cpu), model
face_detection_short_range.tflite:
  ImageToTensorCalculator: output_tensor 128x128, keep_aspect_ratio true, range [-1, 1], BORDER_ZERO
  SsdAnchorsCalculator: input_size 128x128, num_layers 4, min_scale 0.1484375, max_scale 0.75,
    anchor_offset 0.5/0.5, strides [8, 16, 16, 16], aspect_ratios [1.0], fixed_anchor_size true,
    interpolated_scale_aspect_ratio 1.0, reduce_boxes_in_lowest_layer false
    (=> 16x16x2 + 8x8x6 = 896 anchors)
  TensorsToDetectionsCalculator: as full range but num_boxes 896, x/y/w/h_scale 128,
    min_score_thresh 0.5
  NonMaxSuppressionCalculator: 0.3, INTERSECTION_OVER_UNION, WEIGHTED

face_landmark_front_cpu (FaceMesh), refine_landmarks false => face_landmark.tflite:
  ClipDetectionVectorSizeCalculator: max_vec_size = num_faces side packet (max_num_faces)
  detection -> ROI (FaceDetectionFrontDetectionToRoi):
    DetectionsToRectsCalculator: rotation_vector_start_keypoint_index 0 (right eye),
      rotation_vector_end_keypoint_index 1 (left eye), rotation_vector_target_angle_degrees 0
    RectTransformationCalculator: scale_x 1.5, scale_y 1.5, square_long true, shift 0, rotation 0
  landmarks -> ROI for tracking (FaceLandmarkLandmarksToRoi; unused with static_image_mode):
    LandmarksToDetectionCalculator (all 468 landmarks), DetectionsToRectsCalculator: rotation
      keypoints 33 -> 263, target angle 0; RectTransformationCalculator: scale 1.5 x 1.5, square_long
  AssociationNormRectCalculator: min_similarity_threshold 0.5
  FaceLandmarkCpu:
    ImageToTensorCalculator: 192x192, output_tensor_float_range [0, 1], keep_aspect_ratio false,
      border_mode unset (BORDER_UNSPECIFIED => replicate)
    InferenceCalculatorCpu: delegate xnnpack {}
    SplitTensorVectorCalculator: tensor 0 = landmarks (1x1x1x1404), tensor 1 = face flag (1x1x1x1)
    TensorsToFloatsCalculator: activation SIGMOID (face presence score)
    ThresholdingCalculator: threshold 0.5 (FaceMesh's min_tracking_confidence) gates the landmarks
    TensorsToLandmarksCalculator: num_landmarks 468, input_image_width 192, input_image_height 192,
      normalize_z 1.0, flip_horizontally false, flip_vertically false
    LandmarkProjectionCalculator: landmarks from the ROI back to the image
------------------------------------------------------------------------------------------------------
"""
import argparse
import json
import os
import statistics
import sys
import time
import warnings

# protobuf 4.25 warns on every result MediaPipe 0.10.14 unpacks.
warnings.filterwarnings("ignore", message="SymbolDatabase.GetPrototype")

import cv2
import numpy as np

import mediapipe as mp
from google.protobuf import descriptor_pool, message_factory, text_format
from mediapipe.calculators.tensor import image_to_tensor_calculator_pb2  # noqa: F401 (options types
from mediapipe.calculators.tensor import inference_calculator_pb2  # the graph dump resolves by name)
from mediapipe.calculators.tensor import tensors_to_detections_calculator_pb2  # noqa: F401
from mediapipe.calculators.tflite import ssd_anchors_calculator_pb2  # noqa: F401
from mediapipe.framework import calculator_pb2
from mediapipe.modules.face_detection import face_detection_pb2
from mediapipe.python._framework_bindings import validated_graph_config
from mediapipe.python.solution_base import SolutionBase

# The resource root SolutionBase uses: the folder holding the mediapipe package.
MP_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(mp.__file__)))
FULL_RANGE_GRAPH = "mediapipe/modules/face_detection/face_detection_full_range_cpu.binarypb"
SHORT_RANGE_GRAPH = "mediapipe/modules/face_detection/face_detection_short_range_cpu.binarypb"
FACE_MESH_GRAPH = "mediapipe/modules/face_landmark/face_landmark_front_cpu.binarypb"

DETECTION_CONFIDENCE = 0.5
MAX_NUM_FACES = 10


# ---------------------------------------------------------------------------------------------------
# Graphs

def expanded_graph(binary_graph_path):
    """The graph with every subgraph expanded, as SolutionBase builds it."""
    graph = validated_graph_config.ValidatedGraphConfig()
    graph.initialize(binary_graph_path=os.path.join(MP_ROOT, binary_graph_path))
    return calculator_pb2.CalculatorGraphConfig.FromString(graph.binary_config)


def set_xnnpack_threads(config, threads):
    """Sets delegate.xnnpack.num_threads on every InferenceCalculator node; returns how many."""
    ext = inference_calculator_pb2.InferenceCalculatorOptions
    count = 0
    for node in config.node:
        if not node.calculator.startswith("InferenceCalculator"):
            continue
        done = False
        for packed in node.node_options:
            if packed.type_url.split("/")[-1] == ext.DESCRIPTOR.full_name:
                options = ext.FromString(packed.value)
                options.delegate.xnnpack.num_threads = threads
                packed.value = options.SerializeToString()
                done = True
        if not done:
            node.options.Extensions[ext.ext].delegate.xnnpack.num_threads = threads
        count += 1
    return count


def face_detection(threads):
    """FaceDetection(model_selection=1, min_detection_confidence=0.5); with threads, the same
    graph with the XNNPACK thread count set."""
    if threads is None:
        return mp.solutions.face_detection.FaceDetection(
            model_selection=1, min_detection_confidence=DETECTION_CONFIDENCE)
    config = expanded_graph(FULL_RANGE_GRAPH)
    assert set_xnnpack_threads(config, threads) == 1
    # As FaceDetection.__init__ does (graph_options, which 0.10.14 ignores after expansion).
    options = face_detection_pb2.FaceDetectionOptions(min_score_thresh=DETECTION_CONFIDENCE)
    return SolutionBase(graph_config=config, graph_options=options, outputs=["detections"])


def face_mesh(threads):
    """FaceMesh(static_image_mode=True, max_num_faces=10, refine_landmarks=False,
    min_detection_confidence=0.5); with threads, the same graph with the XNNPACK thread count set."""
    if threads is None:
        return mp.solutions.face_mesh.FaceMesh(
            static_image_mode=True, max_num_faces=MAX_NUM_FACES, refine_landmarks=False,
            min_detection_confidence=DETECTION_CONFIDENCE)
    config = expanded_graph(FACE_MESH_GRAPH)
    assert set_xnnpack_threads(config, threads) == 2
    # As FaceMesh.__init__ does (min_tracking_confidence keeps its default, 0.5).
    return SolutionBase(
        graph_config=config,
        side_inputs={"num_faces": MAX_NUM_FACES, "with_attention": False, "use_prev_landmarks": False},
        calculator_params={
            "facedetectionshortrangecpu__facedetectionshortrange__facedetection__"
            "TensorsToDetectionsCalculator.min_score_thresh": DETECTION_CONFIDENCE,
            "facelandmarkcpu__ThresholdingCalculator.threshold": 0.5,
        },
        outputs=["multi_face_landmarks"])


# ---------------------------------------------------------------------------------------------------
# Inputs

def load_images(args):
    """Yields (record fields, RGB uint8 array)."""
    if args.video:
        wanted = sorted({int(f) for f in args.frames.split(",") if f.strip()})
        cap = cv2.VideoCapture(args.video)
        if not cap.isOpened():
            sys.exit(f"cannot open {args.video}")
        index, found = 0, set()
        while wanted and index <= wanted[-1]:
            ok, frame = cap.read()
            if not ok:
                break
            if index in wanted:
                found.add(index)
                yield {"image": args.video, "frame": index}, cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            index += 1
        cap.release()
        missing = [f for f in wanted if f not in found]
        if missing:
            print(f"warning: {args.video} has no frames {missing} (decoded {index})", file=sys.stderr)
        return
    paths = []
    for item in args.images:
        if item.endswith(".json"):
            with open(item) as f:  # a list of paths, or of objects with "path" (faces_frames.py)
                paths.extend(e["path"] if isinstance(e, dict) else e for e in json.load(f))
        else:
            paths.append(item)
    for path in paths:
        bgr = cv2.imread(path, cv2.IMREAD_COLOR)
        if bgr is None:
            sys.exit(f"cannot read {path}")
        yield {"image": path}, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


# ---------------------------------------------------------------------------------------------------
# Outputs

def detections_to_json(detections, w, h):
    out = []
    for d in detections or []:
        box = d.location_data.relative_bounding_box
        out.append({
            "box": [round(box.xmin * w, 4), round(box.ymin * h, 4),
                    round(box.width * w, 4), round(box.height * h, 4)],
            "score": round(float(d.score[0]), 6),
            "keypoints": [[round(k.x * w, 4), round(k.y * h, 4)]
                          for k in d.location_data.relative_keypoints],
        })
    return out


def meshes_to_json(meshes, w, h):
    return [[[round(p.x * w, 4), round(p.y * h, 4), round(p.z * w, 4)] for p in m.landmark]
            for m in meshes or []]


def timed(solution, image, repeat):
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = solution.process(image)
        times.append(time.perf_counter() - t0)
    return result, min(times), statistics.median(times)


# ---------------------------------------------------------------------------------------------------
# Graph options reference

# Calculators whose options the Swift pipeline follows.
REFERENCE_CALCULATORS = (
    "ImageToTensorCalculator", "SsdAnchorsCalculator", "InferenceCalculatorCpu",
    "TensorsToDetectionsCalculator", "NonMaxSuppressionCalculator", "DetectionProjectionCalculator",
    "ClipDetectionVectorSizeCalculator", "DetectionsToRectsCalculator",
    "RectTransformationCalculator", "AssociationNormRectCalculator", "SplitTensorVectorCalculator",
    "TensorsToFloatsCalculator", "ThresholdingCalculator", "TensorsToLandmarksCalculator",
    "LandmarkProjectionCalculator", "LandmarksToDetectionCalculator",
)


def node_options(node):
    """The node's calculator options messages (node_options Any or options extensions)."""
    found = []
    for packed in node.node_options:
        descriptor = descriptor_pool.Default().FindMessageTypeByName(packed.type_url.split("/")[-1])
        found.append(message_factory.GetMessageClass(descriptor).FromString(packed.value))
    if node.HasField("options"):
        found.extend(value for _, value in node.options.ListFields())
    return found


def scalar(field, value):
    if field.enum_type is not None:
        return field.enum_type.values_by_number[value].name
    if field.type == field.TYPE_FLOAT:
        return str(np.float32(value))  # shortest text that reads back as the same float32
    if field.type == field.TYPE_STRING:
        return json.dumps(value)
    return str(value).lower() if isinstance(value, bool) else str(value)


def effective_lines(message, indent="#   "):
    """Every field of a proto2 options message with its value in effect (defaults filled in)."""
    lines = []
    for field in message.DESCRIPTOR.fields:
        if field.label == field.LABEL_REPEATED:
            values = list(getattr(message, field.name))
            if field.message_type is not None:
                if values:
                    lines.append(f"{indent}{field.name}: {len(values)} entries (above)")
                continue
            lines.append(f"{indent}{field.name}: [{', '.join(scalar(field, v) for v in values)}]")
        elif field.message_type is not None:
            if message.HasField(field.name):
                lines.append(f"{indent}{field.name} {{")
                lines.extend(effective_lines(getattr(message, field.name), indent + "  "))
                lines.append(f"{indent}}}")
        elif field.containing_oneof is not None and not message.HasField(field.name):
            continue
        else:
            value = scalar(field, getattr(message, field.name))
            lines.append(f"{indent}{field.name}: {value}{'' if message.HasField(field.name) else '  (default)'}")
    return lines


def dump_graph_options(out_path):
    sections = [
        ("face_detection_full_range_cpu", FULL_RANGE_GRAPH,
         "mp.solutions.face_detection.FaceDetection(model_selection=1). min_detection_confidence is "
         "ignored by\n# the 0.10.14 solution: the min_score_thresh below (0.6) is what runs."),
        ("face_detection_short_range_cpu", SHORT_RANGE_GRAPH,
         "mp.solutions.face_detection.FaceDetection(model_selection=0); the same nodes run inside\n"
         "# face_landmark_front_cpu (FaceMesh), where min_detection_confidence sets min_score_thresh."),
        ("face_landmark_front_cpu", FACE_MESH_GRAPH,
         "mp.solutions.face_mesh.FaceMesh. Side packets: num_faces = max_num_faces, with_attention =\n"
         "# refine_landmarks (false: the c0 branch, face_landmark.tflite), use_prev_landmarks = not\n"
         "# static_image_mode. The face detection nodes are those of face_detection_short_range_cpu\n"
         "# above and are not repeated; nodes of the with-attention branch (c1) are left out."),
    ]
    text = [
        "# MediaPipe 0.10.14 calculator options for the face pipeline, generated by",
        "#   python tools/bench/mediapipe_peer.py --dump-graph-options tools/faces/mediapipe_graph_options.txt",
        "# from the wheel's .binarypb graphs, expanded (subgraphs inlined) by MediaPipe's own",
        "# ValidatedGraphConfig, in node order. Each node is printed in protobuf text format, followed by a",
        "# comment block with every options field in effect ('(default)': unset, the proto default).",
        "#",
        "# Facts not in the graphs:",
        "# - The Python solutions: FaceMesh sets the short-range TensorsToDetectionsCalculator's",
        "#   min_score_thresh to min_detection_confidence and the ThresholdingCalculator's threshold to",
        "#   min_tracking_confidence (both 0.5 by default) through calculator_params, on the expanded",
        "#   graph. FaceDetection passes min_detection_confidence as graph_options, which 0.10.14 applies",
        "#   after expansion, i.e. to nothing: the subgraph's min_score_thresh stays in force.",
        "# - XNNPACK threads: delegate { xnnpack {} } leaves num_threads at -1, which MediaPipe's",
        "#   GetXnnpackNumThreads() turns into 1 on desktop Linux/macOS (see tools/bench/mediapipe_peer.py).",
        "# - Face detection keypoints: 0 right eye, 1 left eye, 2 nose tip, 3 mouth centre,",
        "#   4 right ear tragion, 5 left ear tragion.",
        "# - ImageToTensorCalculator on CPU (image_to_tensor_converter_opencv.cc): cv::warpPerspective",
        "#   of the 8-bit RGB image, INTER_LINEAR, BORDER_ZERO = constant 0 pixel, then scaled into",
        "#   output_tensor_float_range; so letterbox padding reaches the detectors as the range minimum",
        "#   (-1). border_mode unset means replicate.",
        "",
    ]
    for title, path, note in sections:
        config = expanded_graph(path)
        text.append("#" * 100)
        text.append(f"# {title}: {path}")
        text.append(f"# {note}")
        text.append("#" * 100)
        text.append("")
        for node in config.node:
            if node.calculator not in REFERENCE_CALCULATORS:
                continue
            if title == "face_landmark_front_cpu" and (
                    "facedetectionshortrange" in node.name or "withattention" in node.name
                    or any("__c1__" in stream for stream in node.input_stream)):
                continue
            text.append("node {")
            text.append(text_format.MessageToString(node, indent=2).rstrip("\n"))
            text.append("}")
            for options in node_options(node):
                text.append(f"# effective {options.DESCRIPTOR.name}:")
                text.extend(effective_lines(options))
            text.append("")
    with open(out_path, "w") as f:
        f.write("\n".join(text).rstrip("\n") + "\n")
    print(f"wrote {out_path}")


# ---------------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("images", nargs="*",
                    help="PNG frames, or JSON files holding a list of paths or of {\"path\": ...}")
    ap.add_argument("--video", help="read frames from this video (OpenCV) instead")
    ap.add_argument("--frames", default="0", help="with --video: comma-separated frame indices")
    ap.add_argument("--threads", type=int, default=None,
                    help="XNNPACK threads per inference (default: MediaPipe's, which is 1 here)")
    ap.add_argument("--repeat", type=int, default=1, help="timed runs per image (best and median)")
    ap.add_argument("--json-summary", action="store_true", help="end with a summary JSON line")
    ap.add_argument("--out", help="write the JSON lines here instead of stdout")
    ap.add_argument("--dump-graph-options", metavar="FILE",
                    help="write the calculator options reference and exit")
    args = ap.parse_args()

    if args.dump_graph_options:
        dump_graph_options(args.dump_graph_options)
        return
    if not args.video and not args.images:
        ap.error("give images, a JSON list, or --video")
    if args.repeat < 1 or (args.threads is not None and args.threads < 1):
        ap.error("--repeat and --threads must be >= 1")

    out = open(args.out, "w") if args.out else sys.stdout
    detector, mesher = face_detection(args.threads), face_mesh(args.threads)
    totals = {"images": 0, "faces": 0, "meshes": 0, "detect_seconds": 0.0, "mesh_seconds": 0.0,
              "detect_median_seconds": 0.0, "mesh_median_seconds": 0.0}
    wall0, cpu0 = time.perf_counter(), time.process_time()
    warmed = False
    for fields, image in load_images(args):
        h, w = image.shape[:2]
        if not warmed:
            detector.process(image)
            mesher.process(image)
            warmed = True
        det, det_best, det_median = timed(detector, image, args.repeat)
        mesh, mesh_best, mesh_median = timed(mesher, image, args.repeat)
        record = dict(fields)
        record.update({
            "width": w, "height": h,
            "detections": detections_to_json(det.detections, w, h),
            "meshes": meshes_to_json(mesh.multi_face_landmarks, w, h),
            "detect_seconds": round(det_best, 6), "mesh_seconds": round(mesh_best, 6),
            "detect_median_seconds": round(det_median, 6), "mesh_median_seconds": round(mesh_median, 6),
        })
        out.write(json.dumps(record) + "\n")
        out.flush()
        totals["images"] += 1
        totals["faces"] += len(record["detections"])
        totals["meshes"] += len(record["meshes"])
        totals["detect_seconds"] += det_best
        totals["mesh_seconds"] += mesh_best
        totals["detect_median_seconds"] += det_median
        totals["mesh_median_seconds"] += mesh_median
    if args.json_summary:
        summary = {"summary": True, **{k: round(v, 6) if isinstance(v, float) else v
                                        for k, v in totals.items()},
                   "repeat": args.repeat,
                   "xnnpack_threads": args.threads if args.threads is not None else "default (1)",
                   "process_threads": len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else None,
                   "wall_seconds": round(time.perf_counter() - wall0, 6),
                   "cpu_seconds": round(time.process_time() - cpu0, 6),
                   "mediapipe_version": mp.__version__,
                   "load_average": list(os.getloadavg())}
        out.write(json.dumps(summary) + "\n")
    detector.close()
    mesher.close()
    if args.out:
        out.close()


if __name__ == "__main__":
    main()

import Foundation
import Media
import NN

/// The CNN face pipeline: MediaPipe's BlazeFace finds faces and their six keypoints, FaceMesh puts
/// 468 landmarks on each in a crop turned so the eyes are level, and its face-presence score
/// rejects crops that are not faces. Between whole-frame scans a followed face is found again from
/// its previous landmarks, as MediaPipe's face-mesh graph tracks.
///
/// Boxes come from the landmarks (``LandmarkBox``), so a track's box does not change definition
/// between detection and tracking frames, and they are fitted to fall where the Haar cascade's
/// boxes fall on the same faces: crop conventions defined on cascade boxes (`utkface-chip-v1`)
/// frame faces the same way with either detector.
///
/// Holds two TFLite models with their buffers: one instance serves one thread at a time.
public final class MeshFaceDetector: FrameFaceDetector {
    public struct Settings: Sendable, Equatable {
        /// Which BlazeFace models find faces. Full range finds the small faces of full-body
        /// footage but misses 2.8 % of close-up faces (UTKFace's holdout chips, the same as
        /// MediaPipe's own full-range detector); short range finds those. With both, their
        /// detections are merged before FaceMesh runs.
        public var models: [FaceModel]
        /// Smallest detector score kept (nil: the model's graph default, 0.6 full range, 0.5 short).
        public var minScore: Float?
        /// Smallest FaceMesh face-presence probability kept (MediaPipe's tracking threshold is 0.5).
        public var minPresence: Float
        /// Smallest face kept, as the box side in pixels.
        public var minSize: Double
        /// Boxes overlapping more than this (IoU) are one face: the one with the higher presence
        /// stays. (Intersection over the smaller box merged a woman's face with the partly hidden
        /// face of the man behind her on the Hamilton clip.)
        public var duplicateIoU: Double

        public init(models: [FaceModel] = [.fullRange, .shortRange], minScore: Float? = nil, minPresence: Float = 0.5, minSize: Double = 0,
                    duplicateIoU: Double = 0.5) {
            precondition(!models.isEmpty && !models.contains(.landmarks), "the face detectors are BlazeFace models, not \(models)")
            self.models = models
            self.minScore = minScore
            self.minPresence = minPresence
            self.minSize = minSize
            self.duplicateIoU = duplicateIoU
        }
    }

    public let settings: Settings
    public let landmarkBox: LandmarkBox
    /// When set, each face's box is the cascade's box found near its landmark box (scanned in a
    /// region around it), or the landmark box where the cascade finds none there: crops then
    /// frame a face exactly as a detector trained on cascade crops saw them, while the faces
    /// themselves are still only those FaceMesh confirms.
    public let cascadeBoxes: FaceDetector?
    private let detectors: [(model: TFLiteModel, decoder: BlazeFaceDecoder, input: ImageToTensor)]
    private let mesh: TFLiteModel


    /// Loads BlazeFace and FaceMesh from `files`, their hashes checked.
    public init(files: FaceModelFiles, settings: Settings = .init(), landmarkBox: LandmarkBox = .cascadeEquivalent,
                cascadeBoxes: FaceDetector? = nil) throws(FacesError) {
        self.settings = settings
        self.landmarkBox = landmarkBox
        self.cascadeBoxes = cascadeBoxes
        mesh = try files.load(.landmarks)
        var detectors: [(model: TFLiteModel, decoder: BlazeFaceDecoder, input: ImageToTensor)] = []
        for model in settings.models {
            var decoder: BlazeFaceDecoder = model == .shortRange ? .shortRange : .fullRange
            if let minScore = settings.minScore {
                var options = decoder.options
                options.minScoreThreshold = minScore
                decoder = BlazeFaceDecoder(options: options, anchors: decoder.anchors)
            }
            detectors.append((try files.load(model), decoder, model == .shortRange ? .blazeFaceShortRange : .blazeFaceFullRange))
        }
        self.detectors = detectors
    }

    public var followsLandmarks: Bool { true }

    public var reportSettings: [String: String] {
        [
            "detector": settings.models == [.shortRange] ? "mediapipe-short" : settings.models == [.fullRange] ? "mediapipe-full" : "mediapipe",
            "faceModels": settings.models.map(\.rawValue).joined(separator: "+"),
            "minScore": settings.minScore.map { String($0) } ?? "model default (full range 0.6, short range 0.5)",
            "minPresence": String(settings.minPresence),
            "minFace": String(Int(settings.minSize)),
            "landmarkBox": landmarkBox.name,
            "faceBoxes": cascadeBoxes == nil ? "landmarks" : "cascade near each landmark box (landmark box where none)",
        ]
    }

    // MARK: - The two networks

    /// BlazeFace alone on a whole frame: boxes, keypoints and scores in frame pixels, after
    /// MediaPipe's weighted non-maximum suppression. With two models, a detection of the second
    /// that overlaps one of the first (IoU above 0.3, MediaPipe's suppression threshold) is dropped.
    public func detectFaces(in image: RGBImage) -> [(box: FaceBox, keypoints: [SIMD2<Float>], score: Float)] {
        guard image.width > 0, image.height > 0 else { return [] }
        var found: [(box: FaceBox, keypoints: [SIMD2<Float>], score: Float)] = []
        for (model, decoder, input) in detectors {
            let tensor = input.convert(image)
            let outputs = run(model, tensor.values)
            let kept = found
            for raw in decoder.detect(regressors: outputs[0], scores: outputs[1]) {
                let d = tensor.toImage(raw)
                let box = d.pixelBox(frameWidth: image.width, frameHeight: image.height)
                guard !kept.contains(where: { $0.box.iou(box) > 0.3 }) else { continue }
                found.append((box, d.pixelKeypoints(frameWidth: image.width, frameHeight: image.height), d.score))
            }
        }
        return found
    }

    /// FaceMesh's region for a face ``detectFaces(in:)`` found (frame pixels): MediaPipe's
    /// detection-to-ROI step, turned by the eye keypoints and enlarged 1.5×; nil when degenerate.
    public static func landmarkROI(box: FaceBox, keypoints: [SIMD2<Float>], imageWidth: Int, imageHeight: Int) -> RotatedRect? {
        let w = Float(imageWidth), h = Float(imageHeight)
        let normalized = FaceDetection(
            box: NormalizedBox(xmin: Float(box.x) / w, ymin: Float(box.y) / h, width: Float(box.width) / w, height: Float(box.height) / h),
            keypoints: keypoints.map { $0 / SIMD2(w, h) }, score: 0)
        return FaceMeshGeometry.roi(detection: normalized, frameWidth: imageWidth, frameHeight: imageHeight)
    }

    /// FaceMesh on a turned rectangle of the frame: the 468 landmarks in frame pixels and the
    /// face-presence probability.
    public func landmarks(in image: RGBImage, roi: RotatedRect) -> (landmarks: [SIMD3<Float>], presence: Float) {
        let tensor = ImageToTensor.faceMesh.convert(image, roi: roi)
        let outputs = run(mesh, tensor.values)
        let points = FaceMeshGeometry.projectLandmarks(outputs[0], roi: tensor.roi)
        return (points, FaceMeshGeometry.presence(logit: outputs[1].first ?? -.infinity))
    }

    private func run(_ model: TFLiteModel, _ values: [Float]) -> [[Float]] {
        do {
            return try model.run(values)
        } catch {
            // Inputs are converted from 8-bit pixels to the model's exact size: always valid.
            preconditionFailure("face model input rejected: \(error)")
        }
    }

    // MARK: - FrameFaceDetector

    public func detect(in image: RGBImage) -> [Detection] {
        var found: [Detection] = []
        for face in detectFaces(in: image) {
            guard let roi = Self.landmarkROI(box: face.box, keypoints: face.keypoints, imageWidth: image.width, imageHeight: image.height)
            else { continue }
            if var detection = meshDetection(in: image, roi: roi) {
                detection.shape?.detectionScore = face.score
                found.append(detection)
            }
        }
        return deduplicated(found)
    }

    public func detect(in image: RGBImage, near tracked: [Detection]) -> [Detection] {
        var found: [Detection] = []
        for previous in tracked {
            let roi: RotatedRect?
            if let shape = previous.shape, shape.landmarks.count == FaceMeshGeometry.landmarkCount {
                roi = FaceMeshGeometry.roi(landmarks: shape.landmarks)
            } else {
                // No landmarks to follow: a level square around the box, as large as the
                // landmark ROI usually is.
                let box = previous.box
                let side = Float(max(box.width, box.height)) * 1.5 / Float(landmarkBox.scale)
                roi = RotatedRect(centerX: Float(box.centerX), centerY: Float(box.centerY), width: side, height: side)
            }
            guard let roi, roi.isValid else { continue }
            if let detection = meshDetection(in: image, roi: roi) { found.append(detection) }
        }
        return deduplicated(found)
    }

    /// FaceMesh on `roi`; a detection when a face is present there and large enough.
    private func meshDetection(in image: RGBImage, roi: RotatedRect) -> Detection? {
        let (points, presence) = landmarks(in: image, roi: roi)
        guard presence >= settings.minPresence, points.allSatisfy({ $0.x.isFinite && $0.y.isFinite && $0.z.isFinite }),
              let box = landmarkBox.box(for: points), box.width >= settings.minSize
        else { return nil }
        let shape = FaceShape(keypoints: FaceShape.keypoints(fromLandmarks: points), landmarks: points, presence: presence)
        var chosen = box
        if let cascadeBoxes {
            // The cascade's box for this face: the best overlap among its finds around the box.
            // Only the surroundings are converted to grey: the near scan looks 30% beyond the box.
            let pad = 0.45 * max(box.width, box.height)
            let x0 = max(0, Int((box.x - pad).rounded(.down))), y0 = max(0, Int((box.y - pad).rounded(.down)))
            let x1 = min(image.width, Int((box.x + box.width + pad).rounded(.up))), y1 = min(image.height, Int((box.y + box.height + pad).rounded(.up)))
            var found: [FaceBox] = []
            if x1 > x0, y1 > y0 {
                let region = GrayImage(image.cropped(x: x0, y: y0, width: x1 - x0, height: y1 - y0))
                let local = FaceBox(x: box.x - Double(x0), y: box.y - Double(y0), width: box.width, height: box.height)
                found = cascadeBoxes.detect(in: region, near: [local]).map {
                    FaceBox(x: $0.box.x + Double(x0), y: $0.box.y + Double(y0), width: $0.box.width, height: $0.box.height)
                }
            }
            if let best = found.max(by: { $0.iou(box) < $1.iou(box) }), best.iou(box) >= 0.5 { chosen = best }
        }
        return Detection(box: chosen, neighbors: 0, shape: shape)
    }

    /// Keeps one detection of each face (the highest presence) where boxes overlap.
    private func deduplicated(_ detections: [Detection]) -> [Detection] {
        guard detections.count > 1 else { return detections }
        var kept: [Detection] = []
        for d in detections.sorted(by: { ($0.shape?.presence ?? 0) > ($1.shape?.presence ?? 0) })
        where !kept.contains(where: { $0.box.iou(d.box) > settings.duplicateIoU }) {
            kept.append(d)
        }
        return kept
    }
}

/// How a face box is derived from FaceMesh's landmarks: the landmarks' bounds in the face's own
/// upright frame (turned by the eye line), centre moved by an offset in units of the bounds' mean
/// side, side `scale` times that mean side. ``cascadeEquivalent`` is fitted so the box falls where the Haar
/// cascade's box falls on the same face.
public struct LandmarkBox: Sendable, Equatable {
    public var name: String
    /// Box centre minus the bounds' centre, in the bounds' mean side (positive: towards the
    /// face's left eye, the image's right for an upright face).
    public var offsetX: Double
    /// Box centre minus the bounds' centre, in the bounds' mean side (positive: towards the chin).
    public var offsetY: Double
    /// Box side over the bounds' mean side.
    public var scale: Double

    public init(name: String, offsetX: Double, offsetY: Double, scale: Double) {
        precondition(scale > 0, "landmark box scale must be positive")
        self.name = name
        self.offsetX = offsetX
        self.offsetY = offsetY
        self.scale = scale
    }

    /// The plain bounds (no offset, scale 1).
    public static let bounds = LandmarkBox(name: "landmark-bounds", offsetX: 0, offsetY: 0, scale: 1)

    /// Fitted with `faces-bench fit-landmark-box ../shared/data/utkface`: on the 2,342 holdout
    /// chips (64×64 upscaled 3×, padded by half a chip of replicated edge pixels), this pipeline
    /// (both BlazeFace models) found a face on 2,341 and `haarcascade_frontalface_default` (scale
    /// 1.1, 5 neighbours) on 2,261; on those 2,261, the medians of the cascade box's centre offset
    /// and side relative to the landmark bounds: x −0.0021 (quartiles −0.043…0.038), y −0.0654
    /// (−0.082…−0.047), side 1.1115 (1.065…1.154). The cascade's box sits a little above the
    /// landmarks' centre (the landmarks reach the chin) and is about 11 % larger than their mean
    /// side. (With the full-range model alone, on 2,208 chips: −0.0020, −0.0650, 1.1113.)
    public static let cascadeEquivalent = LandmarkBox(name: "cascade-equivalent-v1", offsetX: -0.0021, offsetY: -0.0654, scale: 1.1115)

    /// The square box for `landmarks` (frame pixels), or nil for fewer than FaceMesh's 468 points
    /// or a degenerate face.
    public func box(for landmarks: [SIMD3<Float>]) -> FaceBox? {
        guard landmarks.count > FaceMeshGeometry.leftEyeOuterCorner else { return nil }
        let right = landmarks[FaceMeshGeometry.rightEyeOuterCorner], left = landmarks[FaceMeshGeometry.leftEyeOuterCorner]
        let angle = atan2(Double(left.y - right.y), Double(left.x - right.x))
        let c = cos(angle), s = sin(angle)
        // Bounds in the face's frame: u along the eye line, v towards the chin.
        var minU = Double.infinity, maxU = -Double.infinity, minV = Double.infinity, maxV = -Double.infinity
        for p in landmarks {
            let x = Double(p.x), y = Double(p.y)
            let u = c * x + s * y, v = -s * x + c * y
            minU = min(minU, u); maxU = max(maxU, u); minV = min(minV, v); maxV = max(maxV, v)
        }
        let w = maxU - minU, h = maxV - minV
        guard w > 0, h > 0, w.isFinite, h.isFinite else { return nil }
        let mean = (w + h) / 2
        let cu = (minU + maxU) / 2 + offsetX * mean, cv = (minV + maxV) / 2 + offsetY * mean
        let side = scale * mean
        return FaceBox(centerX: c * cu - s * cv, centerY: s * cu + c * cv, width: side, height: side)
    }
}

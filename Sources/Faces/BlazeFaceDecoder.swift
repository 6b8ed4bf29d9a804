import Foundation

/// An axis-aligned box in normalised coordinates (`0...1` across the image it refers to), stored
/// as MediaPipe's `RelativeBoundingBox`: top-left corner and size.
public struct NormalizedBox: Sendable, Equatable {
    /// Left edge.
    public var xmin: Float
    /// Top edge.
    public var ymin: Float
    /// Width.
    public var width: Float
    /// Height.
    public var height: Float

    /// Creates a box from its top-left corner and size.
    public init(xmin: Float, ymin: Float, width: Float, height: Float) {
        self.xmin = xmin
        self.ymin = ymin
        self.width = width
        self.height = height
    }

    /// Right edge (`xmin + width`, as MediaPipe's `Rectangle_f` computes it).
    public var xmax: Float { xmin + width }
    /// Bottom edge.
    public var ymax: Float { ymin + height }

    /// Intersection over union as MediaPipe's `OverlapSimilarity(INTERSECTION_OVER_UNION, ...)`:
    /// 0 when the boxes do not touch or either is inverted (`min > max`), else the intersection's
    /// area over `area(self) + area(other) - intersection`, or 0 when that is not positive. Boxes
    /// that only share an edge touch (zero intersection).
    public func iou(_ other: NormalizedBox) -> Float {
        let (ax0, ay0, ax1, ay1) = (xmin, ymin, xmax, ymax)
        let (bx0, by0, bx1, by1) = (other.xmin, other.ymin, other.xmax, other.ymax)
        let empty = ax0 > ax1 || ay0 > ay1 || bx0 > bx1 || by0 > by1
        if empty || bx1 < ax0 || ax1 < bx0 || by1 < ay0 || ay1 < by0 { return 0 }
        let intersection = (min(ax1, bx1) - max(ax0, bx0)) * (min(ay1, by1) - max(ay0, by0))
        let normalization = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - intersection
        return normalization > 0 ? intersection / normalization : 0
    }
}

/// A face found by BlazeFace: a box, six keypoints and a score, in normalised coordinates.
///
/// Straight out of `BlazeFaceDecoder` the coordinates are relative to the model input (the
/// letterboxed tensor); `ImageTensor.toImage(_:)` or `LetterboxPadding.removed(from:)` make them
/// relative to the frame, and `pixelBox(frameWidth:frameHeight:)` gives pixels. The keypoints are,
/// in MediaPipe's order: right eye, left eye, nose tip, mouth centre, right ear tragion, left ear
/// tragion ("right" is the subject's right, on the image's left for a frontal face).
public struct FaceDetection: Sendable, Equatable {
    /// The box.
    public var box: NormalizedBox
    /// The keypoints `(x, y)`.
    public var keypoints: [SIMD2<Float>]
    /// Face probability in `0...1` (the sigmoid of the model's logit).
    public var score: Float

    /// Creates a detection.
    public init(box: NormalizedBox, keypoints: [SIMD2<Float>], score: Float) {
        self.box = box
        self.keypoints = keypoints
        self.score = score
    }

    /// The box in pixels of a frame, for a detection normalised to that frame.
    public func pixelBox(frameWidth: Int, frameHeight: Int) -> FaceBox {
        let w = Double(frameWidth), h = Double(frameHeight)
        return FaceBox(
            x: Double(box.xmin) * w, y: Double(box.ymin) * h,
            width: Double(box.width) * w, height: Double(box.height) * h)
    }

    /// The keypoints in pixels of a frame, for a detection normalised to that frame.
    public func pixelKeypoints(frameWidth: Int, frameHeight: Int) -> [SIMD2<Float>] {
        let scale = SIMD2<Float>(Float(frameWidth), Float(frameHeight))
        return keypoints.map { $0 * scale }
    }
}

/// Decodes BlazeFace's raw outputs into face detections, as MediaPipe 0.10.14's
/// `TensorsToDetectionsCalculator` (CPU path) followed by `NonMaxSuppressionCalculator` with the
/// WEIGHTED algorithm and IoU overlap.
///
/// It holds no model: the caller runs the network and hands over its two output buffers.
public struct BlazeFaceDecoder: Sendable {
    /// How box coordinates are laid out in a regressor row.
    public enum BoxFormat: Sendable, Equatable {
        /// `y_center, x_center, h, w` (MediaPipe's default).
        case yxhw
        /// `x_center, y_center, w, h` (`reverse_output_order: true`; BlazeFace).
        case xywh
    }

    /// `TensorsToDetectionsCalculatorOptions` and `NonMaxSuppressionCalculatorOptions` as the face
    /// graphs set them. One class (face) only.
    public struct Options: Sendable, Equatable {
        /// Anchors, rows of the regressor tensor, and scores.
        public var numBoxes: Int
        /// Values per regressor row (4 box values + keypoints × values per keypoint).
        public var numCoords: Int
        /// Offset of the box values in a row.
        public var boxCoordOffset: Int
        /// Offset of the first keypoint in a row.
        public var keypointCoordOffset: Int
        /// Keypoints per detection.
        public var numKeypoints: Int
        /// Values per keypoint (MediaPipe supports only 2).
        public var numValuesPerKeypoint: Int
        /// Layout of the box values (keypoints follow it: `x, y` unless `.yxhw`).
        public var boxFormat: BoxFormat
        /// Divisors that turn regressor values into anchor units.
        public var xScale: Float, yScale: Float, wScale: Float, hScale: Float
        /// Whether sizes are `exp(value / scale) * anchor` instead of `value / scale * anchor`.
        public var applyExponentialOnBoxSize: Bool
        /// Whether scores are logits to pass through a sigmoid.
        public var sigmoidScore: Bool
        /// Logits are clamped to `±threshold` before the sigmoid when set.
        public var scoreClippingThreshold: Float?
        /// Detections scoring below this are dropped when set.
        public var minScoreThreshold: Float?
        /// Weighted NMS merges boxes whose IoU with the cluster's best exceeds this.
        public var minSuppressionThreshold: Float

        /// Creates options.
        /// - Precondition: the row layout fits `numCoords` and keypoints have two values.
        public init(
            numBoxes: Int, numCoords: Int, boxCoordOffset: Int = 0, keypointCoordOffset: Int,
            numKeypoints: Int, numValuesPerKeypoint: Int = 2, boxFormat: BoxFormat,
            xScale: Float, yScale: Float, wScale: Float, hScale: Float,
            applyExponentialOnBoxSize: Bool = false, sigmoidScore: Bool,
            scoreClippingThreshold: Float?, minScoreThreshold: Float?, minSuppressionThreshold: Float
        ) {
            precondition(numBoxes > 0, "numBoxes must be positive")
            precondition(numValuesPerKeypoint == 2, "MediaPipe decodes only 2-value keypoints")
            precondition(
                numKeypoints * numValuesPerKeypoint + 4 == numCoords,
                "numCoords \(numCoords) must be 4 + \(numKeypoints) keypoints × \(numValuesPerKeypoint)")
            precondition(
                boxCoordOffset >= 0 && boxCoordOffset + 4 <= numCoords && keypointCoordOffset >= 0
                    && keypointCoordOffset + numKeypoints * numValuesPerKeypoint <= numCoords,
                "box and keypoint offsets must lie within a row of \(numCoords) values")
            self.numBoxes = numBoxes
            self.numCoords = numCoords
            self.boxCoordOffset = boxCoordOffset
            self.keypointCoordOffset = keypointCoordOffset
            self.numKeypoints = numKeypoints
            self.numValuesPerKeypoint = numValuesPerKeypoint
            self.boxFormat = boxFormat
            self.xScale = xScale
            self.yScale = yScale
            self.wScale = wScale
            self.hScale = hScale
            self.applyExponentialOnBoxSize = applyExponentialOnBoxSize
            self.sigmoidScore = sigmoidScore
            self.scoreClippingThreshold = scoreClippingThreshold
            self.minScoreThreshold = minScoreThreshold
            self.minSuppressionThreshold = minSuppressionThreshold
        }

        /// The full-range detector's settings (`face_detection_full_range.pbtxt`, 0.10.14).
        public static let blazeFaceFullRange = Options(
            numBoxes: 2304, numCoords: 16, keypointCoordOffset: 4, numKeypoints: 6, boxFormat: .xywh,
            xScale: 192, yScale: 192, wScale: 192, hScale: 192, sigmoidScore: true,
            scoreClippingThreshold: 100, minScoreThreshold: 0.6, minSuppressionThreshold: 0.3)

        /// The short-range detector's settings (`face_detection_short_range.pbtxt`, 0.10.14).
        public static let blazeFaceShortRange = Options(
            numBoxes: 896, numCoords: 16, keypointCoordOffset: 4, numKeypoints: 6, boxFormat: .xywh,
            xScale: 128, yScale: 128, wScale: 128, hScale: 128, sigmoidScore: true,
            scoreClippingThreshold: 100, minScoreThreshold: 0.5, minSuppressionThreshold: 0.3)
    }

    /// The decoding and suppression settings.
    public let options: Options
    /// The anchors the regressors are relative to (`options.numBoxes` of them).
    public let anchors: [SSDAnchor]

    /// Creates a decoder.
    /// - Precondition: `anchors.count == options.numBoxes`.
    public init(options: Options, anchors: [SSDAnchor]) {
        precondition(
            anchors.count == options.numBoxes,
            "BlazeFace decoder needs \(options.numBoxes) anchors, got \(anchors.count)")
        self.options = options
        self.anchors = anchors
    }

    /// The full-range model's decoder (192×192 input, 2304 anchors).
    public static var fullRange: BlazeFaceDecoder {
        BlazeFaceDecoder(options: .blazeFaceFullRange, anchors: SSDAnchor.generate(.blazeFaceFullRange))
    }

    /// The short-range model's decoder (128×128 input, 896 anchors).
    public static var shortRange: BlazeFaceDecoder {
        BlazeFaceDecoder(options: .blazeFaceShortRange, anchors: SSDAnchor.generate(.blazeFaceShortRange))
    }

    /// Decodes, then suppresses overlaps: MediaPipe's detections before projection to the frame.
    public func detect(regressors: [Float], scores: [Float]) -> [FaceDetection] {
        weightedNonMaxSuppression(decode(regressors: regressors, scores: scores, anchors: anchors))
    }

    /// Decodes every anchor's row into a detection and keeps those scoring at least
    /// `minScoreThreshold`, in anchor order, normalised to the model input.
    ///
    /// Follows `TensorsToDetectionsCalculator::DecodeBoxes` and `ConvertToDetections`: centres are
    /// `value / scale * anchorSize + anchorCentre`, sizes `value / scale * anchorSize`, keypoints
    /// like centres; the score is the sigmoid of the logit clamped to `±scoreClippingThreshold`.
    /// Boxes with a negative or NaN width or height are dropped, as MediaPipe does; this decoder
    /// also drops detections with any other non-finite coordinate or score.
    /// - Parameters:
    ///   - regressors: `numBoxes × numCoords` values, row-major (the model's `[1, N, 16]` output).
    ///   - scores: `numBoxes` logits (the model's `[1, N, 1]` output).
    ///   - anchors: `numBoxes` anchors, normally `self.anchors`.
    /// - Precondition: the buffers and anchors have those sizes.
    public func decode(regressors: [Float], scores: [Float], anchors: [SSDAnchor]) -> [FaceDetection] {
        let o = options
        precondition(
            regressors.count == o.numBoxes * o.numCoords,
            "regressors need \(o.numBoxes)×\(o.numCoords) values, got \(regressors.count)")
        precondition(scores.count == o.numBoxes, "scores need \(o.numBoxes) values, got \(scores.count)")
        precondition(anchors.count == o.numBoxes, "decode needs \(o.numBoxes) anchors, got \(anchors.count)")
        var detections: [FaceDetection] = []
        regressors.withUnsafeBufferPointer { raw in
            for i in 0..<o.numBoxes {
                guard let score = score(logit: scores[i]) else { continue }
                let anchor = anchors[i]
                let row = i * o.numCoords
                let b = row + o.boxCoordOffset
                var xc: Float, yc: Float, w: Float, h: Float
                switch o.boxFormat {
                case .yxhw: (yc, xc, h, w) = (raw[b], raw[b + 1], raw[b + 2], raw[b + 3])
                case .xywh: (xc, yc, w, h) = (raw[b], raw[b + 1], raw[b + 2], raw[b + 3])
                }
                xc = xc / o.xScale * anchor.width + anchor.xCenter
                yc = yc / o.yScale * anchor.height + anchor.yCenter
                if o.applyExponentialOnBoxSize {
                    h = expf(h / o.hScale) * anchor.height
                    w = expf(w / o.wScale) * anchor.width
                } else {
                    h = h / o.hScale * anchor.height
                    w = w / o.wScale * anchor.width
                }
                let ymin = yc - h / 2, xmin = xc - w / 2, ymax = yc + h / 2, xmax = xc + w / 2
                let box = NormalizedBox(xmin: xmin, ymin: ymin, width: xmax - xmin, height: ymax - ymin)
                // MediaPipe's filter (b/171391719), then the non-finite guard.
                if box.width < 0 || box.height < 0 || box.width.isNaN || box.height.isNaN { continue }
                guard box.xmin.isFinite, box.ymin.isFinite, box.width.isFinite, box.height.isFinite
                else { continue }
                var keypoints: [SIMD2<Float>] = []
                keypoints.reserveCapacity(o.numKeypoints)
                var finite = true
                for k in 0..<o.numKeypoints {
                    let p = row + o.keypointCoordOffset + k * o.numValuesPerKeypoint
                    let (kx, ky) = o.boxFormat == .yxhw ? (raw[p + 1], raw[p]) : (raw[p], raw[p + 1])
                    let point = SIMD2<Float>(
                        kx / o.xScale * anchor.width + anchor.xCenter,
                        ky / o.yScale * anchor.height + anchor.yCenter)
                    finite = finite && point.x.isFinite && point.y.isFinite
                    keypoints.append(point)
                }
                if finite { detections.append(FaceDetection(box: box, keypoints: keypoints, score: score)) }
            }
        }
        return detections
    }

    /// The score MediaPipe gives a logit, or nil when the detection is dropped (below the
    /// threshold, or not a number).
    func score(logit: Float) -> Float? {
        var value = logit
        if options.sigmoidScore {
            if let clip = options.scoreClippingThreshold {
                value = value < -clip ? -clip : value
                value = value > clip ? clip : value
            }
            value = 1 / (1 + expf(-value))
        }
        // A NaN never beats MediaPipe's running maximum, which starts at -FLT_MAX.
        if value.isNaN { value = -Float.greatestFiniteMagnitude }
        if let threshold = options.minScoreThreshold, value < threshold { return nil }
        return value.isFinite ? value : nil
    }

    /// MediaPipe's WEIGHTED non-maximum suppression, in its order of operations.
    ///
    /// Detections are visited by decreasing score (ties keep their input order). The best remaining
    /// one seeds a cluster of every remaining detection whose IoU with it exceeds
    /// `minSuppressionThreshold` (itself included); the output takes the seed's score and the
    /// score-weighted mean of the cluster's corners and keypoints (so even a lone detection's size
    /// is recomputed, `(xmin + width) - xmin`, to float rounding). The rest go round again. As in
    /// MediaPipe, the loop also stops when a round removes nothing (a seed with zero area, whose
    /// IoU with itself is 0, ends suppression after being emitted unchanged).
    public func weightedNonMaxSuppression(_ detections: [FaceDetection]) -> [FaceDetection] {
        var remaining = detections.indices.sorted {
            detections[$0].score > detections[$1].score
                || (detections[$0].score == detections[$1].score && $0 < $1)
        }
        var output: [FaceDetection] = []
        let threshold = options.minSuppressionThreshold
        while let first = remaining.first {
            let seed = detections[first]
            var rest: [Int] = []
            var cluster: [Int] = []
            for index in remaining {
                if detections[index].box.iou(seed.box) > threshold {
                    cluster.append(index)
                } else {
                    rest.append(index)
                }
            }
            var merged = seed
            if !cluster.isEmpty {
                var xmin: Float = 0, ymin: Float = 0, xmax: Float = 0, ymax: Float = 0, total: Float = 0
                var keypoints = [SIMD2<Float>](repeating: .zero, count: seed.keypoints.count)
                for index in cluster {
                    let candidate = detections[index]
                    let s = candidate.score
                    total += s
                    xmin += candidate.box.xmin * s
                    ymin += candidate.box.ymin * s
                    xmax += (candidate.box.xmin + candidate.box.width) * s
                    ymax += (candidate.box.ymin + candidate.box.height) * s
                    for k in keypoints.indices {
                        keypoints[k].x += candidate.keypoints[k].x * s
                        keypoints[k].y += candidate.keypoints[k].y * s
                    }
                }
                let left = xmin / total, top = ymin / total
                merged.box = NormalizedBox(xmin: left, ymin: top, width: xmax / total - left, height: ymax / total - top)
                merged.keypoints = keypoints.map { SIMD2($0.x / total, $0.y / total) }
            }
            output.append(merged)
            if rest.count == remaining.count { break }
            remaining = rest
        }
        return output
    }
}

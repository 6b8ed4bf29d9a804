import Dispatch
import Foundation
import Media

/// A face found in an image: its box in pixels of the image it was found in and, from a cascade,
/// how many overlapping windows voted for it (OpenCV's "neighbours"), or, from the CNN pipeline
/// (``MeshFaceDetector``), its shape: the detector's score, six keypoints and FaceMesh's landmarks.
public struct Detection: Sendable, Equatable {
    /// The box, `x, y, width, height` in image pixels.
    public var box: FaceBox
    /// Size of the window cluster behind the box (always greater than `minNeighbors`); 0 from
    /// the CNN pipeline.
    public var neighbors: Int
    /// The landmarks and keypoints, when the detector finds them.
    public var shape: FaceShape?

    /// Creates a detection.
    public init(box: FaceBox, neighbors: Int, shape: FaceShape? = nil) {
        self.box = box
        self.neighbors = neighbors
        self.shape = shape
    }
}

/// The settings of a multi-scale scan, with the names and meaning of OpenCV's `detectMultiScale`.
public struct DetectionSettings: Sendable, Equatable {
    /// Ratio between successive window sizes (> 1). OpenCV's figures use 1.1.
    public var scaleFactor: Double
    /// A box is kept when more than this many windows overlap it.
    public var minNeighbors: Int
    /// Smallest face side in pixels; windows below it are not scanned.
    public var minSize: Int
    /// Largest face side in pixels, or `nil` for the image size.
    public var maxSize: Int?
    /// Worker threads for the pyramid and the scan (the machine's core count by default).
    public var threads: Int

    /// Creates settings; the defaults are the issue's: scale 1.1, 5 neighbours, 40-pixel faces.
    public init(
        scaleFactor: Double = 1.1, minNeighbors: Int = 5, minSize: Int = 40, maxSize: Int? = nil,
        threads: Int = ProcessInfo.processInfo.activeProcessorCount
    ) {
        precondition(scaleFactor > 1, "scaleFactor must exceed 1, got \(scaleFactor)")
        self.scaleFactor = scaleFactor
        self.minNeighbors = minNeighbors
        self.minSize = minSize
        self.maxSize = maxSize
        self.threads = max(1, threads)
    }
}

/// Runs one cascade over an image the way OpenCV 4's `CascadeClassifier::detectMultiScale` does:
/// an image pyramid (one bilinear-resized copy per scale, with integral images), a 24×24-window
/// scan at steps of 2 px below scale 2 and 1 px above, then `groupRectangles` with eps 0.2.
///
/// Thread-safe: one detector may serve several threads.
public final class CascadeDetector: Sendable {
    /// The cascade being evaluated.
    public let cascade: Cascade
    let evaluator: CascadeEvaluator

    /// Wraps a loaded cascade.
    public init(cascade: Cascade) {
        self.cascade = cascade
        evaluator = CascadeEvaluator(cascade: cascade)
    }

    /// The scales OpenCV scans for an image of this size: factors `scaleFactor^k` whose rounded
    /// window fits between the minimum and maximum size and inside the image.
    func scales(width: Int, height: Int, settings: DetectionSettings) -> [Float] {
        var scales: [Float] = []
        let maxW = settings.maxSize ?? width, maxH = settings.maxSize ?? height
        var factor = 1.0
        while true {
            let w = Int((Double(cascade.windowWidth) * factor).rounded(.toNearestOrEven))
            let h = Int((Double(cascade.windowHeight) * factor).rounded(.toNearestOrEven))
            if w > maxW || h > maxH || w > width || h > height { break }
            if w >= settings.minSize && h >= settings.minSize { scales.append(Float(factor)) }
            factor *= settings.scaleFactor
        }
        return scales
    }

    /// All windows that pass every stage, before grouping, in image pixels. `vectorized: false`
    /// evaluates every window alone (the reference the eight-window scan is tested against).
    func candidates(in image: GrayImage, settings: DetectionSettings, vectorized: Bool = true) -> [IntRect] {
        let scales = scales(width: image.width, height: image.height, settings: settings)
        if scales.isEmpty { return [] }
        let pyramid = ImagePyramid(
            image: image, scales: scales, tilted: cascade.usesTiltedFeatures, threads: settings.threads)
        let model = CascadeEvaluator.Prepared(evaluator, stride: pyramid.stride, tiltedOffset: pyramid.tiltedOffset)
        // Stripes of rows as OpenCV cuts them: one per 32 columns of the first level's scan width.
        let first = pyramid.levels[0]
        let stripeCount = max(1, Int((Double(max(first.width + 1 - cascade.windowWidth, 0)) / 32).rounded(.up)))
        let stripeSizes = pyramid.levels.map { level -> Int in
            let workHeight = max(level.height + 1 - cascade.windowHeight, 0)
            return max((workHeight / level.step + stripeCount - 1) / stripeCount, 1) * level.step
        }
        let results = StripeResults(count: stripeCount)
        let evaluator = self.evaluator
        if settings.threads == 1 || stripeCount == 1 {
            for stripe in 0..<stripeCount {
                evaluator.scan(
                    pyramid, model, stripe: stripe, stripeSizes: stripeSizes, into: &results.slots[stripe],
                    vectorized: vectorized)
            }
        } else {
            DispatchQueue.concurrentPerform(iterations: stripeCount) { stripe in
                var found: [IntRect] = []
                evaluator.scan(pyramid, model, stripe: stripe, stripeSizes: stripeSizes, into: &found, vectorized: vectorized)
                results.store(found, at: stripe)
            }
        }
        return results.slots.flatMap { $0 }
    }

    /// Finds objects (faces) in a grey image.
    /// - Parameters:
    ///   - image: the image; boxes are in its pixels.
    ///   - settings: scale factor, neighbours, size limits, threads.
    /// - Returns: grouped boxes clipped to the image, with their neighbour counts.
    public func detect(in image: GrayImage, settings: DetectionSettings = .init()) -> [Detection] {
        let grouped = RectangleGrouping.group(
            candidates(in: image, settings: settings), threshold: settings.minNeighbors, eps: 0.2)
        return grouped.compactMap { rect, neighbors in
            // OpenCV's clipObjects: intersect with the image, drop empty boxes.
            let x0 = max(rect.x, 0), y0 = max(rect.y, 0)
            let x1 = min(rect.x + rect.width, image.width), y1 = min(rect.y + rect.height, image.height)
            guard x1 > x0, y1 > y0 else { return nil }
            return Detection(
                box: FaceBox(x: Double(x0), y: Double(y0), width: Double(x1 - x0), height: Double(y1 - y0)),
                neighbors: neighbors)
        }
    }

    /// Finds objects in an RGB image (converted to grey as OpenCV's `COLOR_BGR2GRAY` would).
    public func detect(in image: RGBImage, settings: DetectionSettings = .init()) -> [Detection] {
        detect(in: GrayImage(image), settings: settings)
    }
}

/// One result array per stripe; each stripe's worker writes only its own slot.
private final class StripeResults: @unchecked Sendable {
    var slots: [[IntRect]]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: [], count: count) }
    func store(_ rects: [IntRect], at index: Int) {
        lock.lock()
        slots[index] = rects
        lock.unlock()
    }
}

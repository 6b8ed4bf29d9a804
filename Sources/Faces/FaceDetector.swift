import Media

/// The face detector the pipeline uses: a frontal cascade, optionally a profile cascade run on the
/// image and on its mirror (profile cascades only know faces turned one way), optionally on a
/// copy of the frame shrunk so its longer side is `detectSide` pixels.
public struct FaceDetector: Sendable {
    /// The frontal cascade's detector.
    public let frontal: CascadeDetector
    /// The profile cascade's detector, when profile faces are wanted.
    public let profile: CascadeDetector?
    /// Scan settings in pixels of the full frame.
    public var settings: DetectionSettings
    /// Longest side of the copy detection runs on, or `nil` for full resolution. The copy is never
    /// shrunk below `window / minSize` (0.6 for 40-pixel faces and a 24-pixel window).
    public var detectSide: Int?

    /// Creates a detector from loaded cascades.
    public init(frontal: Cascade, profile: Cascade? = nil, settings: DetectionSettings = .init(), detectSide: Int? = nil) {
        self.frontal = CascadeDetector(cascade: frontal)
        self.profile = profile.map { CascadeDetector(cascade: $0) }
        self.settings = settings
        self.detectSide = detectSide
    }

    /// Finds faces in an RGB frame; boxes are in the frame's pixels.
    public func detect(in image: RGBImage) -> [Detection] {
        detect(in: GrayImage(image))
    }

    /// Finds faces in a grey frame; boxes are in the frame's pixels.
    public func detect(in gray: GrayImage) -> [Detection] {
        var image = gray
        var scan = settings
        var factor = 1.0
        if let detectSide, max(gray.width, gray.height) > detectSide {
            // Never shrink so far that the smallest wanted face falls below the cascade's window:
            // those faces would be lost, not just found faster.
            let window = Double(max(frontal.cascade.windowWidth, frontal.cascade.windowHeight))
            factor = max(Double(detectSide) / Double(max(gray.width, gray.height)), min(1, window / Double(settings.minSize)))
        }
        if factor < 1 {
            image = gray.resizedArea(
                width: max(1, Int((Double(gray.width) * factor).rounded())),
                height: max(1, Int((Double(gray.height) * factor).rounded())))
            scan.minSize = max(1, Int((Double(settings.minSize) * factor).rounded()))
            scan.maxSize = settings.maxSize.map { max(1, Int((Double($0) * factor).rounded())) }
        }
        var found = frontal.detect(in: image, settings: scan)
        if let profile {
            found += profile.detect(in: image, settings: scan)
            let mirrored = image.mirrored()
            found += profile.detect(in: mirrored, settings: scan).map { d in
                var m = d
                m.box.x = Double(image.width) - d.box.x - d.box.width
                return m
            }
            found = Self.suppressOverlaps(found)
        }
        guard factor != 1 else { return found }
        return found.map { Detection(box: $0.box.scaled(by: 1 / factor), neighbors: $0.neighbors) }
    }

    /// Keeps the best-supported of boxes that overlap (IoU > 0.3), as frontal and profile
    /// cascades often both fire on a three-quarter face.
    static func suppressOverlaps(_ detections: [Detection]) -> [Detection] {
        var kept: [Detection] = []
        for d in detections.sorted(by: { $0.neighbors > $1.neighbors }) where !kept.contains(where: { $0.box.iou(d.box) > 0.3 }) {
            kept.append(d)
        }
        return kept
    }
}

extension GrayImage {
    /// Shrinks by area averaging (each source pixel weighted by the fraction it covers), so a
    /// detection copy has no aliasing. Enlarging axes fall back to the bit-exact bilinear resize.
    public func resizedArea(width newWidth: Int, height newHeight: Int) -> GrayImage {
        if newWidth >= width || newHeight >= height { return resizedBilinear(width: newWidth, height: newHeight) }
        func taps(_ from: Int, _ to: Int) -> [[(Int, Float)]] {
            let scale = Double(from) / Double(to)
            return (0..<to).map { i in
                let start = Double(i) * scale, end = start + scale
                var result: [(Int, Float)] = []
                var s = Int(start)
                while Double(s) < end && s < from {
                    let w = min(end, Double(s + 1)) - max(start, Double(s))
                    if w > 1e-9 { result.append((s, Float(w / scale))) }
                    s += 1
                }
                return result
            }
        }
        let xt = taps(width, newWidth), yt = taps(height, newHeight)
        var rows = [Float](repeating: 0, count: newWidth * height)
        pixels.withUnsafeBufferPointer { src in
            rows.withUnsafeMutableBufferPointer { mid in
                for y in 0..<height {
                    for (x, t) in xt.enumerated() {
                        var v: Float = 0
                        for (i, w) in t { v += w * Float(src[y * width + i]) }
                        mid[y * newWidth + x] = v
                    }
                }
            }
        }
        var out = [UInt8](repeating: 0, count: newWidth * newHeight)
        rows.withUnsafeBufferPointer { mid in
            out.withUnsafeMutableBufferPointer { dst in
                for (y, t) in yt.enumerated() {
                    for x in 0..<newWidth {
                        var v: Float = 0
                        for (i, w) in t { v += w * mid[i * newWidth + x] }
                        dst[y * newWidth + x] = UInt8(min(max(v.rounded(), 0), 255))
                    }
                }
            }
        }
        return GrayImage(width: newWidth, height: newHeight, pixels: out)
    }
}

import Media

extension GrayImage {
    /// The part of the image inside `x, y, width, height`, clipped to the image; nil when empty.
    public func clippedRegion(x: Int, y: Int, width w: Int, height h: Int) -> (image: GrayImage, x: Int, y: Int)? {
        let x0 = max(x, 0), y0 = max(y, 0), x1 = min(x + w, width), y1 = min(y + h, height)
        guard x1 > x0, y1 > y0 else { return nil }
        var out = [UInt8](repeating: 0, count: (x1 - x0) * (y1 - y0))
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for row in y0..<y1 {
                    let s = row * width + x0, d = (row - y0) * (x1 - x0)
                    for k in 0..<(x1 - x0) { dst[d + k] = src[s + k] }
                }
            }
        }
        return (GrayImage(width: x1 - x0, height: y1 - y0, pixels: out), x0, y0)
    }
}

extension FaceDetector {
    /// Looks for faces only near known ones: for each box, the frontal cascade scans a region
    /// `margin` box sides wider on every side, for faces from `sizeRange.lowerBound` to
    /// `sizeRange.upperBound` times the box's side (never below `settings.minSize`). Far cheaper
    /// than a full scan (a few pyramid levels over a small region), so a tracker can confirm its
    /// faces on every frame and leave the full scan, which finds new faces, for every Nth.
    /// - Returns: detections in frame pixels; where regions overlap, duplicates are merged.
    public func detect(in gray: GrayImage, near boxes: [FaceBox], margin: Double = 0.3,
                       sizeRange: ClosedRange<Double> = 0.7...1.45) -> [Detection] {
        var found: [Detection] = []
        for box in boxes {
            let side = max(box.width, box.height)
            let pad = margin * side
            guard let region = gray.clippedRegion(
                x: Int((box.x - pad).rounded(.down)), y: Int((box.y - pad).rounded(.down)),
                width: Int((box.width + 2 * pad).rounded(.up)), height: Int((box.height + 2 * pad).rounded(.up)))
            else { continue }
            var scan = settings
            scan.minSize = max(settings.minSize, Int((sizeRange.lowerBound * side).rounded(.down)))
            scan.maxSize = Int((sizeRange.upperBound * side).rounded(.up))
            if let limit = settings.maxSize { scan.maxSize = min(scan.maxSize!, limit) }
            guard scan.minSize <= scan.maxSize!, scan.minSize <= min(region.image.width, region.image.height) else { continue }
            // Small regions: one thread is faster than splitting them.
            scan.threads = region.image.width * region.image.height > 200_000 ? settings.threads : 1
            for d in frontal.detect(in: region.image, settings: scan) {
                var moved = d
                moved.box.x += Double(region.x)
                moved.box.y += Double(region.y)
                found.append(moved)
            }
        }
        return boxes.count > 1 ? Self.suppressOverlaps(found) : found
    }
}

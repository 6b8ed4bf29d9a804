import Foundation
import Faces

/// A convex polygon around a face's landmarks: the shape of a self-blended image's mask before it
/// is deformed and blurred.
///
/// SBI (Shiohara & Yamasaki, CVPR 2022) fills the convex hull of dlib's 81 landmarks, or of the 68
/// without the forehead one time in four; the Face X-ray generator their code can load picks
/// among a whole hull, an "extended" hull (eyebrows pushed up the forehead) and a "components"
/// mask. ``Variant`` gives FaceMesh's 468 landmarks the same family, each a single convex hull.
///
/// The polygon is kept as half-planes (`n · p ≤ c`, `n` of unit length), so the signed distance
/// from its edges is one maximum: rasterising it with an offset erodes or dilates it exactly
/// (corners mitred) and anti-aliases the rim at no extra cost.
public struct FaceHull: Sendable, Equatable {
    /// Which landmarks the hull is taken around.
    public enum Variant: String, CaseIterable, Codable, Sendable {
        /// All 468 landmarks: the face up to the top of the forehead (SBI's 81-point hull).
        case whole
        /// The face oval from temple to temple through the chin, and the eyebrows: no forehead
        /// (SBI's hull of dlib's 68 points).
        case lowerFace
        /// ``lowerFace`` with each eyebrow raised by half its distance above the eye (Face X-ray's
        /// `extended` mask): between the other two.
        case extended
        /// Eyebrows, eyes, nose and lips: the inner face, cheeks and jaw left out (a single hull
        /// standing for Face X-ray's `components` mask).
        case innerFace
    }

    /// The corners, in order around the polygon, in the landmarks' pixels.
    public let vertices: [SIMD2<Double>]
    /// Outward unit normal and offset of each edge: a point `p` is inside when `n · p ≤ c` for all.
    let edges: [(normal: SIMD2<Double>, offset: Double)]

    /// The convex hull of `points` (Andrew's monotone chain); nil when they span no area.
    public init?(points: [SIMD2<Double>]) {
        let sorted = points.filter { $0.x.isFinite && $0.y.isFinite }.sorted { ($0.x, $0.y) < ($1.x, $1.y) }
        guard sorted.count >= 3 else { return nil }
        func cross(_ o: SIMD2<Double>, _ a: SIMD2<Double>, _ b: SIMD2<Double>) -> Double {
            (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x)
        }
        var lower: [SIMD2<Double>] = [], upper: [SIMD2<Double>] = []
        for p in sorted {
            while lower.count >= 2 && cross(lower[lower.count - 2], lower[lower.count - 1], p) <= 0 { lower.removeLast() }
            lower.append(p)
        }
        for p in sorted.reversed() {
            while upper.count >= 2 && cross(upper[upper.count - 2], upper[upper.count - 1], p) <= 0 { upper.removeLast() }
            upper.append(p)
        }
        self.init(convexVertices: Array(lower.dropLast() + upper.dropLast()))
    }

    /// A polygon from corners already convex and in order (either way round); nil when degenerate.
    init?(convexVertices vertices: [SIMD2<Double>]) {
        guard vertices.count >= 3 else { return nil }
        var area = 0.0
        for i in vertices.indices {
            let a = vertices[i], b = vertices[(i + 1) % vertices.count]
            area += a.x * b.y - a.y * b.x
        }
        guard abs(area) > 1e-9 else { return nil }
        // For corners counter-clockwise in (x right, y up) terms, the outward normal of a → b is
        // (dy, −dx); the other way round it is its opposite.
        let sign: Double = area > 0 ? 1 : -1
        var edges: [(normal: SIMD2<Double>, offset: Double)] = []
        for i in vertices.indices {
            let a = vertices[i], b = vertices[(i + 1) % vertices.count]
            let d = b - a
            let length = (d.x * d.x + d.y * d.y).squareRoot()
            guard length > 1e-12 else { continue }
            let n = SIMD2(d.y, -d.x) * (sign / length)
            edges.append((n, n.x * a.x + n.y * a.y))
        }
        self.vertices = vertices
        self.edges = edges
    }

    public static func == (lhs: FaceHull, rhs: FaceHull) -> Bool { lhs.vertices == rhs.vertices }

    /// The hull of one variant around FaceMesh's 468 landmarks (frame pixels; `z` is ignored).
    public init?(_ variant: Variant, landmarks: [SIMD3<Float>]) {
        guard landmarks.count >= FaceMeshGeometry.landmarkCount else { return nil }
        self.init(points: Self.points(variant, landmarks: landmarks.map { SIMD2(Double($0.x), Double($0.y)) }))
    }

    /// The points a variant's hull is taken around.
    static func points(_ variant: Variant, landmarks p: [SIMD2<Double>]) -> [SIMD2<Double>] {
        let regions = FaceMeshRegions.self
        switch variant {
        case .whole:
            return p
        case .lowerFace:
            return lowerOval.map { p[$0] } + (regions.rightEyebrow + regions.leftEyebrow).map { p[$0] }
        case .extended:
            // Each eyebrow moves away from its eye by half the distance between their centres.
            func raised(_ brow: [Int], over eye: [Int]) -> [SIMD2<Double>] {
                let b = centroid(brow.map { p[$0] }), e = centroid(eye.map { p[$0] })
                return brow.map { p[$0] + 0.5 * (b - e) }
            }
            return lowerOval.map { p[$0] } + raised(regions.rightEyebrow, over: regions.rightEye)
                + raised(regions.leftEyebrow, over: regions.leftEye)
        case .innerFace:
            let inner = regions.rightEyebrow + regions.leftEyebrow + regions.rightEye + regions.leftEye + regions.nose + regions.lips
            return inner.map { p[$0] }
        }
    }

    /// The face oval from the left temple (356) down through the chin (152) to the right temple
    /// (127): the jaw line of dlib's 68 points, which starts and ends about level with the eyes.
    static let lowerOval: [Int] = {
        let oval = FaceMeshRegions.faceOval
        let start = oval.firstIndex(of: 356)!, end = oval.firstIndex(of: 127)!
        return Array(oval[start...end])
    }()

    static func centroid(_ points: [SIMD2<Double>]) -> SIMD2<Double> {
        points.reduce(SIMD2<Double>(0, 0), +) / Double(max(points.count, 1))
    }

    /// The bounding box of the corners: `x, y, width, height`.
    public var bounds: FaceBox {
        let xs = vertices.map(\.x), ys = vertices.map(\.y)
        return FaceBox(x: xs.min()!, y: ys.min()!, width: xs.max()! - xs.min()!, height: ys.max()! - ys.min()!)
    }

    /// How far `p` lies outside the polygon (negative inside): the largest distance past an edge's
    /// line. Exact inside and beside an edge; near a corner outside it is the mitred distance.
    public func signedDistance(_ p: SIMD2<Double>) -> Double {
        var d = -Double.infinity
        for e in edges { d = max(d, e.normal.x * p.x + e.normal.y * p.y - e.offset) }
        return d
    }

    /// The polygon with every corner mapped by `transform` (a similarity keeps it convex).
    public func mapped(_ transform: (SIMD2<Double>) -> SIMD2<Double>) -> FaceHull? {
        FaceHull(convexVertices: vertices.map(transform))
    }

    /// The polygon filled into a `width × height` mask, grown by `offset` pixels (negative:
    /// shrunk). A pixel's weight is its centre's coverage across a one-pixel ramp at the rim:
    /// 1 at least half a pixel inside, 0 at least half a pixel outside, linear between.
    ///
    /// Each row is cut to the span where the weight can be nonzero, and only the half-pixel-wide
    /// rims at its two ends are measured pixel by pixel.
    public func rasterized(width: Int, height: Int, offset: Double = 0) -> SoftMask {
        var mask = SoftMask(width: width, height: height)
        let box = bounds
        let y0 = max(0, Int((box.y - offset - 1).rounded(.down))), y1 = min(height, Int((box.y + box.height + offset + 1).rounded(.up)) + 1)
        guard y0 < y1 else { return mask }
        mask.values.withUnsafeMutableBufferPointer { out in
            for y in y0..<y1 {
                let cy = Double(y) + 0.5
                // Along the row each edge's distance is a·X + r; the weight is nonzero while the
                // largest is below offset + ½ and is 1 while it is at most offset − ½.
                guard let outer = span(rowCentre: cy, limit: offset + 0.5) else { continue }
                let inner = span(rowCentre: cy, limit: offset - 0.5)
                let first = max(0, Int((outer.lowerBound - 0.5).rounded(.up)))
                let last = min(width - 1, Int((outer.upperBound - 0.5).rounded(.down)))
                guard first <= last else { continue }
                let row = y * width
                for x in first...last {
                    let cx = Double(x) + 0.5
                    if let inner, inner.contains(cx) {
                        out[row + x] = 1
                    } else {
                        let d = signedDistance(SIMD2(cx, cy)) - offset
                        out[row + x] = Float(min(max(0.5 - d, 0), 1))
                    }
                }
            }
        }
        return mask
    }

    /// The x interval of the row at height `cy` where every edge's distance is at most `limit`;
    /// nil when empty.
    private func span(rowCentre cy: Double, limit: Double) -> ClosedRange<Double>? {
        var lo = -Double.infinity, hi = Double.infinity
        for e in edges {
            let rest = limit + e.offset - e.normal.y * cy
            if abs(e.normal.x) < 1e-12 {
                if rest < 0 { return nil }
            } else if e.normal.x > 0 {
                hi = min(hi, rest / e.normal.x)
            } else {
                lo = max(lo, rest / e.normal.x)
            }
        }
        return lo <= hi ? lo...hi : nil
    }
}

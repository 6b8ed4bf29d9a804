/// OpenCV's `groupRectangles(rectList, groupThreshold, eps)`: cluster candidate windows whose
/// corners are within `eps × mean side` of each other (union–find over all pairs, as
/// `cv::partition`), average each cluster, keep clusters with more than `groupThreshold` members,
/// and drop a small cluster that sits inside a larger, better-supported one.
enum RectangleGrouping {
    /// OpenCV's `SimilarRects` predicate.
    static func similar(_ a: IntRect, _ b: IntRect, eps: Double) -> Bool {
        let delta = eps * Double(min(a.width, b.width) + min(a.height, b.height)) * 0.5
        return Double(abs(a.x - b.x)) <= delta && Double(abs(a.y - b.y)) <= delta
            && Double(abs(a.x + a.width - b.x - b.width)) <= delta
            && Double(abs(a.y + a.height - b.y - b.height)) <= delta
    }

    /// Equivalence classes of `similar`, labelled in order of first appearance.
    static func partition(_ rects: [IntRect], eps: Double) -> (labels: [Int], classCount: Int) {
        var parent = Array(rects.indices)
        func root(_ i: Int) -> Int {
            var r = i
            while parent[r] != r { r = parent[r] }
            var j = i
            while parent[j] != r { let next = parent[j]; parent[j] = r; j = next }
            return r
        }
        for i in rects.indices {
            for j in (i + 1)..<rects.count where similar(rects[i], rects[j], eps: eps) {
                let a = root(i), b = root(j)
                if a != b { parent[max(a, b)] = min(a, b) }
            }
        }
        var classOfRoot: [Int: Int] = [:]
        var labels = [Int](repeating: 0, count: rects.count)
        for i in rects.indices {
            let r = root(i)
            if classOfRoot[r] == nil { classOfRoot[r] = classOfRoot.count }
            labels[i] = classOfRoot[r]!
        }
        return (labels, classOfRoot.count)
    }

    /// Groups candidates; returns each kept rectangle with its neighbour count (cluster size).
    static func group(_ rects: [IntRect], threshold: Int, eps: Double = 0.2) -> [(rect: IntRect, neighbors: Int)] {
        if threshold <= 0 || rects.isEmpty { return rects.map { ($0, 1) } }
        let (labels, classCount) = partition(rects, eps: eps)
        var sums = [IntRect](repeating: IntRect(x: 0, y: 0, width: 0, height: 0), count: classCount)
        var weights = [Int](repeating: 0, count: classCount)
        for (i, label) in labels.enumerated() {
            sums[label].x += rects[i].x
            sums[label].y += rects[i].y
            sums[label].width += rects[i].width
            sums[label].height += rects[i].height
            weights[label] += 1
        }
        // OpenCV averages in float and rounds half to even (saturate_cast<int>).
        let averaged = (0..<classCount).map { c -> IntRect in
            let s = 1 / Float(weights[c])
            func avg(_ v: Int) -> Int { Int((Float(v) * s).rounded(.toNearestOrEven)) }
            return IntRect(x: avg(sums[c].x), y: avg(sums[c].y), width: avg(sums[c].width), height: avg(sums[c].height))
        }
        var kept: [(IntRect, Int)] = []
        for i in 0..<classCount {
            let r1 = averaged[i], n1 = weights[i]
            if n1 <= threshold { continue }
            var swallowed = false
            for j in 0..<classCount where j != i {
                let n2 = weights[j]
                if n2 <= threshold { continue }
                let r2 = averaged[j]
                let dx = Int((Double(r2.width) * eps).rounded(.toNearestOrEven))
                let dy = Int((Double(r2.height) * eps).rounded(.toNearestOrEven))
                if r1.x >= r2.x - dx && r1.y >= r2.y - dy && r1.x + r1.width <= r2.x + r2.width + dx
                    && r1.y + r1.height <= r2.y + r2.height + dy && (n2 > max(3, n1) || n1 < 3)
                {
                    swallowed = true
                    break
                }
            }
            if !swallowed { kept.append((r1, n1)) }
        }
        return kept
    }
}

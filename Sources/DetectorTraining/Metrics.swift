import Detection
import Foundation
import NN

/// The metrics the media-forensics field reports for a detector, computed as scikit-learn does.
///
/// Labels are 1 for fake (the positive class) and 0 for real; scores are the detector's
/// probability of fake, higher meaning more suspicious.
public enum Metrics {
    /// Area under the ROC curve: the probability that a random fake outscores a random real item,
    /// ties counting one half (the Mann–Whitney U statistic). `sklearn.metrics.roc_auc_score`.
    /// - Returns: nil when either class is absent (the AUC is undefined).
    public static func auc(labels: [Int], scores: [Double]) -> Double? {
        precondition(labels.count == scores.count, "one score per label")
        let positives = labels.filter { $0 == 1 }.count
        let negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        // Average ranks over ties, then U = sum of positive ranks - P(P+1)/2.
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var ranks = [Double](repeating: 0, count: scores.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for k in i...j { ranks[order[k]] = rank }
            i = j + 1
        }
        var positiveRankSum = 0.0
        for (index, label) in labels.enumerated() where label == 1 { positiveRankSum += ranks[index] }
        let u = positiveRankSum - Double(positives) * Double(positives + 1) / 2
        return u / (Double(positives) * Double(negatives))
    }

    /// One point of a ROC curve: classify `score >= threshold` as fake.
    public struct ROCPoint: Codable, Equatable, Sendable {
        public var threshold: Double
        public var falsePositiveRate: Double
        public var truePositiveRate: Double
    }

    /// The ROC curve at every distinct score, from the strictest threshold (+inf: nothing flagged)
    /// to the loosest, as `sklearn.metrics.roc_curve(drop_intermediate=False)`.
    public static func roc(labels: [Int], scores: [Double]) -> [ROCPoint] {
        let positives = Double(labels.filter { $0 == 1 }.count)
        let negatives = Double(labels.count) - positives
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var points = [ROCPoint(threshold: .infinity, falsePositiveRate: 0, truePositiveRate: 0)]
        var tp = 0.0, fp = 0.0
        var i = 0
        while i < order.count {
            let threshold = scores[order[i]]
            while i < order.count && scores[order[i]] == threshold {
                if labels[order[i]] == 1 { tp += 1 } else { fp += 1 }
                i += 1
            }
            points.append(ROCPoint(
                threshold: threshold, falsePositiveRate: negatives > 0 ? fp / negatives : 0,
                truePositiveRate: positives > 0 ? tp / positives : 0))
        }
        return points
    }

    /// Equal error rate: where the false positive rate equals the false negative rate, linearly
    /// interpolated between the two ROC points around the crossing, with the threshold there.
    public static func equalErrorRate(labels: [Int], scores: [Double]) -> (rate: Double, threshold: Double)? {
        guard auc(labels: labels, scores: scores) != nil else { return nil }
        let curve = roc(labels: labels, scores: scores)
        let gaps = curve.map { $0.falsePositiveRate - (1 - $0.truePositiveRate) }
        guard let i = gaps.firstIndex(where: { $0 >= 0 }) else { return nil }
        if i == 0 || gaps[i] == 0 {
            return (curve[i].falsePositiveRate, curve[i].threshold)
        }
        let t = gaps[i - 1] / (gaps[i - 1] - gaps[i])
        let rate = curve[i - 1].falsePositiveRate + t * (curve[i].falsePositiveRate - curve[i - 1].falsePositiveRate)
        let upper = curve[i - 1].threshold.isFinite ? curve[i - 1].threshold : curve[i].threshold
        return (rate, upper + t * (curve[i].threshold - upper))
    }

    /// Average precision: the sum over thresholds of (recall gained) × precision there, with no
    /// interpolation, as `sklearn.metrics.average_precision_score`.
    public static func averagePrecision(labels: [Int], scores: [Double]) -> Double? {
        let positives = Double(labels.filter { $0 == 1 }.count)
        guard positives > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var tp = 0.0, fp = 0.0, previousRecall = 0.0, sum = 0.0
        var i = 0
        while i < order.count {
            let threshold = scores[order[i]]
            while i < order.count && scores[order[i]] == threshold {
                if labels[order[i]] == 1 { tp += 1 } else { fp += 1 }
                i += 1
            }
            let recall = tp / positives
            sum += (recall - previousRecall) * (tp / (tp + fp))
            previousRecall = recall
        }
        return sum
    }

    /// Mean binary cross-entropy of probabilities, clipped to [1e-7, 1 - 1e-7] so that one
    /// confident mistake is finite.
    public static func logLoss(labels: [Int], probabilities: [Double]) -> Double {
        precondition(labels.count == probabilities.count && !labels.isEmpty)
        var total = 0.0
        for (label, p) in zip(labels, probabilities) {
            let q = min(max(p, 1e-7), 1 - 1e-7)
            total -= label == 1 ? log(q) : log(1 - q)
        }
        return total / Double(labels.count)
    }

    /// Counts at a threshold (`score >= threshold` is called fake).
    public struct Confusion: Codable, Equatable, Sendable {
        public var truePositives = 0
        public var falsePositives = 0
        public var trueNegatives = 0
        public var falseNegatives = 0

        public var accuracy: Double {
            let total = truePositives + falsePositives + trueNegatives + falseNegatives
            return total == 0 ? 0 : Double(truePositives + trueNegatives) / Double(total)
        }
        public var falsePositiveRate: Double {
            let negatives = falsePositives + trueNegatives
            return negatives == 0 ? 0 : Double(falsePositives) / Double(negatives)
        }
        public var truePositiveRate: Double {
            let positives = truePositives + falseNegatives
            return positives == 0 ? 0 : Double(truePositives) / Double(positives)
        }
    }

    public static func confusion(labels: [Int], scores: [Double], threshold: Double) -> Confusion {
        var c = Confusion()
        for (label, score) in zip(labels, scores) {
            switch (label == 1, score >= threshold) {
            case (true, true): c.truePositives += 1
            case (true, false): c.falseNegatives += 1
            case (false, true): c.falsePositives += 1
            case (false, false): c.trueNegatives += 1
            }
        }
        return c
    }

    /// The lowest threshold whose false positive rate on these labels is at most `rate`.
    public static func threshold(forFalsePositiveRate rate: Double, labels: [Int], scores: [Double]) -> Double {
        var best = Double.infinity
        for point in roc(labels: labels, scores: scores) where point.falsePositiveRate <= rate {
            best = min(best, point.threshold)
        }
        return best
    }

    /// A statistic with its bootstrap 95% confidence interval.
    public struct Interval: Codable, Equatable, Sendable {
        public var value: Double
        public var low: Double
        public var high: Double
        /// Resamples used (those where the statistic was defined).
        public var resamples: Int
    }

    /// Percentile bootstrap: `resamples` draws of the items with replacement (seeded, so the
    /// interval is reproducible), the 2.5th and 97.5th percentiles of the statistic. Draws in which
    /// the statistic is undefined (one class only) are left out and not counted.
    public static func bootstrap(
        labels: [Int], scores: [Double], resamples: Int = 1000, seed: UInt64 = 2026,
        _ statistic: ([Int], [Double]) -> Double?
    ) -> Interval? {
        guard let value = statistic(labels, scores) else { return nil }
        var generator = SeededGenerator(seed: seed)
        var values: [Double] = []
        let n = labels.count
        var sampledLabels = [Int](repeating: 0, count: n)
        var sampledScores = [Double](repeating: 0, count: n)
        for _ in 0..<resamples {
            for i in 0..<n {
                let j = Int(generator.next() % UInt64(n))
                sampledLabels[i] = labels[j]
                sampledScores[i] = scores[j]
            }
            if let v = statistic(sampledLabels, sampledScores) { values.append(v) }
        }
        guard !values.isEmpty else { return nil }
        values.sort()
        func percentile(_ q: Double) -> Double {
            let position = q * Double(values.count - 1)
            let lower = Int(position.rounded(.down)), upper = min(lower + 1, values.count - 1)
            return values[lower] + (position - Double(lower)) * (values[upper] - values[lower])
        }
        return Interval(value: value, low: percentile(0.025), high: percentile(0.975), resamples: values.count)
    }
}

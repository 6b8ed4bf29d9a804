import Foundation
import Testing

@testable import Detection
@testable import DetectorTraining

/// scikit-learn's values for the same labels and scores (tools/golden/detection_metrics.py).
struct MetricsGolden: Decodable, CustomTestStringConvertible {
    var name: String
    var labels: [Int]
    var scores: [Double]
    var auc: Double
    var average_precision: Double
    var log_loss: Double
    var eer: Double
    var roc_fpr: [Double]
    var roc_tpr: [Double]

    var testDescription: String { name }

    static let all: [MetricsGolden] = {
        struct File: Decodable { var cases: [MetricsGolden] }
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("fixtures/golden/detection_metrics.json")
        return try! JSONDecoder().decode(File.self, from: Data(contentsOf: url)).cases
    }()
}

@Suite struct MetricsTests {
    @Test(arguments: MetricsGolden.all)
    func matchesScikitLearn(golden: MetricsGolden) throws {
        let auc = try #require(Metrics.auc(labels: golden.labels, scores: golden.scores))
        #expect(abs(auc - golden.auc) < 1e-12)
        let ap = try #require(Metrics.averagePrecision(labels: golden.labels, scores: golden.scores))
        #expect(abs(ap - golden.average_precision) < 1e-12)
        #expect(abs(Metrics.logLoss(labels: golden.labels, probabilities: golden.scores) - golden.log_loss) < 1e-9)
        let curve = Metrics.roc(labels: golden.labels, scores: golden.scores)
        #expect(curve.map(\.falsePositiveRate) == golden.roc_fpr)
        #expect(curve.map(\.truePositiveRate) == golden.roc_tpr)
        let eer = try #require(Metrics.equalErrorRate(labels: golden.labels, scores: golden.scores))
        #expect(abs(eer.rate - golden.eer) < 1e-12)
    }

    @Test func undefinedWithOneClass() {
        #expect(Metrics.auc(labels: [1, 1], scores: [0.2, 0.9]) == nil)
        #expect(Metrics.averagePrecision(labels: [0, 0], scores: [0.2, 0.9]) == nil)
    }

    @Test func confusionAndThresholdForATargetFalsePositiveRate() {
        let labels = [0, 0, 0, 0, 1, 1, 1, 1]
        let scores = [0.1, 0.2, 0.3, 0.6, 0.5, 0.7, 0.8, 0.9]
        let c = Metrics.confusion(labels: labels, scores: scores, threshold: 0.5)
        #expect(c == Metrics.Confusion(truePositives: 4, falsePositives: 1, trueNegatives: 3, falseNegatives: 0))
        #expect(c.accuracy == 7.0 / 8)
        #expect(Metrics.threshold(forFalsePositiveRate: 0, labels: labels, scores: scores) == 0.7)
        #expect(Metrics.threshold(forFalsePositiveRate: 0.25, labels: labels, scores: scores) == 0.5)
    }

    @Test func bootstrapIntervalBracketsTheValueAndIsReproducible() throws {
        let golden = MetricsGolden.all[0]
        let run = { Metrics.bootstrap(labels: golden.labels, scores: golden.scores) { Metrics.auc(labels: $0, scores: $1) } }
        let interval = try #require(run())
        #expect(interval.low <= interval.value && interval.value <= interval.high)
        #expect(interval.high - interval.low > 0.001 && interval.high - interval.low < 0.1)
        #expect(interval.resamples == 1000)
        #expect(run() == interval)
    }

    @Test func temperatureScalingRecoversAKnownTemperature() {
        // Labels drawn from sigmoid(z / 2.5): the fitted temperature must come out near 2.5.
        var state: UInt64 = 99
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) * 0x1p-53
        }
        var logits: [Double] = [], labels: [Int] = []
        for _ in 0..<20000 {
            let z = (uniform() - 0.5) * 20
            logits.append(z)
            labels.append(uniform() < 1 / (1 + exp(-z / 2.5)) ? 1 : 0)
        }
        let fitted = TemperatureScaling.fit(logits: logits, labels: labels)
        #expect(abs(fitted.temperature - 2.5) < 0.15, "fitted \(fitted.temperature)")
        // Calibration does not change the ranking.
        #expect(fitted.probability(logit: 1) < fitted.probability(logit: 2))
        let before = Metrics.logLoss(labels: labels, probabilities: logits.map { 1 / (1 + exp(-$0)) })
        let after = Metrics.logLoss(labels: labels, probabilities: logits.map(fitted.probability))
        #expect(after < before)
    }
}

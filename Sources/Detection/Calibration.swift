import Foundation

/// Temperature scaling (Guo et al., "On Calibration of Modern Neural Networks", ICML 2017): the
/// calibrated probability is `sigmoid(logit / T)`, with the one parameter T fitted on validation
/// data by minimising the log loss. T > 1 softens an over-confident detector; ranking (and so AUC)
/// is unchanged.
public struct TemperatureScaling: Codable, Equatable, Sendable {
    public var temperature: Double

    public init(temperature: Double = 1) {
        precondition(temperature > 0, "temperature must be positive")
        self.temperature = temperature
    }

    /// The calibrated probability of fake for a raw logit.
    public func probability(logit: Double) -> Double {
        1 / (1 + exp(-logit / temperature))
    }

    /// Fits T on logits and labels (1 fake, 0 real).
    ///
    /// The log loss is convex in β = 1/T (it is a logistic regression with one weight and no
    /// bias), so a golden-section search over log β in [e⁻⁷, e⁵] finds the optimum to 1e-6.
    public static func fit(logits: [Double], labels: [Int]) -> TemperatureScaling {
        precondition(logits.count == labels.count && !logits.isEmpty)
        func loss(_ logBeta: Double) -> Double {
            let beta = exp(logBeta)
            var total = 0.0
            for (z, y) in zip(logits, labels) {
                let s = beta * z
                // log(1 + e^-s) for y = 1, log(1 + e^s) for y = 0, computed stably.
                let m = y == 1 ? -s : s
                total += max(m, 0) + log1p(exp(-abs(m)))
            }
            return total
        }
        var a = -7.0, b = 5.0
        let ratio = (sqrt(5.0) - 1) / 2
        var c = b - ratio * (b - a), d = a + ratio * (b - a)
        var fc = loss(c), fd = loss(d)
        while b - a > 1e-6 {
            if fc < fd {
                b = d
                d = c
                fd = fc
                c = b - ratio * (b - a)
                fc = loss(c)
            } else {
                a = c
                c = d
                fc = fd
                d = a + ratio * (b - a)
                fd = loss(d)
            }
        }
        return TemperatureScaling(temperature: 1 / exp((a + b) / 2))
    }
}

import Foundation
import NN

/// Something the convergence monitor noticed.
public enum MonitorWarning: Equatable, Sendable {
    /// D's accuracy stayed near 0.5 over the window: it guesses and no longer teaches G.
    case discriminatorGuessing(step: Int, accuracy: Float, window: Int)
    /// D's accuracy is near 1 while G's loss climbs: D wins outright and G's gradients vanish.
    case discriminatorWinning(step: Int, accuracy: Float, lossGBefore: Float, lossGAfter: Float)
    /// Samples collapsed: their mean pairwise distance is far below that of real images.
    case modeCollapse(step: Int, sampleDistance: Double, realDistance: Double)

    /// A sentence for the log.
    public var message: String {
        switch self {
        case .discriminatorGuessing(let step, let accuracy, let window):
            String(format: "step %d: D's accuracy has stayed near 0.5 (%.3f) for %d steps: D is guessing and no longer "
                   + "teaches G. Consider more D steps (--d-steps) or a larger D (--ndf).", step, accuracy, window)
        case .discriminatorWinning(let step, let accuracy, let before, let after):
            String(format: "step %d: D wins outright (accuracy %.3f) while G's loss climbs (%.3f -> %.3f). Consider "
                   + "--label-smoothing 0.1, fewer D steps, or the nonsaturating loss.", step, accuracy, before, after)
        case .modeCollapse(let step, let sample, let real):
            String(format: "step %d: samples may have collapsed to few modes: their mean pairwise distance %.3f is far "
                   + "below the real images' %.3f. Look at the sample grid.", step, sample, real)
        }
    }
}

/// Watches D's accuracy and G's loss through a run, and the diversity of samples at each epoch.
///
/// - Guessing: the mean accuracy over the last `window` steps lies within `guessBand` of 0.5.
/// - Winning: the mean accuracy over the window is above `winningAccuracy` and G's mean loss over
///   the window's second half exceeds its first half by more than `lossClimb` (relative).
/// - Mode collapse: the mean pairwise L2 distance of samples is below `collapseRatio` × that of
///   real images.
/// Each warning is given once, and again only after its condition has cleared. The state is
/// `Codable` so that a checkpoint carries it and a resumed run warns as an uninterrupted one.
public struct ConvergenceMonitor: Codable, Equatable, Sendable {
    public var window: Int
    public var guessBand: Float = 0.05
    public var winningAccuracy: Float = 0.97
    public var lossClimb: Float = 0.25
    public var collapseRatio: Double = 0.5
    private var accuracies: [Float] = []
    private var lossesG: [Float] = []
    private var guessing = false
    private var winning = false
    private var collapsed = false

    /// Creates a monitor.
    /// - Parameter window: steps over which accuracy and G's loss are averaged (200 by default).
    public init(window: Int = 200) {
        self.window = max(window, 2)
    }

    /// Takes one step's metrics.
    /// - Returns: warnings that became true at this step.
    public mutating func record(_ metrics: StepMetrics) -> [MonitorWarning] {
        accuracies.append(metrics.accuracy)
        lossesG.append(metrics.lossG)
        if accuracies.count > window {
            accuracies.removeFirst(accuracies.count - window)
            lossesG.removeFirst(lossesG.count - window)
        }
        guard accuracies.count == window else { return [] }
        var warnings: [MonitorWarning] = []
        let accuracy = accuracies.reduce(0, +) / Float(window)
        let isGuessing = abs(accuracy - 0.5) < guessBand
        if isGuessing && !guessing {
            warnings.append(.discriminatorGuessing(step: metrics.step, accuracy: accuracy, window: window))
        }
        guessing = isGuessing
        let half = window / 2
        let before = lossesG[..<half].reduce(0, +) / Float(half)
        let after = lossesG[half...].reduce(0, +) / Float(window - half)
        let isWinning = accuracy > winningAccuracy && after > before * (1 + lossClimb)
        if isWinning && !winning {
            warnings.append(.discriminatorWinning(step: metrics.step, accuracy: accuracy, lossGBefore: before,
                                                  lossGAfter: after))
        }
        winning = isWinning
        return warnings
    }

    /// Compares the diversity of samples with that of real images.
    /// - Parameters:
    ///   - samples: `[N, C, S, S]` generated images.
    ///   - real: `[M, C, S, S]` real images.
    ///   - step: the current step, for the message.
    /// - Returns: a mode-collapse warning when it became true now.
    public mutating func checkDiversity(samples: Tensor, real: Tensor, step: Int) -> MonitorWarning? {
        let sampleDistance = Self.meanPairwiseDistance(samples)
        let realDistance = Self.meanPairwiseDistance(real)
        let isCollapsed = sampleDistance < collapseRatio * realDistance
        defer { collapsed = isCollapsed }
        return isCollapsed && !collapsed
            ? .modeCollapse(step: step, sampleDistance: sampleDistance, realDistance: realDistance) : nil
    }

    /// Mean L2 distance over all pairs of images, divided by √(values per image) so that it reads
    /// as a per-pixel RMS difference.
    /// - Parameter images: `[N, …]`, N ≥ 2.
    public static func meanPairwiseDistance(_ images: Tensor) -> Double {
        let n = images.shape[0]
        guard n >= 2 else { return 0 }
        let size = images.count / n
        return images.withUnsafeBufferPointer { values in
            var total = 0.0
            for i in 0..<n {
                for j in (i + 1)..<n {
                    var squares: Float = 0
                    for k in 0..<size {
                        let d = values[i * size + k] - values[j * size + k]
                        squares += d * d
                    }
                    total += Double(squares).squareRoot()
                }
            }
            return total / Double(n * (n - 1) / 2) / Double(size).squareRoot()
        }
    }
}

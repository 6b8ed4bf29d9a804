import ArgumentParser
import Foundation
import GAN

/// The documented ranges of the numeric flags. Each flag's `--help` text and its check in
/// `validate()` read the same range, so the two cannot drift apart. Numeric options are parsed
/// with `.unconditional`, so `--count -1` reaches the check (and gets its range) instead of being
/// taken for an option.
enum Limits {
    /// Frames taken per video (`--count`).
    static let frameCount = 1...100_000
    /// Every Nth frame (`--every`).
    static let every = 1...100_000
    /// Frames per second (`--fps`). A frame every 100 s at the least, 1000 a second at the most.
    static let fps = 0.01...1000.0
    /// Full-frame scan interval (`--detect-every`).
    static let detectEvery = 1...1000
    /// A probability (`--threshold`, `--min-presence`, `--gray`, `--video-share`).
    static let probability = 0.0...1.0
    /// Times in seconds (`frames --at`): up to a week of video.
    static let seconds = 0.0...604_800.0
    /// How many times `frames --at` takes.
    static let timesCount = 1...10_000
    /// Longer side in pixels (`frames --max-side`).
    static let maxSide = 2...16_384
    /// Images compared a side (`evaluate gan --images`, `train --swd-images`).
    static let images = 1...100_000
    /// Images `generate` makes in one run (`--count`, and `--count` × `--steps`): all are held in
    /// memory at once (10,000 at 64×64 are 490 MB of float32).
    static let generatedImages = 10_000
    /// Images per interpolation strip (`generate --steps`).
    static let steps = 2...1000
    /// Images a training or detector run reads at most per folder (`--max-images`).
    static let maxImages = 1...10_000_000
    /// Batch sizes.
    static let batch = 1...4096
    /// Epochs.
    static let epochs = 1...100_000
    /// Training iterations (`--stop-after`, `--checkpoint-every`, `--precheck-steps`).
    static let iterations = 1...100_000_000
    /// Learning rates.
    static let learningRate = 1e-8...1.0
    /// Bootstrap resamples (`evaluate detector --resamples`).
    static let resamples = 0...100_000
    /// GAN noise size and widths (`train --nz`, `--ngf`, `--ndf`), as the architecture bounds them.
    static let noiseSize = GANArchitecture.noiseSizes
    static let width = GANArchitecture.widths
}

extension ClosedRange where Bound == Int {
    /// `1...100000`, as the help texts and messages show a range.
    var text: String { "\(lowerBound)...\(upperBound)" }
}

extension ClosedRange where Bound == Double {
    /// `0.01...1000`.
    var text: String { "\(Limits.format(lowerBound))...\(Limits.format(upperBound))" }
}

extension Limits {
    static func format(_ value: Double) -> String { String(format: "%g", value) }

    /// Throws a `ValidationError` naming `flag` and its range unless `value` (when given) lies in it.
    static func check(_ value: Int?, _ flag: String, in range: ClosedRange<Int>) throws {
        guard let value, !range.contains(value) else { return }
        throw ValidationError("\(flag) must be \(range.text), got \(value).")
    }

    /// The same for a floating-point flag: NaN and the infinities are outside every range.
    static func check(_ value: Double?, _ flag: String, in range: ClosedRange<Double>) throws {
        guard let value, !(value.isFinite && range.contains(value)) else { return }
        throw ValidationError("\(flag) must be \(range.text), got \(format(value)).")
    }

    /// `--threshold` of `score` and `evaluate detector`: a probability of fake.
    static func checkThreshold(_ value: Double?) throws {
        guard let value, !(value.isFinite && probability.contains(value)) else { return }
        throw ValidationError("--threshold is a probability of fake, between 0 and 1; got \(format(value)).")
    }

    /// The same for a range open at the low end, and at the high end too unless `includingHigh`:
    /// `--fpr` and `--val-fraction` lie strictly between 0 and 1, `--feather` in (0, 1].
    static func check(_ value: Double?, _ flag: String, above low: Double, below high: Double, includingHigh: Bool = false) throws {
        guard let value else { return }
        if value.isFinite && value > low && (value < high || includingHigh && value == high) { return }
        let upper = includingHigh ? "at most \(format(high))" : "below \(format(high))"
        throw ValidationError("\(flag) must be above \(format(low)) and \(upper), got \(format(value)).")
    }
}

import Foundation
import Testing

/// Every numeric flag has a range, given in its --help and checked: NaN, the infinities, negative
/// and absurd values are usage errors (exit 64) naming the flag and its range, never "missing
/// value" (a negative number taken for an option), a crash or a hang.
@Suite struct FlagBoundsTests {
    static let clip = CLI.fixture("h264_aac.mp4")

    /// (arguments, a fragment of the message). Paths need not exist: the flags are checked first.
    static let cases: [([String], String)] = [
        // frames: --fps inf crashed, --fps 1e12 spun.
        (["frames", clip, "--out", "x", "--fps", "inf"], "--fps must be 0.01...1000, got inf."),
        (["frames", clip, "--out", "x", "--fps", "nan"], "--fps must be 0.01...1000, got nan."),
        (["frames", clip, "--out", "x", "--fps", "1e12"], "--fps must be 0.01...1000, got 1e+12."),
        (["frames", clip, "--out", "x", "--fps", "-2"], "--fps must be 0.01...1000, got -2."),
        (["frames", clip, "--out", "x", "--count", "-1"], "--count must be 1...100000, got -1."),
        (["frames", clip, "--out", "x", "--every", "0"], "--every must be 1...100000, got 0."),
        (["frames", clip, "--out", "x", "--max-side", "99999999"], "--max-side must be 2...16384, got 99999999."),
        (["frames", clip, "--out", "x", "--at", "1,inf"], "--at takes up to 10000 times in seconds (0...604800)"),
        (["frames", clip, "--out", "x", "--at", "-1"], "--at takes up to 10000 times in seconds (0...604800)"),
        // score: --fps inf and --fps 1e12 spun forever.
        (["score", clip, "--fps", "inf"], "--fps must be 0.01...1000, got inf."),
        (["score", clip, "--fps", "1e12"], "--fps must be 0.01...1000, got 1e+12."),
        (["score", clip, "--count", "-5"], "--count must be 1...100000, got -5."),
        (["score", clip, "--count", "1000000000"], "--count must be 1...100000, got 1000000000."),
        (["score", clip, "--threshold", "nan"], "--threshold is a probability of fake, between 0 and 1; got nan."),
        (["score", clip, "--threshold", "-inf"], "--threshold is a probability of fake, between 0 and 1; got -inf."),
        (["score", clip, "--detect-every", "-3"], "--detect-every must be 1...1000, got -3."),
        (["score", clip, "--min-face", "-1"], "--min-face must be 8...4096, got -1."),
        (["score", clip, "--min-presence", "nan"], "--min-presence must be 0...1, got nan."),
        (["score", clip, "--detector", "haar", "--detect-side", "5"], "--detect-side must be 0 or 64...16384, got 5."),
        // A value that is not a number at all: the parser's message, with the flag's help and range.
        (["score", clip, "--count", "1e12"], "(1...100000; default 32)"),
        // faces
        (["faces", clip, "--out", "x", "--size", "100000"], "--size must be 16...1024, got 100000."),
        (["faces", clip, "--out", "x", "--margin", "inf"], "--margin must be above 0 and at most 4, got inf."),
        (["faces", clip, "--out", "x", "--fps", "-1"], "--fps must be 0.01...1000, got -1."),
        // generate
        (["generate", "--model", "m", "--grid", "g.png", "--count", "0"], "--count must be 1...10000, got 0."),
        (["generate", "--model", "m", "--grid", "g.png", "--count", "-16"], "--count must be 1...10000, got -16."),
        (["generate", "--model", "m", "--grid", "g.png", "--steps", "1000000"], "--steps must be 2...1000, got 1000000."),
        (["generate", "--model", "m", "--grid", "g.png", "--interpolate", "--count", "100", "--steps", "1000"],
         "--count 100 strips of --steps 1000 make 100000 images, over the 10000 allowed in one run."),
        // train
        (["train", "--data", "d", "--run", "r", "--lr", "inf"], "--lr must be 1e-08...1, got inf."),
        (["train", "--data", "d", "--run", "r", "--lr", "nan"], "--lr must be 1e-08...1, got nan."),
        (["train", "--data", "d", "--run", "r", "--nz", "100000000000"], "--nz must be 1...4096, got 100000000000."),
        (["train", "--data", "d", "--run", "r", "--ngf", "-64"], "--ngf must be 1...4096, got -64."),
        (["train", "--data", "d", "--run", "r", "--batch", "-1"], "--batch must be 2...4096, got -1."),
        (["train", "--data", "d", "--run", "r", "--label-smoothing", "nan"], "--label-smoothing must be 0...0.45, got nan."),
        (["train", "--data", "d", "--run", "r", "--channels", "4"], "--channels must be 1 or 3, got 4."),
        (["train", "--data", "d", "--run", "r", "--keep", "0"], "--keep must be 1...1000, got 0."),
        (["train", "--data", "d", "--run", "r", "--swd-images", "-1"], "--swd-images must be 0...100000, got -1."),
        // evaluate
        (["evaluate", "gan", "--model", "m", "--data", "d", "--images", "-1"], "--images must be 2...100000, got -1."),
        (["evaluate", "detector", "--real", "a", "--fake", "b", "--resamples", "-1"], "--resamples must be 0...100000, got -1."),
        (["evaluate", "detector", "--real", "a", "--fake", "b", "--count", "0"], "--count must be 1...100000, got 0."),
        // Seeds: a negative one is a bad value for the flag (with its help and range), not a missing one.
        (["generate", "--model", "m", "--grid", "g.png", "--seed", "-1"], "The value '-1' is invalid for '--seed <seed>'"),
        (["train", "--data", "d", "--run", "r", "--seed", "-1"], "Seed of weights, noise and data order (0...2^64-1)."),
        // alter
        (["alter", clip, "--out", "x.mp4", "--crf", "99"], "--crf must be 0...51, got 99."),
        (["alter", clip, "--out", "x.mp4", "--feather", "nan"], "--feather must be above 0 and at most 1, got nan."),
        (["alter", clip, "--out", "x.mp4", "--iterations", "-1", "--iterations", "5"], "--iterations takes two counts 0...5000"),
        // detector build
        (["detector", "build", "--gan", "g", "--real", "r", "--fake", "f", "--out", "o", "--val-fraction", "nan"],
         "--val-fraction must be above 0 and below 1, got nan."),
        (["detector", "build", "--gan", "g", "--real", "r", "--fake", "f", "--out", "o", "--fpr", "inf"],
         "--fpr must be above 0 and below 1, got inf."),
        (["detector", "build", "--gan", "g", "--real", "r", "--fake", "f", "--out", "o", "--batch", "3"],
         "--batch must be even (half real, half fake), got 3."),
        (["detector", "build", "--gan", "g", "--real", "r", "--fake", "f", "--out", "o", "--lr", "-1"],
         "--lr must be 1e-08...1, got -1."),
        (["detector", "build", "--gan", "g", "--real", "r", "--fake", "f", "--out", "o", "--epochs", "-1"],
         "--epochs must be 0...100000, got -1."),
        (["detector", "build", "--gan", "g", "--real", "r", "--fake", "f", "--out", "o", "--video-share", "2"],
         "--video-share must be 0...1, got 2."),
    ]

    @Test(arguments: cases)
    func outOfRangeFlagIsAUsageErrorNamingItsRange(arguments: [String], message: String) throws {
        let out = try CLI.scratch("bounds" + arguments.joined())
        let result = try CLI.run(arguments, directory: out, timeout: 60)
        #expect(result.status == 64, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(!result.stderr.contains("Missing value"), "\(result.stderr)")
        #expect(CLI.files(in: out).isEmpty)
    }

    /// The highest --fps allowed is scored in bounded time (it used to be the infinite loop's trigger).
    @Test func highestFrameRateFinishes() throws {
        let out = try CLI.scratch()
        let result = try CLI.run(["frames", Self.clip, "--out", out.path, "--fps", "1000", "--max-side", "32"], timeout: 120)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(CLI.files(in: out).count == 60)
    }
}

import Foundation

/// Which frames of a video are sampled while every frame is decoded in order (the shot-change
/// detector needs them all): `deepfake score`, `deepfake faces`, and `FrameSampling`'s iterator
/// for `deepfake frames`, all through ``FrameSelector``, so each mode has one rule.
public enum ScoreSampling: Sendable, Equatable, CustomStringConvertible {
    /// `n` frames evenly spaced over the video (NumPy's `linspace(0, N - 1, n, dtype=int)`).
    case count(Int)
    /// Frames 0, n, 2n, …
    case every(Int)
    /// About `f` frames per second: the first frame, then the first frame at or after each
    /// multiple of `1 / f` seconds after it.
    case fps(Double)
    /// Every frame.
    case all

    /// The same selection as `sampling` (nil for `.timestamps`, which seeks instead).
    public init?(_ sampling: FrameSampling) {
        switch sampling {
        case .all: self = .all
        case .every(let n): self = .every(n)
        case .evenly(let count): self = .count(count)
        case .fps(let f): self = .fps(f)
        case .timestamps: return nil
        }
    }

    /// The field's default: 32 frames evenly spaced.
    public static let standard = ScoreSampling.count(32)

    /// `count:32`, `every:5`, `fps:2.0`, `all`: the form the report's settings record.
    public var description: String {
        switch self {
        case .count(let n): return "count:\(n)"
        case .every(let n): return "every:\(n)"
        case .fps(let f): return "fps:\(f)"
        case .all: return "all"
        }
    }
}

/// Decides frame by frame whether a decoded frame is sampled: the one implementation of each
/// sampling rule (`deepfake score`, `faces`, `alter`, `frames` and the detector's video crops).
public struct FrameSelector {
    private var indices: Set<Int>?
    private let every: Int?
    private let interval: Double?
    private var nextTime: Double?
    /// The last index an index-based selection wants, -1 when it wants none (nil: no such limit).
    public let lastWanted: Int?
    /// Frames that will be sampled, when known in advance.
    public let expected: Int?
    /// Whether the sampling promised the last frame (evenly spaced), which a header that
    /// overstates the frame count can make unreachable.
    public let wantsLastFrame: Bool

    /// - Parameter frameCount: the video's frame count (the header's, or counted), needed by `.count`.
    public init(_ sampling: ScoreSampling, frameCount: Int?) {
        switch sampling {
        case .count(let wanted):
            precondition(wanted >= 1, "sampling count:N needs N >= 1, got \(wanted)")
            indices = Set(Self.evenlySpaced(count: wanted, total: frameCount ?? 0))
            every = nil
            interval = nil
            expected = indices?.count
            wantsLastFrame = true
        case .every(let n):
            precondition(n >= 1, "sampling every:N needs N >= 1, got \(n)")
            every = n
            interval = nil
            expected = frameCount.map { ($0 + n - 1) / n }
            wantsLastFrame = false
        case .fps(let f):
            precondition(f > 0 && f.isFinite, "sampling fps:F needs a positive finite F, got \(f)")
            every = nil
            interval = 1 / f
            expected = nil
            wantsLastFrame = false
        case .all:
            every = 1
            interval = nil
            expected = frameCount
            wantsLastFrame = false
        }
        lastWanted = indices.map { $0.max() ?? -1 }
    }

    /// `floor(i * (total - 1) / (count - 1))` for i in 0..<count: NumPy's
    /// `linspace(0, total - 1, count, dtype=int)`; every frame when there are no more than `count`.
    public static func evenlySpaced(count: Int, total: Int) -> [Int] {
        guard total > 0, count > 0 else { return [] }
        if count >= total { return Array(0..<total) }
        if count == 1 { return [0] }
        return (0..<count).map { $0 * (total - 1) / (count - 1) }
    }

    /// Samples exactly the frames `indices` (the detector builder's chosen frames of a video).
    public init(indices: Set<Int>) {
        self.indices = indices
        every = nil
        interval = nil
        expected = indices.count
        wantsLastFrame = false
        lastWanted = indices.max() ?? -1
    }

    /// Whether every frame is sampled.
    public var takesEveryFrame: Bool { every == 1 }

    public mutating func take(index: Int, time: Double) -> Bool {
        if let indices { return indices.contains(index) }
        if let every { return index % every == 0 }
        if let interval {
            // Half a millisecond of slack absorbs timestamps rounded in the container.
            let due = nextTime ?? time
            guard time + 5e-4 >= due else { return false }
            var next = due + interval
            // A long way behind (a very high rate): jump near the frame's time, then step past it.
            let behind = ((time + 5e-4 - next) / interval).rounded(.down)
            if behind > 1000 { next += (behind - 1) * interval }
            while next <= time + 5e-4 { next += interval }
            nextTime = next
            return true
        }
        return true
    }
}

/// One frame of ``SampledFrameWalk``: every decoded frame has a preview; sampled ones have their
/// full-size image.
public struct WalkedFrame {
    public let index: Int
    public let time: Double
    /// A small copy (longer side at most ``SampledFrameWalk/previewSide``) for shot changes.
    public let preview: RGBImage
    /// The full-size frame when sampled, else nil.
    public let image: RGBImage?
    public var sampled: Bool { image != nil }
}

/// Decodes the frames of a video in order and hands each to a body, with the full-size image
/// only for the frames a ``FrameSelector`` samples (the rest as previews, which is all shot-change
/// detection needs). The walk `deepfake score` and `deepfake faces` share, so that both find the
/// same tracks.
///
/// Unsampled frames that no other frame is predicted from are not decoded at all
/// (``FrameIterator/skipFrames(unlessWanted:)``; `decodeAll` turns this off): on H.264 with
/// B-frames that is about half of them (174 of driving_d13's 352). The sampled frames are
/// bit-identical either way; shot changes are then seen between the frames decoded, so a cut is
/// reported at the first decoded frame of the new shot, at most a frame or two late.
///
/// Decoding runs ahead on its own thread, up to `lookahead` frames, so that it goes on while the
/// body scans a frame for faces: with libavcodec's frame threads alone, decoding stalls as soon
/// as the body stops asking for frames. The body runs on the calling thread, frame after frame
/// in order; a decode error reaches it after every frame decoded before the damage.
///
/// A header can promise more frames than decode (no_face.mp4: 98 vs 97); the last evenly spaced
/// index then never comes, and the last decoded frame stands in for it: it is handed to the body
/// a second time, sampled. (The last few frames the header promises are converted at full size for
/// this; the repeat's preview equals the frame before, so no cut is seen.)
public enum SampledFrameWalk {
    /// Frames decoded ahead of the body at most.
    public static let lookahead = 6
    /// Longer side of the previews each decoded frame gets (shot changes are found on them; the
    /// face finder's preview side is this).
    public static let previewSide = 320

    /// - Returns: the number of frames decoded, and the iterator (for its damaged-packet count).
    @discardableResult
    public static func run(
        _ reader: VideoReader, selector: inout FrameSelector, frameCount: Int?, decodeAll: Bool = false,
        _ body: (WalkedFrame) throws -> Void
    ) throws -> (framesRead: Int, iterator: FrameIterator) {
        let iterator = try reader.frames(.all)
        let tail = selector.wantsLastFrame ? (frameCount ?? Int.max) - 8 : Int.max
        if !decodeAll && !selector.takesEveryFrame {
            // A copy of the selector, asked about every frame in order, says which it will take.
            var probe = selector
            try iterator.skipFrames { index, time in probe.take(index: index, time: time) || index >= tail }
        }
        let queue = DecodedFrameQueue(capacity: lookahead)
        let decoder = DecodeAhead(iterator: iterator, selector: selector, tail: tail, queue: queue)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            decoder.run()
            done.signal()
        }
        thread.start()
        defer {
            queue.cancel()
            done.wait()
            selector = decoder.selector
        }
        var sampledCount = 0
        var last: (frame: FrameIterator.PreviewedFrame, sampled: Bool)?
        while let (frame, sampled) = try queue.pop() {
            if sampled { sampledCount += 1 }
            try body(WalkedFrame(index: frame.index, time: frame.time, preview: frame.preview, image: sampled ? frame.image : nil))
            last = (frame, sampled)
        }
        if let last, !last.sampled, let image = last.frame.image, selector.wantsLastFrame,
           let expected = selector.expected, sampledCount < expected {
            try body(WalkedFrame(index: last.frame.index, time: last.frame.time, preview: last.frame.preview, image: image))
        }
        return (iterator.framesPassed, iterator)
    }
}

/// The decoding side of ``SampledFrameWalk``: owns the iterator and the selector while it runs.
private final class DecodeAhead: @unchecked Sendable {
    private let iterator: FrameIterator
    private(set) var selector: FrameSelector
    private let tail: Int
    private let queue: DecodedFrameQueue

    init(iterator: FrameIterator, selector: FrameSelector, tail: Int, queue: DecodedFrameQueue) {
        self.iterator = iterator
        self.selector = selector
        self.tail = tail
        self.queue = queue
    }

    func run() {
        do {
            while true {
                var sampled = false
                guard let frame = try iterator.nextPreviewed(previewSide: SampledFrameWalk.previewSide, full: { index, time in
                    sampled = selector.take(index: index, time: time)
                    return sampled || index >= tail
                }) else { break }
                guard queue.push((frame, sampled)) else { return }
            }
            queue.finish(nil)
        } catch {
            queue.finish(error)
        }
    }
}

/// A bounded first-in first-out hand-over of decoded frames between two threads.
private final class DecodedFrameQueue: @unchecked Sendable {
    typealias Item = (frame: FrameIterator.PreviewedFrame, sampled: Bool)
    private let condition = NSCondition()
    private var items: [Item] = []
    private var head = 0
    private var finished = false
    private var failure: MediaError?
    private var cancelled = false
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Waits for room; false once the reader has gone (then the producer stops).
    func push(_ item: Item) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count - head >= capacity && !cancelled { condition.wait() }
        if cancelled { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// The end of the frames, with the error that ended them if any.
    func finish(_ error: MediaError?) {
        condition.lock()
        finished = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    /// The next frame; nil at the end; throws the decoder's error after the last good frame.
    func pop() throws(MediaError) -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while items.count == head && !finished { condition.wait() }
        if items.count > head {
            let item = items[head]
            head += 1
            if head >= 64 {
                items.removeFirst(head)
                head = 0
            }
            condition.broadcast()
            return item
        }
        if let failure { throw failure }
        return nil
    }

    /// The reader stops early: wake and stop the producer.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}

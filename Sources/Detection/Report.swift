import Foundation

/// The `deepfake score` report for one input (`schema: "deepfake-report/1"`, JSON Schema in
/// `schemas/deepfake-report-1.schema.json`).
///
/// Encoded with sorted keys; times are in seconds beside frame indices; boxes are pixels of the
/// upright frame as `x, y, width, height`; scores are rounded to 6 decimals so reports diff
/// cleanly. A report with an `error` has no summary score: a failure is never a default score.
public struct Report: Codable, Equatable, Sendable {
    public static let schemaName = "deepfake-report/1"

    public var schema = Report.schemaName
    public var tool: Tool
    public var model: Model
    public var input: Input
    public var settings: [String: String]
    public var summary: Summary?
    public var tracks: [Track]
    public var frames: [Frame]
    public var segments: [Aggregation.Segment]
    /// Seconds spent per stage: `hash` (the input's SHA-256), `decode` (demuxing, decoding and
    /// RGB conversion of every frame), `detect` (shot changes, cascade, tracking), `crop`, `score`
    /// (the detector's forward passes) and `total`.
    public var timings: [String: Double]
    public var warnings: [String]
    public var error: Failure?
    /// Present only on a report served from a results store (`deepfake score --store`) instead of
    /// being scored in this run; the report is otherwise the stored one, timings included.
    public var cached: Cached?

    public struct Tool: Codable, Equatable, Sendable {
        public var name: String
        public var version: String
        public init(name: String = "deepfake", version: String) {
            self.name = name
            self.version = version
        }
    }

    public struct Model: Codable, Equatable, Sendable {
        public var path: String
        public var sha256: String
        public var threshold: Double
        public var uncertainBand: Double
        public var temperature: Double
        /// False for a raw GAN discriminator used as a detector (its temperature and threshold
        /// were not fitted).
        public var calibrated: Bool?
        /// The crop convention's name, and the side of the crops the model takes.
        public var crop: String?
        public var imageSize: Int?
        public init(path: String, sha256: String, threshold: Double, uncertainBand: Double, temperature: Double,
                    calibrated: Bool? = nil, crop: String? = nil, imageSize: Int? = nil) {
            self.path = path
            self.sha256 = sha256
            self.threshold = threshold
            self.uncertainBand = uncertainBand
            self.temperature = temperature
            self.calibrated = calibrated
            self.crop = crop
            self.imageSize = imageSize
        }
    }

    public struct Input: Codable, Equatable, Sendable {
        public var path: String
        public var sha256: String?
        public var container: String?
        public var codec: String?
        public var width: Int?
        public var height: Int?
        public var fps: Double?
        public var duration: Double?
        public var frameCount: Int?
        public init(path: String, sha256: String? = nil, container: String? = nil, codec: String? = nil,
                    width: Int? = nil, height: Int? = nil, fps: Double? = nil, duration: Double? = nil,
                    frameCount: Int? = nil) {
            self.path = path
            self.sha256 = sha256
            self.container = container
            self.codec = codec
            self.width = width
            self.height = height
            self.fps = fps
            self.duration = duration
            self.frameCount = frameCount
        }
    }

    public struct Summary: Codable, Equatable, Sendable {
        /// The video's probability of fake; nil with the verdict `no-face`.
        public var score: Double?
        public var verdict: Aggregation.Verdict
        public var framesSampled: Int
        public var framesWithFaces: Int
        public var faces: Int
        public var tracks: Int
    }

    public struct Box: Codable, Equatable, Sendable {
        public var x: Double
        public var y: Double
        public var width: Double
        public var height: Double
        public init(x: Double, y: Double, width: Double, height: Double) {
            self.x = x
            self.y = y
            self.width = width
            self.height = height
        }
    }

    public struct Face: Codable, Equatable, Sendable {
        public var frame: Int
        public var time: Double
        public var box: Box
        public var score: Double
        /// The six keypoints `[x, y]` in frame pixels (right eye, left eye, nose tip, mouth centre,
        /// right and left ear tragion), when the face detector gives them (MediaPipe's).
        public var keypoints: [[Double]]?

        /// Rounds time, score and keypoints to the report's precision.
        public init(frame: Int, time: Double, box: Box, score: Double, keypoints: [SIMD2<Float>]? = nil) {
            self.frame = frame
            self.time = Report.round(time)
            self.box = box
            self.score = Report.round(score)
            self.keypoints = keypoints.map { $0.map { [(Double($0.x) * 100).rounded() / 100, (Double($0.y) * 100).rounded() / 100] } }
        }
    }

    public struct Track: Codable, Equatable, Sendable {
        public var id: Int
        public var score: Double
        public var verdict: Aggregation.Verdict
        public var faces: [Face]
    }

    public struct Frame: Codable, Equatable, Sendable {
        public var index: Int
        public var time: Double
        /// The maximum over the frame's faces; nil when it has none.
        public var score: Double?
        public var faces: Int
    }

    /// Where a report served from a results store came from.
    public struct Cached: Codable, Equatable, Sendable {
        /// The store's path, as the command was given it.
        public var store: String
        /// When the report was stored, ISO 8601 in UTC (`2026-12-04T18:30:05Z`).
        public var storedAt: String
        public init(store: String, storedAt: String) {
            self.store = store
            self.storedAt = storedAt
        }
    }

    public struct Failure: Codable, Equatable, Sendable {
        public var code: String
        public var message: String
        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }
    }

    public init(
        tool: Tool, model: Model, input: Input, settings: [String: String], summary: Summary?,
        tracks: [Track], frames: [Frame], segments: [Aggregation.Segment], timings: [String: Double],
        warnings: [String], error: Failure? = nil
    ) {
        self.tool = tool
        self.model = model
        self.input = input
        self.settings = settings
        self.summary = summary
        self.tracks = tracks
        self.frames = frames
        self.segments = segments
        self.timings = timings
        self.warnings = warnings
        self.error = error
    }

    /// Rounds a score or time to 6 decimals for the report.
    public static func round(_ value: Double) -> Double {
        (value * 1e6).rounded() / 1e6
    }

    /// The report as sorted-key JSON; `pretty` indents it.
    public func json(pretty: Bool = true) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .throw
        return try encoder.encode(self)
    }
}

extension Report {
    /// Builds the per-frame, per-track, summary and segment parts from scored faces.
    /// - Parameters:
    ///   - sampledFrames: every sampled frame, faces or not, in time order.
    ///   - faces: scored faces by track id.
    public static func assemble(
        sampledFrames: [(index: Int, time: Double)], faces: [Int: [Face]], aggregation: Aggregation
    ) -> (summary: Summary, tracks: [Track], frames: [Frame], segments: [Aggregation.Segment]) {
        var tracks: [Track] = []
        for id in faces.keys.sorted() {
            let list = faces[id]!.sorted { $0.frame < $1.frame }
            let score = round(Aggregation.trackScore(list.map(\.score)) ?? 0)
            tracks.append(Track(id: id, score: score, verdict: aggregation.verdict(for: score), faces: list))
        }
        var byFrame: [Int: [Face]] = [:]
        for face in faces.values.joined() { byFrame[face.frame, default: []].append(face) }
        let frames = sampledFrames.map { f in
            Frame(index: f.index, time: round(f.time), score: byFrame[f.index]?.map(\.score).max(), faces: byFrame[f.index]?.count ?? 0)
        }
        let videoScore = aggregation.videoScore(tracks: tracks.map { ($0.score, $0.faces.count) }).map(round)
        let summary = Summary(
            score: videoScore, verdict: aggregation.verdict(for: videoScore), framesSampled: frames.count,
            framesWithFaces: frames.filter { $0.faces > 0 }.count, faces: faces.values.map(\.count).reduce(0, +),
            tracks: tracks.count)
        let segments = aggregation.segments(frames: frames.map { ($0.index, $0.time, $0.score) })
        return (summary, tracks, frames, segments)
    }
}

import Foundation
import Media

/// The ground truth of an altered video or image (`OUT.truth.json`, `schema: "deepfake-truth/1"`,
/// JSON Schema in `schemas/deepfake-truth-1.schema.json`): which faces in which frames were
/// replaced, how, and from what. `deepfake evaluate detector` reads it for frame-level labels.
public struct TruthRecord: Codable, Equatable, Sendable {
    public static let schemaName = "deepfake-truth/1"

    public var schema = TruthRecord.schemaName
    public var source: FileFact
    public var output: FileFact
    public var generator: FileFact
    /// `replace` (a new identity per track) or `invert` (the original face re-synthesised).
    public var mode: String
    public var seed: UInt64
    /// How the output was encoded, e.g. `codec: libx264, crf: 18, preset: veryfast`.
    public var encoder: [String: String]
    public var frameCount: Int
    /// Every frame with at least one altered face, in order.
    public var frames: [Frame]

    public struct FileFact: Codable, Equatable, Sendable {
        public var path: String
        public var sha256: String
        public init(path: String, sha256: String) {
            self.path = path
            self.sha256 = sha256
        }
    }

    public struct Frame: Codable, Equatable, Sendable {
        public var index: Int
        public var time: Double
        public var faces: [Face]
        public init(index: Int, time: Double, faces: [Face]) {
            self.index = index
            self.time = time
            self.faces = faces
        }
    }

    public struct Face: Codable, Equatable, Sendable {
        public var track: Int
        /// The face box that was replaced, `x, y, width, height` in upright-frame pixels.
        public var box: [Double]
        /// The extent of the blending mask's nonzero pixels, `x, y, width, height`.
        public var mask: [Int]
        public init(track: Int, box: [Double], mask: [Int]) {
            self.track = track
            self.box = box
            self.mask = mask
        }
    }

    public init(
        source: FileFact, output: FileFact, generator: FileFact, mode: String, seed: UInt64,
        encoder: [String: String], frameCount: Int, frames: [Frame]
    ) {
        self.source = source
        self.output = output
        self.generator = generator
        self.mode = mode
        self.seed = seed
        self.encoder = encoder
        self.frameCount = frameCount
        self.frames = frames
    }

    /// The truth file that belongs to an output: `OUT.truth.json`.
    public static func path(for output: String) -> String { output + ".truth.json" }

    /// Whether frame `index` has an altered face.
    public func isAltered(frame index: Int) -> Bool {
        frames.contains { $0.index == index && !$0.faces.isEmpty }
    }

    /// Writes the record as sorted-key JSON, atomically.
    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let file = AtomicFile(destination: path)
        do {
            try encoder.encode(self).write(to: URL(fileURLWithPath: file.temporary))
            try file.commit()
        } catch {
            file.discard()
            throw error
        }
    }

    /// Reads a truth file.
    /// - Throws: `DatasetError.badIndex` naming the file when it is not a `deepfake-truth/1` record.
    public static func read(_ path: String) throws(DatasetError) -> TruthRecord {
        try DatasetError.requireNotSpecial(path, what: "truth file")
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DatasetError(.notFound, path: path, "cannot read the truth file. Check the path")
        }
        do {
            let record = try JSONDecoder().decode(TruthRecord.self, from: data)
            guard record.schema == schemaName else {
                throw DatasetError(
                    .badIndex, path: path, "schema '\(record.schema)' is not \(schemaName); re-create it with deepfake alter")
            }
            return record
        } catch let error as DatasetError {
            throw error
        } catch {
            throw DatasetError(.badIndex, path: path, "not a valid truth record (\(error)). Re-create it with deepfake alter")
        }
    }
}

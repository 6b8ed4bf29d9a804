import Faces
import Foundation
import Media

/// One line of `faces.jsonl` (schema `deepfake-faces/2`, schemas/faces-2.schema.json).
struct FacesIndexRow: Codable, Equatable {
    struct Box: Codable, Equatable {
        var x: Double, y: Double, width: Double, height: Double
    }
    struct Region: Codable, Equatable {
        var x: Int, y: Int, side: Int
    }
    static let schemaName = "deepfake-faces/2"

    var schema = FacesIndexRow.schemaName
    /// The input file the frame came from, as given on the command line.
    var source: String
    var frame: Int
    /// Presentation time in seconds.
    var time: Double
    var track: Int
    /// The face box in pixels of the upright frame.
    var box: Box
    var neighbors: Int
    /// `detected`, `interpolated` or `held`.
    var origin: String
    var frameWidth: Int
    var frameHeight: Int
    /// The PNG, relative to the output folder.
    var crop: String
    var cropSize: Int
    /// The square cut from the frame (may extend past it; edge pixels repeat there).
    var cropRegion: Region
    var convention: CropConvention
    /// `mediapipe`, `mediapipe-short` or `haar`.
    var detector: String
    /// The six keypoints `[x, y]`; nil (written as null) for the cascade.
    var keypoints: [[Double]]?
    /// The 468 landmarks `[x, y, z]`, with `--landmarks`.
    var landmarks: [[Double]]?
    var presence: Double?
    var detectorScore: Double?

    enum CodingKeys: String, CodingKey {
        case schema, source, frame, time, track, box, neighbors, origin, frameWidth, frameHeight, crop, cropSize, cropRegion,
             convention, detector, keypoints, landmarks, presence, detectorScore
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schema, forKey: .schema)
        try c.encode(source, forKey: .source)
        try c.encode(frame, forKey: .frame)
        try c.encode(time, forKey: .time)
        try c.encode(track, forKey: .track)
        try c.encode(box, forKey: .box)
        try c.encode(neighbors, forKey: .neighbors)
        try c.encode(origin, forKey: .origin)
        try c.encode(frameWidth, forKey: .frameWidth)
        try c.encode(frameHeight, forKey: .frameHeight)
        try c.encode(crop, forKey: .crop)
        try c.encode(cropSize, forKey: .cropSize)
        try c.encode(cropRegion, forKey: .cropRegion)
        try c.encode(convention, forKey: .convention)
        try c.encode(detector, forKey: .detector)
        // Present in every row (null for the cascade); landmarks only when asked for.
        try c.encode(keypoints, forKey: .keypoints)
        try c.encodeIfPresent(landmarks, forKey: .landmarks)
        try c.encode(presence, forKey: .presence)
        try c.encode(detectorScore, forKey: .detectorScore)
    }
}

/// Writes crops and `faces.jsonl`. The index goes to a temporary file and is renamed into place
/// by `commit()`; every PNG is written atomically by `ImageFile.writePNG`.
final class FacesIndexWriter {
    let folder: String
    let convention: CropConvention
    let size: Int
    let indexPath: String
    /// The detector's name, written in every row.
    let detector: String
    /// Write the 468 landmarks too.
    let landmarks: Bool
    private let file: AtomicFile
    private let handle: FileHandle
    private var folderOfSource: [String: String] = [:]
    private var usedFolders: Set<String> = []
    private let encoder: JSONEncoder
    /// The command's inputs: no crop may replace one.
    private let outputs: OutputGuard

    /// `faces.jsonl` in `folder`.
    static func indexPath(in folder: String) -> String { (folder as NSString).appendingPathComponent("faces.jsonl") }

    init(folder: String, convention: CropConvention, size: Int, detector: String, landmarks: Bool, outputs: OutputGuard) throws {
        self.folder = folder
        self.outputs = outputs
        self.detector = detector
        self.landmarks = landmarks
        self.convention = convention
        self.size = size
        indexPath = Self.indexPath(in: folder)
        file = AtomicFile(destination: indexPath)
        guard FileManager.default.createFile(atPath: file.temporary, contents: nil),
            let handle = FileHandle(forWritingAtPath: file.temporary)
        else {
            throw CleanError("cannot create '\(file.temporary)'. Check that the output folder '\(folder)' is writable.")
        }
        self.handle = handle
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    }

    /// How the face stream cuts the crops this writer stores.
    var cropSpec: FaceCropSpec { .box(convention, size: size) }

    /// Writes the crops of one tracked frame (cut by ``cropSpec``) and their index rows; returns how many.
    func write(_ frame: TrackedFrame, source: String) throws -> Int {
        guard !frame.faces.isEmpty else { return 0 }
        let sub = cropFolder(for: source)
        let dir = (folder as NSString).appendingPathComponent(sub)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let image = frame.image
        for (tracked, crop) in zip(frame.faces, frame.crops) {
            let name = String(format: "f%06d_t%03d.png", frame.index, tracked.trackID)
            guard let crop else { preconditionFailure("box crops are always cut") }
            let path = (dir as NSString).appendingPathComponent(name)
            try outputs.check(path, as: "a face crop")
            try ImageFile.writePNG(crop, to: path)
            let region = FaceCrop.region(for: tracked.box, convention: convention)
            func r(_ v: Double, _ places: Double = 100) -> Double { (v * places).rounded() / places }
            let row = FacesIndexRow(
                source: source, frame: frame.index, time: r(frame.time, 1_000_000), track: tracked.trackID,
                box: .init(x: r(tracked.box.x), y: r(tracked.box.y), width: r(tracked.box.width), height: r(tracked.box.height)),
                neighbors: tracked.neighbors, origin: tracked.origin.rawValue,
                frameWidth: image.width, frameHeight: image.height,
                crop: sub + "/" + name, cropSize: size,
                cropRegion: .init(x: region.x, y: region.y, side: region.side), convention: convention,
                detector: detector,
                keypoints: tracked.shape.map { $0.keypoints.map { [r(Double($0.x)), r(Double($0.y))] } },
                landmarks: landmarks ? tracked.shape.flatMap { $0.landmarks.isEmpty ? nil : $0.landmarks.map { [r(Double($0.x)), r(Double($0.y)), r(Double($0.z))] } } : nil,
                presence: tracked.origin == .detected ? tracked.shape?.presence.map { r(Double($0), 10_000) } : nil,
                detectorScore: tracked.origin == .detected ? tracked.shape?.detectionScore.map { r(Double($0), 10_000) } : nil)
            var line = try encoder.encode(row)
            line.append(0x0A)
            handle.write(line)
        }
        return frame.faces.count
    }

    /// Renames the finished index into place.
    func commit() throws {
        try handle.synchronize()
        try handle.close()
        try file.commit()
    }

    /// Removes the unfinished index.
    func discard() {
        try? handle.close()
        file.discard()
    }

    private func cropFolder(for source: String) -> String {
        if let known = folderOfSource[source] { return known }
        let stem = URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent
        var name = "crops/" + stem
        var n = 2
        while usedFolders.contains(name) {
            name = "crops/\(stem)-\(n)"
            n += 1
        }
        usedFolders.insert(name)
        folderOfSource[source] = name
        return name
    }
}

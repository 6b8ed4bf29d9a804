import Faces
import Foundation
import Media

/// One line of `faces.jsonl` (schema `deepfake-faces/1`, schemas/faces-1.schema.json).
struct FacesIndexRow: Codable, Equatable {
    struct Box: Codable, Equatable {
        var x: Double, y: Double, width: Double, height: Double
    }
    struct Region: Codable, Equatable {
        var x: Int, y: Int, side: Int
    }
    static let schemaName = "deepfake-faces/1"

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
}

/// Writes crops and `faces.jsonl`. The index goes to a temporary file and is renamed into place
/// by `commit()`; every PNG is written atomically by `ImageFile.writePNG`.
final class FacesIndexWriter {
    let folder: String
    let convention: CropConvention
    let size: Int
    let indexPath: String
    private let file: AtomicFile
    private let handle: FileHandle
    private var folderOfSource: [String: String] = [:]
    private var usedFolders: Set<String> = []
    private let encoder: JSONEncoder

    init(folder: String, convention: CropConvention, size: Int) throws {
        self.folder = folder
        self.convention = convention
        self.size = size
        indexPath = (folder as NSString).appendingPathComponent("faces.jsonl")
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

    /// Writes the crops of one finished frame and their index rows; returns how many.
    func write(_ frame: FaceTracker.FinishedFrame, image: RGBImage, source: String) throws -> Int {
        guard !frame.boxes.isEmpty else { return 0 }
        let sub = cropFolder(for: source)
        let dir = (folder as NSString).appendingPathComponent(sub)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for tracked in frame.boxes {
            let name = String(format: "f%06d_t%03d.png", frame.frameIndex, tracked.trackID)
            let crop = FaceCrop.crop(image, box: tracked.box, convention: convention, size: size)
            try ImageFile.writePNG(crop, to: (dir as NSString).appendingPathComponent(name))
            let region = FaceCrop.region(for: tracked.box, convention: convention)
            func r(_ v: Double, _ places: Double = 100) -> Double { (v * places).rounded() / places }
            let row = FacesIndexRow(
                source: source, frame: frame.frameIndex, time: r(frame.time, 1_000_000), track: tracked.trackID,
                box: .init(x: r(tracked.box.x), y: r(tracked.box.y), width: r(tracked.box.width), height: r(tracked.box.height)),
                neighbors: tracked.neighbors, origin: tracked.origin.rawValue,
                frameWidth: image.width, frameHeight: image.height,
                crop: sub + "/" + name, cropSize: size,
                cropRegion: .init(x: region.x, y: region.y, side: region.side), convention: convention)
            var line = try encoder.encode(row)
            line.append(0x0A)
            handle.write(line)
        }
        return frame.boxes.count
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

import Foundation
import Media

/// Square RGB face images of one size, in memory as bytes (`count × size × size × 3`), with
/// optional integer class labels. The training and detector data of the workbench.
///
/// Loading decodes and resizes each image once, then keeps the result in a cache file keyed by a
/// SHA-256 of every source file's name and bytes plus the settings, so later runs start at once
/// and a changed file is never served stale.
public struct FaceImageSet: Sendable {
    /// Side length in pixels.
    public let size: Int
    /// `count * size * size * 3` bytes, image after image, rows top to bottom, `R G B`.
    public var pixels: [UInt8]
    /// One label per image, or nil for an unconditional set.
    public var labels: [Int]?
    /// Where each image came from (the file name relative to its folder).
    public var sources: [String]
    /// Files that could not be decoded and were left out, with the reason.
    public var skipped: [Skipped]
    /// The cache key: SHA-256 over the settings and every source file's name and bytes.
    public var contentHash: String

    public struct Skipped: Sendable, Codable, Equatable {
        public var source: String
        public var reason: String
    }

    public var count: Int { sources.count }

    public init(size: Int, pixels: [UInt8], labels: [Int]?, sources: [String], skipped: [Skipped] = [], contentHash: String = "") {
        precondition(pixels.count == sources.count * size * size * 3, "FaceImageSet: pixel count does not match")
        precondition(labels == nil || labels!.count == sources.count, "FaceImageSet: one label per image")
        self.size = size
        self.pixels = pixels
        self.labels = labels
        self.sources = sources
        self.skipped = skipped
        self.contentHash = contentHash
    }

    /// Image `index` as an `RGBImage`.
    public func image(at index: Int) -> RGBImage {
        let bytes = size * size * 3
        return RGBImage(width: size, height: size, pixels: Array(pixels[index * bytes..<(index + 1) * bytes]))
    }

    /// A subset, in the order given.
    public func subset(_ indices: [Int]) -> FaceImageSet {
        let bytes = size * size * 3
        var out = [UInt8]()
        out.reserveCapacity(indices.count * bytes)
        for i in indices { out.append(contentsOf: pixels[i * bytes..<(i + 1) * bytes]) }
        return FaceImageSet(
            size: size, pixels: out, labels: labels.map { l in indices.map { l[$0] } },
            sources: indices.map { sources[$0] }, skipped: skipped, contentHash: contentHash)
    }
}

/// How to select and label the images of a folder.
public struct FolderSelection: Sendable, Equatable {
    /// A CSV index with a `file` column naming images in the folder.
    public var indexCSV: String?
    /// Keep only rows whose `split` column equals this (e.g. `train`, `holdout`).
    public var split: String?
    /// Integer class labels from this column of the index.
    public var labelColumn: String?

    public init(indexCSV: String? = nil, split: String? = nil, labelColumn: String? = nil) {
        self.indexCSV = indexCSV
        self.split = split
        self.labelColumn = labelColumn
    }
}

extension FaceImageSet {
    /// The image file extensions read from folders.
    public static let imageExtensions: Set<String> = ["png", "jpg", "jpeg"]

    /// Loads every PNG and JPEG in `folder` (not recursing), centre-cropped to a square and resized
    /// to `size` (area averaging when shrinking, bilinear when enlarging).
    /// - Parameters:
    ///   - selection: an optional index CSV to choose a split and read labels from.
    ///   - cacheFolder: where the decoded set is cached; nil disables the cache.
    ///   - maxUnreadableShare: images that fail to decode are skipped and listed in `skipped`; more
    ///     than this share of them fails the load.
    /// - Throws: `DatasetError` when the folder is missing or empty, the index is malformed, or too
    ///   many images are unreadable.
    public static func load(
        folder: String, size: Int, selection: FolderSelection = .init(), cacheFolder: String?,
        maxUnreadableShare: Double = 0.05
    ) throws(DatasetError) -> FaceImageSet {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DatasetError(.notFound, path: folder, "no such folder. Pass a folder of PNG or JPEG images")
        }
        let listing = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        var names = listing.filter { imageExtensions.contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
        for name in names { try DatasetError.requireNotSpecial((folder as NSString).appendingPathComponent(name), what: "image") }
        var labels: [Int]?
        if let csv = selection.indexCSV {
            (names, labels) = try select(names, csv: csv, selection: selection)
        }
        guard !names.isEmpty else {
            throw DatasetError(
                .empty, path: folder,
                selection.split == nil
                    ? "the folder holds no PNG or JPEG images. Check the path"
                    : "no images of split '\(selection.split!)' in the folder. Check the index and the split name")
        }
        let key = hashKey(folder: folder, names: names, size: size, selection: selection)
        let cache = cacheFolder.map { ($0 as NSString).appendingPathComponent("faces-\(size)px-\(key.prefix(24)).cache") }
        if let cache, let cached = try? readCache(cache), cached.contentHash == key {
            return cached
        }
        var set = decode(folder: folder, names: names, labels: labels, size: size)
        set.contentHash = key
        if set.skipped.count > 0 && Double(set.skipped.count) > maxUnreadableShare * Double(names.count) {
            let examples = set.skipped.prefix(3).map { "\($0.source) (\($0.reason))" }.joined(separator: "; ")
            throw DatasetError(
                .tooManyUnreadable, path: folder,
                "\(set.skipped.count) of \(names.count) images could not be read, more than "
                    + "\(Int(maxUnreadableShare * 100))%: \(examples). Remove or re-save the broken files")
        }
        guard set.count > 0 else {
            throw DatasetError(.empty, path: folder, "none of the \(names.count) images could be read")
        }
        if let cache {
            try writeCache(set, to: cache)
        }
        return set
    }

    /// Keeps the names listed in the index (and in the split), and reads their labels.
    private static func select(
        _ names: [String], csv: String, selection: FolderSelection
    ) throws(DatasetError) -> ([String], [Int]?) {
        let table = try CSVTable(path: csv)
        let fileColumn = try table.column("file")
        let splitColumn = try selection.split.map { _ throws(DatasetError) in try table.column("split") }
        let labelColumn = try selection.labelColumn.map { name throws(DatasetError) in try table.column(name) }
        var rowsByName: [String: [String]] = [:]
        for row in table.rows { rowsByName[row[fileColumn]] = row }
        var kept: [String] = []
        var labels: [Int] = []
        for name in names {
            guard let row = rowsByName[name] else { continue }
            if let splitColumn, row[splitColumn] != selection.split { continue }
            if let labelColumn {
                guard let label = Int(row[labelColumn]) else {
                    throw DatasetError(
                        .badIndex, path: csv,
                        "label '\(row[labelColumn])' of \(name) in column '\(selection.labelColumn!)' is not an integer")
                }
                labels.append(label)
            }
            kept.append(name)
        }
        return (kept, labelColumn == nil ? nil : labels)
    }

    private static func hashKey(folder: String, names: [String], size: Int, selection: FolderSelection) -> String {
        var hasher = SHA256()
        hasher.update("deepfake-faces-cache/1 size=\(size) split=\(selection.split ?? "-") label=\(selection.labelColumn ?? "-")\n")
        for name in names {
            hasher.update("\(name)\n")
            if let data = FileManager.default.contents(atPath: (folder as NSString).appendingPathComponent(name)) {
                hasher.update("\(data.count)\n")
                hasher.update(data)
            }
        }
        if let csv = selection.indexCSV, let data = FileManager.default.contents(atPath: csv) {
            hasher.update(data)
        }
        return hasher.finalize()
    }

    /// Decodes and resizes on every core.
    private static func decode(folder: String, names: [String], labels: [Int]?, size: Int) -> FaceImageSet {
        let bytes = size * size * 3
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
        let results = ResultSlots(count: names.count)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for i in stride(from: worker, to: names.count, by: workers) {
                let path = (folder as NSString).appendingPathComponent(names[i])
                do throws(MediaError) {
                    let image = try ImageFile.read(path)
                    let square = image.width == image.height ? image : image.centerSquare()
                    results.set(i, .success(square.resized(width: size, height: size).pixels))
                } catch {
                    results.set(i, .failure(error))
                }
            }
        }
        var pixels = [UInt8]()
        pixels.reserveCapacity(names.count * bytes)
        var sources: [String] = []
        var kept: [Int] = []
        var skipped: [Skipped] = []
        for (i, result) in results.values.enumerated() {
            switch result {
            case .success(let bytes):
                pixels.append(contentsOf: bytes)
                sources.append(names[i])
                kept.append(i)
            case .failure(let error):
                skipped.append(Skipped(source: names[i], reason: error.reason))
            case nil:
                break
            }
        }
        return FaceImageSet(
            size: size, pixels: pixels, labels: labels.map { l in kept.map { l[$0] } }, sources: sources,
            skipped: skipped)
    }
}

/// Per-index result slots filled from several threads (each index by exactly one thread).
private final class ResultSlots: @unchecked Sendable {
    private(set) var values: [Result<[UInt8], MediaError>?]
    private let lock = NSLock()

    init(count: Int) {
        values = Array(repeating: nil, count: count)
    }

    func set(_ index: Int, _ value: Result<[UInt8], MediaError>) {
        lock.lock()
        values[index] = value
        lock.unlock()
    }
}

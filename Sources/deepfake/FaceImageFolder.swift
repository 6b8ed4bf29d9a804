import Foundation
import GAN
import Media
import NN

/// Training images from folders of PNG/JPEG files, centre-cropped and resized, optionally filtered
/// by a split column and labelled from a column of an index CSV.
///
/// Interim data layer of `deepfake train`: the `Datasets` module (dataset cache, videos,
/// `faces.jsonl`, background prefetch) replaces it when it lands.
struct FaceImageFolder {
    /// Side of every image.
    let size: Int
    /// `count × size × size × 3` bytes.
    var pixels: [UInt8]
    /// Class index per image (conditional training), else `nil`.
    var labels: [Int]?
    /// The label values in class order (class k is `classNames[k]`).
    var classNames: [String]
    /// Files that could not be read, with the reason.
    var skipped: [(path: String, reason: String)]

    var count: Int { pixels.count / (size * size * 3) }

    /// Unreadable images beyond this fraction stop the run.
    static let maximumCorruptFraction = 0.1

    /// Loads the images.
    /// - Parameters:
    ///   - folders: folders of images (non-recursive), read in name order.
    ///   - index: a CSV with a `file` column naming images in the folders (e.g. UTKFace's
    ///     index.csv), used for `split` and `labelColumn`.
    ///   - split: keep only rows whose `split` column equals this.
    ///   - labelColumn: the column holding class labels.
    ///   - limit: read at most this many images (quick runs).
    static func load(folders: [String], size: Int, index: String?, split: String?, labelColumn: String?,
                     limit: Int? = nil) throws -> FaceImageFolder {
        var files: [String] = []
        for folder in folders {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw CleanError("Training data '\(folder)' is not a folder. Pass a folder of PNG or JPEG images with --data.")
            }
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
                .filter { ["png", "jpg", "jpeg"].contains(($0 as NSString).pathExtension.lowercased()) }
            files += names.map { (folder as NSString).appendingPathComponent($0) }
        }
        guard !files.isEmpty else {
            throw CleanError("No PNG or JPEG images in \(folders.joined(separator: ", ")). Check the --data folder.")
        }
        var labelByName: [String: String] = [:]
        if let index {
            let rows = try CSVTable.read(index)
            guard let fileColumn = rows.column("file") else {
                throw CleanError("Index '\(index)' has no 'file' column; it must name each image file.")
            }
            let splitColumn = split == nil ? nil : rows.column("split")
            if split != nil && splitColumn == nil {
                throw CleanError("Index '\(index)' has no 'split' column, so --split cannot select images.")
            }
            let labelIndex = labelColumn == nil ? nil : rows.column(labelColumn!)
            if let labelColumn, labelIndex == nil {
                throw CleanError("Index '\(index)' has no column '\(labelColumn)'. Columns: \(rows.header.joined(separator: ", ")).")
            }
            var keep = Set<String>()
            for row in rows.rows where row.count == rows.header.count {
                if let splitColumn, row[splitColumn] != split { continue }
                keep.insert(row[fileColumn])
                if let labelIndex { labelByName[row[fileColumn]] = row[labelIndex] }
            }
            files = files.filter { keep.contains(($0 as NSString).lastPathComponent) }
            guard !files.isEmpty else {
                throw CleanError("No image in \(folders.joined(separator: ", ")) is listed in '\(index)'"
                                 + (split.map { " with split '\($0)'" } ?? "") + ".")
            }
        } else if labelColumn != nil {
            throw CleanError("--label-column needs --labels CSV (or --index CSV) naming each image's class.")
        }
        if let limit { files = Array(files.prefix(limit)) }

        var pixels: [UInt8] = []
        pixels.reserveCapacity(files.count * size * size * 3)
        var labelValues: [String] = []
        var skipped: [(String, String)] = []
        for file in files {
            do {
                let image = try ImageFile.read(file)
                pixels += ImageTensors.square(image, size: size)
                if labelColumn != nil { labelValues.append(labelByName[(file as NSString).lastPathComponent] ?? "") }
            } catch {
                skipped.append((file, "\(error)"))
            }
        }
        if Double(skipped.count) > maximumCorruptFraction * Double(files.count) || skipped.count == files.count {
            throw CleanError("\(skipped.count) of \(files.count) images could not be read (more than "
                             + "\(Int(maximumCorruptFraction * 100))%), e.g. \(skipped[0].0): \(skipped[0].1). "
                             + "Check the data folder.")
        }
        var labels: [Int]? = nil
        var classNames: [String] = []
        if labelColumn != nil {
            classNames = Array(Set(labelValues)).sorted { (Int($0) ?? Int.max, $0) < (Int($1) ?? Int.max, $1) }
            let classIndex = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($1, $0) })
            labels = labelValues.map { classIndex[$0]! }
        }
        return FaceImageFolder(size: size, pixels: pixels, labels: labels, classNames: classNames, skipped: skipped)
    }

    /// The first `count` images as a tensor `[n, C, S, S]`.
    func tensor(first count: Int, channels: Int, offset: Int = 0) -> Tensor {
        let n = min(count, self.count - offset)
        return ImageTensors.tensor(pixels: pixels, indices: Array(offset..<(offset + n)), size: size, channels: channels)
    }
}

/// A small CSV reader for index files: a header row, comma-separated fields, no quoting.
struct CSVTable {
    var header: [String]
    var rows: [[String]]

    static func read(_ path: String) throws -> CSVTable {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CleanError("Cannot read the CSV '\(path)'. Check the path.")
        }
        let lines = text.split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard let header = lines.first else { throw CleanError("The CSV '\(path)' is empty.") }
        return CSVTable(header: header, rows: Array(lines.dropFirst()))
    }

    func column(_ name: String) -> Int? { header.firstIndex(of: name) }
}

/// Batches from a `FaceImageFolder`: a seeded shuffle per epoch, random horizontal flips, the
/// last partial batch dropped.
final class FolderBatchSource: RealBatchSource {
    let data: FaceImageFolder
    let batchSize: Int
    let channels: Int
    let seed: UInt64
    let flip: Bool
    private(set) var position: DataPosition
    private var order: [Int] = []
    private var orderEpoch = -1
    /// Indices batch after batch over the whole run, replacing the shuffle (benchmarks).
    private let fixedOrder: [Int]?

    init(data: FaceImageFolder, batchSize: Int, channels: Int, seed: UInt64, flip: Bool, position: DataPosition,
         fixedOrder: [Int]? = nil) {
        self.fixedOrder = fixedOrder
        self.data = data
        self.batchSize = batchSize
        self.channels = channels
        self.seed = seed
        self.flip = flip
        self.position = position
    }

    var batchesPerEpoch: Int { max(1, data.count / batchSize) }

    func nextBatch() -> RealBatch {
        if orderEpoch != position.epoch {
            var random = SeededGenerator(seed: seed &+ UInt64(position.epoch) &* 0x9E37_79B9_7F4A_7C15)
            order = Array(0..<data.count).shuffled(using: &random)
            orderEpoch = position.epoch
        }
        let start = position.step * batchSize
        var indices = (start..<(start + batchSize)).map { order[$0 % order.count] }
        if let fixedOrder {
            let offset = (position.epoch * batchesPerEpoch + position.step) * batchSize
            indices = (offset..<(offset + batchSize)).map { fixedOrder[$0 % fixedOrder.count] }
        }
        // Flips depend only on (epoch, step), so a resumed run flips the same images.
        var random = SeededGenerator(seed: seed ^ (UInt64(position.epoch) << 32 | UInt64(position.step)))
        let flips = (0..<batchSize).map { _ in flip && random.next() & 1 == 1 }
        let images = ImageTensors.tensor(pixels: data.pixels, indices: indices, size: data.size, channels: channels,
                                         flip: flips)
        position.step += 1
        if position.step >= batchesPerEpoch { position = DataPosition(epoch: position.epoch + 1, step: 0) }
        return RealBatch(images: images, labels: data.labels.map { labels in indices.map { labels[$0] } })
    }
}

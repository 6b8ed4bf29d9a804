import Foundation
import Media

/// The dataset cache file: `DFFACES1`, a little-endian UInt64 header length, a JSON header
/// (size, sources, labels, skipped, content hash), then the pixel bytes.
extension FaceImageSet {
    private static let magic = Data("DFFACES1".utf8)

    private struct Header: Codable {
        var size: Int
        var sources: [String]
        var labels: [Int]?
        var skipped: [Skipped]
        var contentHash: String
    }

    static func readCache(_ path: String) throws -> FaceImageSet? {
        guard let data = FileManager.default.contents(atPath: path), data.count > 16,
              data.prefix(8) == magic
        else { return nil }
        let length = data[8..<16].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        guard length > 0, 16 + length <= data.count else { return nil }
        let header = try JSONDecoder().decode(Header.self, from: data[16..<(16 + length)])
        let pixels = [UInt8](data[(16 + length)...])
        guard pixels.count == header.sources.count * header.size * header.size * 3 else { return nil }
        return FaceImageSet(
            size: header.size, pixels: pixels, labels: header.labels, sources: header.sources,
            skipped: header.skipped, contentHash: header.contentHash)
    }

    static func writeCache(_ set: FaceImageSet, to path: String) throws(DatasetError) {
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let header = try JSONEncoder().encode(
                Header(size: set.size, sources: set.sources, labels: set.labels, skipped: set.skipped,
                       contentHash: set.contentHash))
            var data = magic
            var length = UInt64(header.count).littleEndian
            withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
            data.append(header)
            data.append(contentsOf: set.pixels)
            let file = AtomicFile(destination: path)
            try data.write(to: URL(fileURLWithPath: file.temporary))
            try file.commit()
        } catch {
            throw DatasetError(
                .cacheFailed, path: path,
                "could not write the dataset cache: \(error). Check free space, or pass another --cache folder")
        }
    }

    /// The default cache folder: `$DEEPFAKE_CACHE`, else `$XDG_CACHE_HOME/deepfake`, else
    /// `~/.cache/deepfake`.
    public static var defaultCacheFolder: String {
        let environment = ProcessInfo.processInfo.environment
        if let folder = environment["DEEPFAKE_CACHE"] { return folder }
        let base = environment["XDG_CACHE_HOME"] ?? (NSHomeDirectory() as NSString).appendingPathComponent(".cache")
        return (base as NSString).appendingPathComponent("deepfake/datasets")
    }
}

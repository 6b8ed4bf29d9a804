import Faces
import Foundation
import Media
import NN

/// FaceMesh's landmarks on face chips (UTKFace's "aligned & cropped" faces), the real faces
/// self-blended pairs are made from.
///
/// A chip is mostly face, too tight for BlazeFace to find it as it is, so each chip is prepared
/// the way the crop conventions were fitted (`faces-bench fit-crop`, `fit-aligned`): enlarged to
/// ``upscaledSide`` and padded by half that on every side with replicated edges. The largest face
/// centred inside the chip is kept and its landmarks are mapped back into chip pixels. On UTKFace's
/// 64-pixel holdout chips this found a face on 2,341 of 2,342.
///
/// Finding them takes a few milliseconds a chip, so they are cached: a safetensors file holding
/// `landmarks` `[N, 468, 3]` (chip pixels; zeros where no face was found) and `found` `[N]`,
/// named by a hash of the folder, the file list, the preparation and the face models' hashes.
public enum ChipLandmarks {
    /// The side a chip is enlarged to before padding (FaceMesh's own input side).
    public static let upscaledSide = 192
    /// Padding on each side, in enlarged chip sides.
    public static let padding = 0.5

    /// The landmarks of the face in `chip`, in chip pixels, or nil when none is found.
    public static func find(in chip: RGBImage, detector: MeshFaceDetector) -> [SIMD3<Float>]? {
        guard chip.width > 0, chip.height > 0 else { return nil }
        let side = upscaledSide, pad = Int(Double(side) * padding)
        let frame = chip.resized(width: side, height: side).cropped(x: -pad, y: -pad, width: side + 2 * pad, height: side + 2 * pad)
        let centre = Double(pad) + Double(side) / 2
        let inside = detector.detect(in: frame).filter {
            abs($0.box.centerX - centre) < Double(side) / 2 && abs($0.box.centerY - centre) < Double(side) / 2
        }
        guard let face = inside.max(by: { $0.box.area < $1.box.area }),
              let landmarks = face.shape?.landmarks, landmarks.count == FaceMeshGeometry.landmarkCount
        else { return nil }
        let sx = Float(chip.width) / Float(side), sy = Float(chip.height) / Float(side)
        return landmarks.map { SIMD3(($0.x - Float(pad)) * sx, ($0.y - Float(pad)) * sy, $0.z * sx) }
    }

    /// The landmarks of `files` in `folder` (nil where no face was found), read from the cache in
    /// `cacheFolder` when it holds them, else found and written there.
    /// - Parameter progress: called after each chip found (done, total).
    /// - Throws: `MediaError` for an unreadable chip, `CheckpointError` for an unwritable cache.
    public static func load(
        files: [String], folder: String, detector: MeshFaceDetector, modelHashes: [String], cacheFolder: URL?,
        progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> [[SIMD3<Float>]?] {
        let key = SHA256.hash(Data(([folder, String(upscaledSide), String(padding)] + modelHashes + files).joined(separator: "\n").utf8))
        let cache = cacheFolder?.appendingPathComponent("chip-landmarks-\(key.prefix(16)).safetensors")
        if let cache, let cached = try? read(cache, count: files.count) { return cached }
        var out: [[SIMD3<Float>]?] = []
        out.reserveCapacity(files.count)
        for (k, file) in files.enumerated() {
            let chip = try ImageFile.read((folder as NSString).appendingPathComponent(file))
            out.append(find(in: chip, detector: detector))
            progress(k + 1, files.count)
        }
        if let cache {
            try FileManager.default.createDirectory(at: cache.deletingLastPathComponent(), withIntermediateDirectories: true)
            try write(out, to: cache, folder: folder)
        }
        return out
    }

    /// Writes landmarks as the cache file.
    static func write(_ landmarks: [[SIMD3<Float>]?], to url: URL, folder: String) throws(CheckpointError) {
        let n = landmarks.count, m = FaceMeshGeometry.landmarkCount
        var values = [Float](repeating: 0, count: n * m * 3), found = [Float](repeating: 0, count: n)
        for (i, points) in landmarks.enumerated() {
            guard let points else { continue }
            found[i] = 1
            for (j, p) in points.enumerated() {
                values[(i * m + j) * 3] = p.x
                values[(i * m + j) * 3 + 1] = p.y
                values[(i * m + j) * 3 + 2] = p.z
            }
        }
        try SafeTensorsFile.write(
            ["landmarks": Tensor(shape: [n, m, 3], data: values), "found": Tensor(shape: [n], data: found)], dtype: .f32,
            metadata: ["schema": "deepfake-chip-landmarks/1", "folder": folder, "upscaled_side": String(upscaledSide)], to: url)
    }

    /// A cache file of another size than its key promises (then the landmarks are found again).
    struct StaleCache: Error {}

    /// Reads a cache file of `count` chips; throws when it is damaged or of another size.
    static func read(_ url: URL, count: Int) throws -> [[SIMD3<Float>]?] {
        let file = try SafeTensorsFile(contentsOf: url)
        let m = FaceMeshGeometry.landmarkCount
        let landmarks = try file.tensor(named: "landmarks"), found = try file.tensor(named: "found")
        guard landmarks.shape == [count, m, 3], found.shape == [count] else {
            throw StaleCache()
        }
        let values = landmarks.data, flags = found.data
        return (0..<count).map { i in
            guard flags[i] == 1 else { return nil }
            return (0..<m).map { j in SIMD3(values[(i * m + j) * 3], values[(i * m + j) * 3 + 1], values[(i * m + j) * 3 + 2]) }
        }
    }
}

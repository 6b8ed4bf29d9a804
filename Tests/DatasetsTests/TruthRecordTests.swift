import Foundation
import TestSupport
import Testing

@testable import Datasets

@Suite struct TruthRecordTests {
    let record = TruthRecord(
        source: .init(path: "in.mp4", sha256: String(repeating: "1", count: 64)),
        output: .init(path: "out.mp4", sha256: String(repeating: "2", count: 64)),
        generator: .init(path: "models/generator.safetensors", sha256: String(repeating: "3", count: 64)),
        mode: "replace", seed: 7, encoder: ["codec": "libx264", "crf": "18"], frameCount: 30,
        frames: [.init(index: 4, time: 0.16, faces: [.init(track: 0, box: [10, 20, 64, 64], mask: [13, 23, 58, 58])])])

    @Test func roundTripsAndValidatesAgainstItsSchema() throws {
        let folder = try Fixture.scratch()
        let path = TruthRecord.path(for: folder + "/out.mp4")
        #expect(path.hasSuffix("out.mp4.truth.json"))
        try record.write(to: path)
        #expect(try TruthRecord.read(path) == record)
        #expect(record.isAltered(frame: 4) && !record.isAltered(frame: 5))
        let schema = Fixture.root.appendingPathComponent("schemas/deepfake-truth-1.schema.json")
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(try JSONSchemaValidator(schemaFile: schema).validate(data) == [])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["out.mp4.truth.json"])
    }

    @Test func aForeignFileIsAClearError() throws {
        let path = try Fixture.scratch() + "/x.truth.json"
        try Data("{\"schema\": \"deepfake-report/1\"}".utf8).write(to: URL(fileURLWithPath: path))
        do {
            _ = try TruthRecord.read(path)
            Issue.record("a report was read as a truth record")
        } catch {
            #expect(error.code == .badIndex)
            #expect(error.description.hasPrefix("'\(path)': not a valid truth record"))
        }
    }
}

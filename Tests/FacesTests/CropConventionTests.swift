import Foundation
import Media
import Testing
@testable import Faces

/// The default convention, checked on chips it was not fitted on (UTKFace's train split; the fit
/// used the holdout split).
@Test(.enabled(if: TestPaths.hasSharedData, TestPaths.sharedDataAbsent)) func utkfaceChipsAreRecoveredFromALargerFrame() throws {
    let data = TestPaths.sharedData
    let folder = data.appendingPathComponent("utkface")
    let index = try String(contentsOf: folder.appendingPathComponent("index.csv"), encoding: .utf8)
    let names = index.components(separatedBy: .newlines).dropFirst()
        .filter { $0.hasSuffix(",train") }.map { String($0.split(separator: ",")[0]) }
        .enumerated().filter { $0.offset % 97 == 0 }.map(\.element).prefix(60)
    let detector = CascadeDetector(cascade: try Cascade.named(CascadeLocator.defaultName))
    let upscale = 3, chipX = 170, chipY = 95
    var centreErrors: [Double] = [], sizeErrors: [Double] = [], signedSizeErrors: [Double] = []
    for name in names {
        let chip = try ImageFile.read(folder.appendingPathComponent("faces64/" + name).path)
        let side = 64 * upscale
        // The chip, enlarged, inside a 560×420 frame of its own edge pixels.
        let frame = chip.resized(width: side, height: side).cropped(x: -chipX, y: -chipY, width: 560, height: 420)
        guard let face = detector.detect(in: frame).max(by: { $0.box.area < $1.box.area }) else { continue }
        let square = CropConvention.default.square(around: face.box)
        let dx = square.centerX - Double(chipX + side / 2), dy = square.centerY - Double(chipY + side / 2)
        // Errors in pixels of the 64-pixel chip.
        centreErrors.append(hypot(dx, dy) / Double(upscale))
        signedSizeErrors.append((square.width - Double(side)) / Double(upscale))
        sizeErrors.append(abs(signedSizeErrors.last!))
    }
    func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
    print("crop convention on \(names.count) train chips: found \(centreErrors.count), median centre error \(median(centreErrors)) px, size error \(median(sizeErrors)) px, signed \(median(signedSizeErrors)) px (of 64)")
    #expect(Double(centreErrors.count) >= 0.9 * Double(names.count))
    #expect(median(centreErrors) <= 3)
    // Chips differ in how tight they are (k's quartiles span ±5 %), so single chips miss by a few
    // pixels; the convention itself must not be biased.
    #expect(median(sizeErrors) <= 5)
    #expect(abs(median(signedSizeErrors)) <= 2)
    // The FaceForensics++ margin frames the same faces visibly looser.
    #expect(CropConvention.faceForensics().scale > CropConvention.default.scale * 1.2)
}

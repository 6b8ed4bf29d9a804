import Detection
import Faces
import Foundation
import Media
import NN
import Testing

@testable import DetectorTraining

@Suite("SelfBlendedPairs")
struct SelfBlendedPairsTests {
    static let face = SelfBlendedPairs.Face(image: SyntheticFace.image, landmarks: SyntheticFace.landmarks)
    /// A second face: the first mirrored.
    static let mirrored: SelfBlendedPairs.Face = {
        let w = Float(SyntheticFace.width)
        var image = SyntheticFace.image
        for y in 0..<image.height {
            for x in 0..<image.width {
                let (s, d) = ((y * image.width + x) * 3, (y * image.width + image.width - 1 - x) * 3)
                for c in 0..<3 { image.pixels[d + c] = SyntheticFace.image.pixels[s + c] }
            }
        }
        return .init(image: image, landmarks: SyntheticFace.landmarks.map { SIMD3(w - $0.x, $0.y, $0.z) })
    }()

    @Test("pair k depends only on the seed and k: made in any order, the same; another seed or another k, another pair")
    func reproducible() throws {
        let codec = JPEGCodec()
        let pairs = SelfBlendedPairs(faces: [Self.face, Self.mirrored], seed: 42)
        let forward = try (0..<6).map { try pairs.pair($0, codec: codec) }
        let backward = try (0..<6).reversed().map { try pairs.pair($0, codec: JPEGCodec()) }.reversed()
        #expect(forward == Array(backward))
        #expect(Set(forward.map(\.faceIndex)) == [0, 1])
        let other = try SelfBlendedPairs(faces: [Self.face, Self.mirrored], seed: 43).pair(0, codec: codec)
        #expect(other.fake != forward[0].fake)
        #expect(forward[1].fake != forward[0].fake)
        for pair in forward {
            #expect(pair.real.width == 128 && pair.real.height == 128 && pair.fake.width == 128 && pair.fake.height == 128)
            #expect(pair.mask.width == 128 && pair.mask.height == 128)
            #expect(pair.mask.values.allSatisfy { $0 >= 0 && $0 <= 1 } && pair.mask.maximum > 0.2)
        }
        #expect(pairs.skipped == 0)
        #expect(SelfBlendedPairs(faces: [.init(image: SyntheticFace.image, landmarks: [])], seed: 1).skipped == 1)
    }

    @Test("real, fake and mask are cut alike: the real is the face cropped by the spec, the mask sits on the face", arguments: [1, 2])
    func croppedIdentically(supersampling: Int) throws {
        let blender = SelfBlender(sourceChangeProbability: 1)  // the target, so the real, stays untouched
        let pairs = SelfBlendedPairs(faces: [Self.face], seed: 3, crop: .box(.utkface, size: 128), blender: blender,
                                     augmentation: .none, supersampling: supersampling)
        let box = try #require(LandmarkBox.cascadeEquivalent.box(for: SyntheticFace.landmarks))
        let expected = FaceCrop.crop(SyntheticFace.image, box: box, convention: .utkface, size: 128 * supersampling)
            .resized(width: 128, height: 128)
        for k in 0..<4 {
            let pair = try pairs.pair(k, codec: JPEGCodec())
            #expect(pair.real == expected)
            // The face's centre, the nose at (100, 120) of the frame, is in the mask; the crop's
            // corners are not.
            let region = FaceCrop.region(for: box, convention: .utkface)
            let nose = SIMD2((100 - Double(region.x)) * 128 / Double(region.side), (120 - Double(region.y)) * 128 / Double(region.side))
            #expect(pair.mask[Int(nose.x), Int(nose.y)] == pair.mask.maximum)
            #expect(pair.mask[0, 0] == 0 && pair.mask[127, 0] == 0 && pair.mask[0, 127] == 0 && pair.mask[127, 127] == 0)
        }
    }

    @Test("one augmentation plan for both: a blend that changes nothing stays equal to its real through noise, blur and JPEG")
    func sharedAugmentation() throws {
        let still = SelfBlender(
            rgbShiftProbability: 0, hueShift: 0, saturationShift: 0, valueShift: 0, brightness: 0, contrast: 0,
            downscaleProbability: 1, downscaleFactors: [1], translationX: 0, translationY: 0, scale: 1...1)
        let everything = CropAugmentation(flipProbability: 1, resizeProbability: 1, blurProbability: 1, noiseProbability: 1,
                                          jpegProbability: 1)
        let pairs = SelfBlendedPairs(faces: [Self.face], seed: 8, blender: still, augmentation: everything)
        let plain = SelfBlendedPairs(faces: [Self.face], seed: 8, blender: still, augmentation: .none)
        for k in 0..<3 {
            let pair = try pairs.pair(k, codec: JPEGCodec())
            #expect(pair.fake == pair.real)
            #expect(pair.augmentationPlan.jpegQuality != nil && pair.augmentationPlan.flip)
            let unaugmented = try plain.pair(k, codec: JPEGCodec())
            #expect(pair.blendPlan == unaugmented.blendPlan)
            #expect(pair.mask == unaugmented.mask.flipped(), "the mask is flipped with the crops")
            #expect(pair.real != unaugmented.real)
        }
    }

    @Test("aligned crops carry the landmarks too: the mask covers the crop's centre")
    func alignedCrops() throws {
        let pairs = SelfBlendedPairs(faces: [Self.face], seed: 5, crop: .aligned(.alignedV1, size: 96), augmentation: .none)
        let pair = try pairs.pair(0, codec: JPEGCodec())
        #expect(pair.real.width == 96 && pair.mask.width == 96)
        #expect(pair.mask[48, 48] == pair.mask.maximum && pair.mask[0, 0] == 0)
    }
}

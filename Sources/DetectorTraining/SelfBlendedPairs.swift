import Detection
import Faces
import Media
import NN

/// One training pair: a real crop, its self-blended fake and the blending mask, all cut and
/// treated alike.
public struct SelfBlendedPair: Sendable, Equatable {
    /// Which face of the list it was made from.
    public var faceIndex: Int
    public var real: RGBImage
    public var fake: RGBImage
    /// The mask in the crops' pixels (flipped with them when the augmentation flips; it is a label,
    /// so the augmentation's resampling, blur, noise and JPEG leave it as it is).
    public var mask: SoftMask
    public var blendPlan: SelfBlender.Plan
    /// The one augmentation plan both crops got.
    public var augmentationPlan: CropAugmentation.Plan
}

/// An endless, reproducible stream of self-blended training pairs from real faces: pair `k` is a
/// function of the seed and `k` alone, so pairs can be made in any order, on any thread, and a
/// resumed run makes the same ones.
///
/// Each face is cut once, when the stream is made, by the crop spec at the working size
/// (`supersampling` times the crop size), its landmarks carried into the crop: a pair only ever
/// uses that square, so the stream holds crops rather than frames, and a pair's cost does not
/// depend on the frame's size. For pair `k`, a generator seeded from `(seed, k)` draws the face
/// (evenly, with replacement), the blend plan and the augmentation plan; the blend is made on the
/// face's crop, and real, fake and mask are shrunk to the crop size together. Then both crops get
/// the same ``CropAugmentation`` plan, so compression, blur, noise or colour never tell real from
/// fake.
///
/// Supersampling 2 blends at twice the size, so the change's down-and-up resample and the
/// source's shift happen at a finer scale relative to the face (as SBI's do on full-resolution
/// frames); it costs about twice the time (tools/sbi/sheet.sh prints both), and the default is 1.
public struct SelfBlendedPairs: Sendable {
    /// A real image with FaceMesh's 468 landmarks of one face in it (image pixels).
    public struct Face: Sendable {
        public var image: RGBImage
        public var landmarks: [SIMD3<Float>]

        public init(image: RGBImage, landmarks: [SIMD3<Float>]) {
            self.image = image
            self.landmarks = landmarks
        }
    }

    /// The faces pairs are made from, each already cut at the working size, its landmarks in the
    /// crop's pixels (only faces the crop spec and the blender can use).
    public let faces: [Face]
    /// How many of the given faces were left out: fewer than 468 landmarks, or landmarks from
    /// which no hull or aligned crop follows.
    public let skipped: Int
    /// For each of ``faces``, its position in the list the stream was made from (a pair's
    /// `faceIndex` indexes ``faces``).
    public let sourceIndices: [Int]
    public let seed: UInt64
    public let crop: FaceCropSpec
    public let blender: SelfBlender
    public let augmentation: CropAugmentation
    public let supersampling: Int
    /// How a `.box` crop spec gets its box from the landmarks (MeshFaceDetector's default, so crops
    /// frame faces as they are framed when scoring).
    public let landmarkBox: LandmarkBox

    public init(faces: [Face], seed: UInt64, crop: FaceCropSpec = .box(.utkface, size: 128), blender: SelfBlender = .standard,
                augmentation: CropAugmentation = .standard, supersampling: Int = 1, landmarkBox: LandmarkBox = .cascadeEquivalent) {
        precondition(supersampling >= 1, "supersampling is a whole factor of at least 1")
        self.seed = seed
        self.crop = crop
        self.blender = blender
        self.augmentation = augmentation
        self.supersampling = supersampling
        self.landmarkBox = landmarkBox
        let side = crop.size * supersampling
        var usable: [Face] = [], sources: [Int] = []
        for (index, face) in faces.enumerated() {
            guard FaceHull(.whole, landmarks: face.landmarks) != nil,
                  let (image, landmarks) = Self.cut(face, spec: crop, landmarkBox: landmarkBox, side: side)
            else { continue }
            usable.append(Face(image: image, landmarks: landmarks))
            sources.append(index)
        }
        self.faces = usable
        sourceIndices = sources
        skipped = faces.count - usable.count
    }

    /// The crop side in pixels.
    public var size: Int { crop.size }

    /// The generator of pair `k`: SplitMix64 started from the seed's first output mixed with `k`'s,
    /// so neighbouring pairs do not share overlapping streams.
    public static func generator(seed: UInt64, pair k: Int) -> SeededGenerator {
        var base = SeededGenerator(seed: seed), index = SeededGenerator(seed: UInt64(bitPattern: Int64(k)) ^ 0x5342_495F_5041_4952)
        return SeededGenerator(seed: base.next() ^ index.next())
    }

    /// Pair `k` (any `k ≥ 0`).
    /// - Parameter codec: a JPEG codec owned by the calling thread (for the augmentation).
    /// - Throws: `MediaError` if the augmentation's JPEG round trip fails.
    public func pair(_ k: Int, codec: JPEGCodec) throws(MediaError) -> SelfBlendedPair {
        precondition(!faces.isEmpty, "no usable faces to make pairs from")
        var random = Self.generator(seed: seed, pair: k)
        let index = min(faces.count - 1, Int(random.nextUniform() * Double(faces.count)))
        let blendPlan = blender.plan(using: &random)
        let augmentationPlan = augmentation.plan(using: &random)

        guard let blend = blender.blend(image: faces[index].image, landmarks: faces[index].landmarks, plan: blendPlan)
        else { preconditionFailure("face \(index) was checked usable when the stream was made") }

        var real = blend.real, fake = blend.fake, mask = blend.mask
        if supersampling > 1 {
            real = real.resized(width: size, height: size)
            fake = fake.resized(width: size, height: size)
            mask = mask.downsampled(by: supersampling)
        }
        real = try CropAugmentation.apply(augmentationPlan, to: real, codec: codec)
        fake = try CropAugmentation.apply(augmentationPlan, to: fake, codec: codec)
        if augmentationPlan.flip { mask = mask.flipped() }
        return SelfBlendedPair(faceIndex: index, real: real, fake: fake, mask: mask, blendPlan: blendPlan, augmentationPlan: augmentationPlan)
    }

    /// The face cut by `spec` at `side` pixels, with its landmarks carried into the crop; nil when
    /// the landmarks give no box or no aligned transform.
    static func cut(_ face: Face, spec: FaceCropSpec, landmarkBox: LandmarkBox, side: Int) -> (RGBImage, [SIMD3<Float>])? {
        // Where a frame point lands in the crop, and the crop's pixels per frame pixel.
        let toCrop: (SIMD2<Double>) -> SIMD2<Double>, scale: Double
        let image: RGBImage
        switch spec {
        case .box(let convention, _):
            guard let box = landmarkBox.box(for: face.landmarks) else { return nil }
            // FaceCrop cuts this square and resizes it: a point p of the frame lands at
            // (p − corner) · side / square in the crop.
            let region = FaceCrop.region(for: box, convention: convention)
            let corner = SIMD2(Double(region.x), Double(region.y))
            scale = Double(side) / Double(region.side)
            toCrop = { ($0 - corner) * scale }
            image = FaceCrop.crop(face.image, box: box, convention: convention, size: side)
        case .aligned(let template, _):
            let keypoints = FaceShape.keypoints(fromLandmarks: face.landmarks)
            guard let transform = template.transform(keypoints: keypoints, size: side),
                  let crop = template.crop(face.image, keypoints: keypoints, size: side)
            else { return nil }
            scale = (transform.a * transform.a + transform.b * transform.b).squareRoot()
            toCrop = transform.apply
            image = crop
        }
        let landmarks = face.landmarks.map { p -> SIMD3<Float> in
            let q = toCrop(SIMD2(Double(p.x), Double(p.y)))
            return SIMD3(Float(q.x), Float(q.y), p.z * Float(scale))
        }
        return (image, landmarks)
    }
}

extension FaceCropSpec {
    /// The crop side in pixels.
    var size: Int {
        switch self {
        case .box(_, let size), .aligned(_, let size): size
        }
    }
}

import Detection
import Datasets
import Foundation
import Media
import NN

/// Fine-tunes a ``DetectorModel``'s discriminator as a real-vs-fake classifier.
///
/// - Loss: BCE-with-logits on fake-logits (−D's logit), fake = 1.
/// - Batches are class-balanced: half real, half fake, interleaved (real, fake, real, …). Each
///   class is drawn from its own shuffled order, reshuffled when used up, so the smaller class
///   repeats within an epoch. An epoch is `training.count / batchSize` batches.
/// - With `videoShare` set, each class's half is further split between crops cut from videos
///   (groups `video:…`) and the rest (chips, generator samples): that share of its slots, spread
///   evenly, comes from the class's video crops. Video crops are few beside the image sets, yet
///   they are what `deepfake score` meets; without it they are about a tenth of each batch.
/// - With ``Settings/selfBlended``, a share of each batch's (real, fake) slot pairs is a
///   self-blended pair made on the fly (SBI: ``SelfBlendedPairs``, real and fake augmented alike),
///   numbered by epoch, step and slot so a rerun makes the same pairs; the fakes may then all be
///   self-blended.
/// - Every training crop goes through ``CropAugmentation`` with a plan drawn per batch slot from a
///   stream seeded by (seed, epoch, batch), before the label is looked at.
/// - D's BatchNorm is in training mode for the updates and in eval mode (running statistics) for
///   validation, as the detector scores.
/// - After every epoch the validation crops (not augmented) are scored; the weights with the lowest
///   validation log loss *after temperature scaling* (fitted on those scores, as the builder then
///   calibrates) are kept, and training stops after `patience` epochs without improvement. Epoch 0
///   is the starting discriminator, so fine-tuning never ends worse than where it started.
///
///   Why calibrated: held-out sources (a generator checkpoint never trained on) can leave the
///   fine-tuned detector over-confident while it ranks them better than before. Temperature scaling
///   removes that over-confidence afterwards, so the raw log loss would stop training for a fault
///   the calibration fixes. The raw log loss is reported beside it.
public final class DetectorTrainer {
    public struct Settings: Sendable {
        public var epochs: Int
        public var batchSize: Int
        public var learningRate: Double
        /// Adam's (β1, β2); DCGAN's (0.5, 0.999) by default, as D was trained with.
        public var betas: (Double, Double)
        public var patience: Int
        public var seed: UInt64
        public var augmentation: CropAugmentation
        /// Share of each class's batch slots drawn from its video crops (nil: in proportion).
        public var videoShare: Double?
        /// Self-blended pairs (SBI) made on the fly: a share of each batch's (real, fake) slot
        /// pairs is a self-blended pair instead of two labelled crops. Pair `k` of the stream is a
        /// function of (epoch, step, slot), so a rerun trains on the same pairs.
        public var selfBlended: SelfBlendedPairs?
        /// Share of each batch's slot pairs that are self-blended pairs (with ``selfBlended``).
        public var selfBlendedShare: Double

        public init(epochs: Int = 10, batchSize: Int = 64, learningRate: Double = 2e-4, betas: (Double, Double) = (0.5, 0.999),
                    patience: Int = 3, seed: UInt64 = 1, augmentation: CropAugmentation = .standard, videoShare: Double? = nil,
                    selfBlended: SelfBlendedPairs? = nil, selfBlendedShare: Double = 0.5) {
            precondition(videoShare.map { $0 >= 0 && $0 <= 1 } ?? true, "video share is between 0 and 1")
            precondition(selfBlendedShare >= 0 && selfBlendedShare <= 1, "self-blended share is between 0 and 1")
            self.selfBlended = selfBlended
            self.selfBlendedShare = selfBlendedShare
            precondition(batchSize >= 2 && batchSize % 2 == 0, "batch size must be even (half real, half fake)")
            self.epochs = epochs
            self.batchSize = batchSize
            self.learningRate = learningRate
            self.betas = betas
            self.patience = patience
            self.seed = seed
            self.augmentation = augmentation
            self.videoShare = videoShare
        }

        /// (Real, fake) slot pairs of a batch filled from the labelled crops; the rest are
        /// self-blended pairs.
        public var labelledPairsPerBatch: Int {
            let pairs = batchSize / 2
            guard selfBlended != nil else { return pairs }
            return pairs - Int((Double(pairs) * selfBlendedShare).rounded())
        }
    }

    /// Validation scores of one epoch's weights.
    public struct EpochResult: Sendable {
        /// 0 for the starting weights.
        public var epoch: Int
        /// Mean training loss over the epoch (nil for epoch 0).
        public var trainingLoss: Double?
        /// Log loss at temperature 1.
        public var validationLogLoss: Double
        /// Log loss after temperature scaling fitted on the same scores: the early-stopping criterion.
        public var validationCalibratedLogLoss: Double
        public var validationAUC: Double?
        public var validationEER: Double?
        public var isBest: Bool
        public var seconds: Double
    }

    public enum Event {
        case batch(epoch: Int, step: Int, steps: Int, loss: Double)
        case epoch(EpochResult)
    }

    public let model: DetectorModel
    public let training: LabelledCrops
    public let validation: LabelledCrops
    public let settings: Settings
    public private(set) var history: [EpochResult] = []
    public private(set) var bestEpoch = 0
    private let optimizer: Adam
    private var bestState: [Tensor] = []
    private let codec = JPEGCodec()

    public init(model: DetectorModel, training: LabelledCrops, validation: LabelledCrops, settings: Settings) {
        precondition(training.realCount > 0 && (training.fakeCount > 0 || settings.labelledPairsPerBatch == 0),
                     "training needs both classes (fakes may all be self-blended)")
        precondition(validation.realCount > 0 && validation.fakeCount > 0, "validation needs both classes")
        self.model = model
        self.training = training
        self.validation = validation
        self.settings = settings
        optimizer = Adam(parameters: model.discriminator.parameters, learningRate: settings.learningRate,
                         betas: settings.betas)
    }

    public var stepsPerEpoch: Int { max(1, training.count / settings.batchSize) }

    /// Trains, then restores the best weights.
    /// - Returns: the history, epoch 0 first.
    /// - Throws: `MediaError` if the JPEG round trip fails.
    @discardableResult
    public func run(_ report: (Event) -> Void) throws(MediaError) -> [EpochResult] {
        var initial = evaluate(epoch: 0, trainingLoss: nil, seconds: 0)
        initial.isBest = true
        bestState = snapshot()
        history = [initial]
        report(.epoch(initial))
        var order = ClassOrder(labels: training.labels, seed: settings.seed ^ 0x4445_5445_4354,
                               fromVideo: settings.videoShare == nil ? nil : training.groups.map { $0.hasPrefix("video:") },
                               videoShare: settings.videoShare ?? 0)
        var sinceBest = 0
        // No epochs: the starting weights, evaluated (to calibrate and threshold a built detector again).
        for epoch in stride(from: 1, through: settings.epochs, by: 1) {
            let epochStart = Date()
            model.discriminator.setTraining(true)
            var total = 0.0
            for step in 0..<stepsPerEpoch {
                let indices = order.balancedBatch(size: 2 * settings.labelledPairsPerBatch)
                let loss = try trainStep(indices: indices, epoch: epoch, step: step)
                total += loss
                report(.batch(epoch: epoch, step: step + 1, steps: stepsPerEpoch, loss: loss))
            }
            var result = evaluate(epoch: epoch, trainingLoss: total / Double(stepsPerEpoch),
                                  seconds: Date().timeIntervalSince(epochStart))
            let best = history[bestEpoch].validationCalibratedLogLoss
            if result.validationCalibratedLogLoss < best {
                result.isBest = true
                bestEpoch = epoch
                bestState = snapshot()
                sinceBest = 0
            } else {
                sinceBest += 1
            }
            history.append(result)
            report(.epoch(result))
            if sinceBest >= settings.patience { break }
        }
        restore(bestState)
        model.discriminator.setTraining(false)
        return history
    }

    /// The plan stream of one batch: it depends on the seed, the epoch and the batch only.
    public static func augmentationStream(seed: UInt64, epoch: Int, step: Int) -> SeededGenerator {
        var mixer = SeededGenerator(seed: seed ^ 0x4155_474D_454E_54)
        for value in [UInt64(epoch), UInt64(step)] { mixer.state ^= mixer.next() &+ value }
        return SeededGenerator(seed: mixer.next())
    }

    /// The augmented images of a batch, plan k drawn for slot k whatever its label.
    public static func augmentedBatch(
        _ crops: LabelledCrops, indices: [Int], augmentation: CropAugmentation, random: inout SeededGenerator,
        codec: JPEGCodec
    ) throws(MediaError) -> [RGBImage] {
        var images: [RGBImage] = []
        images.reserveCapacity(indices.count)
        for index in indices {
            let plan = augmentation.plan(using: &random)
            images.append(try CropAugmentation.apply(plan, to: crops.image(at: index), codec: codec))
        }
        return images
    }

    /// Fake-logits of crops in eval mode, in chunks of 256.
    public static func fakeLogits(_ model: DetectorModel, _ crops: LabelledCrops) -> [Double] {
        var logits: [Double] = []
        logits.reserveCapacity(crops.count)
        for start in stride(from: 0, to: crops.count, by: 256) {
            let images = (start..<min(start + 256, crops.count)).map { crops.image(at: $0) }
            logits += model.fakeLogits(FaceTensors.batch(images))
        }
        return logits
    }

    // MARK: - Private

    private func trainStep(indices: [Int], epoch: Int, step: Int) throws(MediaError) -> Double {
        var random = Self.augmentationStream(seed: settings.seed, epoch: epoch, step: step)
        var images = try Self.augmentedBatch(training, indices: indices, augmentation: settings.augmentation,
                                             random: &random, codec: codec)
        var labels = indices.map { Float(training.labels[$0]) }
        if let pairs = settings.selfBlended {
            // The rest of the batch: self-blended pairs, real then fake, numbered by their slot.
            let count = settings.batchSize / 2 - settings.labelledPairsPerBatch
            let first = ((epoch - 1) * stepsPerEpoch + step) * (settings.batchSize / 2)
            for slot in 0..<count {
                let pair = try pairs.pair(first + slot, codec: codec)
                images += [pair.real, pair.fake]
                labels += [0, 1]
            }
        }
        let input = FaceTensors.batch(images)
        let n = images.count
        let realLogits = model.logitNetwork.forward(input, recording: true)
        let fakeLogits = Tensor(shape: [n], data: realLogits.data.map { -$0 })
        let targets = Tensor(shape: [n], data: labels)
        let (loss, gradient) = Loss.binaryCrossEntropyWithLogits(logits: fakeLogits, targets: targets)
        model.discriminator.zeroGradients()
        // d loss / d realLogit = −d loss / d fakeLogit.
        let gradOutput = Tensor(shape: realLogits.shape, data: gradient.data.map { -$0 })
        _ = model.logitNetwork.backward(gradOutput, inputGradient: false, parameterGradients: true)
        optimizer.step()
        return Double(loss)
    }

    private func evaluate(epoch: Int, trainingLoss: Double?, seconds: Double) -> EpochResult {
        let logits = Self.fakeLogits(model, validation)
        let probabilities = logits.map { 1 / (1 + exp(-$0)) }
        let calibration = TemperatureScaling.fit(logits: logits, labels: validation.labels)
        return EpochResult(
            epoch: epoch, trainingLoss: trainingLoss,
            validationLogLoss: Metrics.logLoss(labels: validation.labels, probabilities: probabilities),
            validationCalibratedLogLoss: Metrics.logLoss(
                labels: validation.labels, probabilities: logits.map { calibration.probability(logit: $0) }),
            validationAUC: Metrics.auc(labels: validation.labels, scores: logits),
            validationEER: Metrics.equalErrorRate(labels: validation.labels, scores: logits)?.rate,
            isBest: false, seconds: seconds)
    }

    private func snapshot() -> [Tensor] {
        model.discriminator.stateEntries().map(\.entry.value)
    }

    private func restore(_ state: [Tensor]) {
        for ((_, entry), value) in zip(model.discriminator.stateEntries(), state) {
            switch entry {
            case .parameter(let parameter): parameter.value = value
            case .buffer(let buffer): buffer.value = value
            }
        }
    }
}

/// Class-balanced sampling: separate shuffled orders of the real and the fake indices, each
/// reshuffled when used up. With `fromVideo`, each class has a second order of its video crops,
/// and `videoShare` of its slots (spread evenly, no randomness) draw from it when it is not empty.
struct ClassOrder {
    /// Pools 0 and 1: real and fake (not from video when `fromVideo` is given); 2 and 3: real and
    /// fake from video.
    private var pools: [[Int]]
    private var positions = [0, 0, 0, 0]
    private var drawn = [0, 0]
    private let videoShare: Double
    private var random: SeededGenerator

    init(labels: [Int], seed: UInt64, fromVideo: [Bool]? = nil, videoShare: Double = 0) {
        random = SeededGenerator(seed: seed)
        let video = fromVideo ?? [Bool](repeating: false, count: labels.count)
        precondition(video.count == labels.count, "one video flag per crop")
        pools = [
            labels.indices.filter { labels[$0] == 0 && !video[$0] }, labels.indices.filter { labels[$0] == 1 && !video[$0] },
            labels.indices.filter { labels[$0] == 0 && video[$0] }, labels.indices.filter { labels[$0] == 1 && video[$0] },
        ]
        for p in pools.indices { pools[p].shuffle(using: &random) }
        self.videoShare = videoShare
    }

    /// `size / 2` real and `size / 2` fake indices, interleaved real, fake, real, ….
    mutating func balancedBatch(size: Int) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(size)
        for _ in 0..<(size / 2) {
            out.append(next(0))
            out.append(next(1))
        }
        return out
    }

    private mutating func next(_ label: Int) -> Int {
        let n = drawn[label]
        drawn[label] += 1
        // Slot n is a video slot when the running count of video slots steps up here.
        let videoSlot = (Double(n + 1) * videoShare).rounded(.down) > (Double(n) * videoShare).rounded(.down)
        var pool = videoSlot ? label + 2 : label
        if pools[pool].isEmpty { pool = pool >= 2 ? label : label + 2 }
        if positions[pool] >= pools[pool].count {
            pools[pool].shuffle(using: &random)
            positions[pool] = 0
        }
        defer { positions[pool] += 1 }
        return pools[pool][positions[pool]]
    }
}

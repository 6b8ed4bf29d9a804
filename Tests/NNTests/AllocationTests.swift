import TestSupport
import Testing

@testable import NN

/// A training step reuses the layers' buffers: after a warm-up step, the next steps allocate only
/// the few small tensors of the loss (gradients and labels of a few floats each).
struct AllocationTests {
    @Test func trainingStepReusesItsBuffers() {
        // The counter sees this task's allocations only; layers allocate on the calling thread.
        var generator = SeededGenerator(seed: 3)
        let netG = ReferenceDCGAN.generator(nz: 8, ngf: 4)
        let netD = ReferenceDCGAN.discriminator(ndf: 4)
        DCGANInitializer.initialize(netG, using: &generator)
        DCGANInitializer.initialize(netD, using: &generator)
        let optimizerG = Adam(parameters: netG.parameters, learningRate: 2e-4, betas: (0.5, 0.999))
        let optimizerD = Adam(parameters: netD.parameters, learningRate: 2e-4, betas: (0.5, 0.999))
        let real = Tensor.randomUniform(shape: [4, 3, 64, 64], low: -1, high: 1, using: &generator)
        let noise = Tensor.randomNormal(shape: [4, 8, 1, 1], using: &generator)
        func step() {
            // The fake batch is dropped at once, so the generator may overwrite it next step.
            _ =
                ReferenceDCGAN.trainStep(
                    generator: netG, discriminator: netD, optimizerG: optimizerG,
                    optimizerD: optimizerD, real: real, noise: noise
                ).losses
        }
        step()
        let counter = AllocationCounter()
        AllocationCounter.$current.withValue(counter) {
            step()
            step()
        }
        let allocated = counter.floats.load(ordering: .relaxed)
        // Per step: 3 loss gradients and 3 label tensors of 4 floats; nothing of image size
        // (a single 4×3×64×64 batch is 49,152 floats).
        #expect(allocated <= 2 * 6 * 4 + 16, "two steps allocated \(allocated) floats")
    }
}

extension AllocationTests {
    /// The counter itself works: a step that keeps its fake batch forces the generator to allocate.
    @Test func keptOutputsAreNotOverwritten() {
        let layer = Tanh()
        let x = Tensor(zeros: [1000])
        let first = layer.infer(x)
        let counter = AllocationCounter()
        AllocationCounter.$current.withValue(counter) { _ = layer.infer(x) }
        #expect(counter.floats.load(ordering: .relaxed) == 1000)
        #expect(first.count == 1000)
        let again = AllocationCounter()
        AllocationCounter.$current.withValue(again) { _ = layer.infer(x) }
        // The previous result was dropped, so its block is reused now.
        #expect(again.floats.load(ordering: .relaxed) == 0)
    }
}

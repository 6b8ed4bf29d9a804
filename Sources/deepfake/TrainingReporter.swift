import Foundation
import GAN
import Media

/// Shows a training session's progress: a progress bar per epoch (images/s, ETA) on a terminal,
/// a log line every 50 iterations otherwise; sample grids as PNG; warnings and SWD.
final class TrainingReporter {
    private let session: TrainingSession
    private let perEpoch: Int
    private var bar: ProgressBar?
    private var barEpoch = -1
    private let start = Date()
    private let firstStep: Int
    private var lastStep: Int

    init(session: TrainingSession, batchesPerEpoch: Int) {
        self.session = session
        self.perEpoch = session.iterationsPerEpoch(batchesPerEpoch: batchesPerEpoch)
        self.firstStep = session.trainer.step
        self.lastStep = session.trainer.step
    }

    func handle(_ event: SessionEvent) {
        let epochs = session.options.epochs
        switch event {
        case .step(let m, let total):
            lastStep = m.step
            let epoch = (m.step - 1) / perEpoch
            if epoch != barEpoch {
                bar?.finish()
                bar = ProgressBar("epoch \(epoch + 1)/\(epochs)", total: perEpoch, unit: "steps")
                bar?.advance(by: (m.step - 1) % perEpoch)
                barEpoch = epoch
            }
            bar?.advance()
            if !Terminal.stderrIsTerminal && (m.step % 50 == 0 || m.step == total) {
                let done = m.step - firstStep
                let elapsed = Date().timeIntervalSince(start)
                let eta = done > 0 ? Int(elapsed / Double(done) * Double(total - m.step)) : 0
                Terminal.error(String(
                    format: "epoch %d/%d step %d/%d  loss D %.3f G %.3f  D(x) %.3f D(G(z)) %.3f  acc %.2f  %.1f img/s  ETA %d:%02d:%02d",
                    epoch + 1, epochs, m.step, total, m.lossD, m.lossG, m.dReal, m.dFake, m.accuracy, m.imagesPerSecond,
                    eta / 3600, eta / 60 % 60, eta % 60))
            }
        case .warning(let warning):
            bar?.finish()
            Terminal.error("warning: " + warning.message)
        case .epochEnd(let epoch, let step, let samples, let swd):
            bar?.finish()
            let path = session.folder.samples.appendingPathComponent(String(format: "epoch-%03d.png", epoch)).path
            do { try ImageTensors.writeGrid(samples, to: path) } catch {
                Terminal.error("warning: could not write the sample grid \(path): \(error)")
            }
            let metric = swd.map { r in
                String(format: "  SWD %.2f (", r.average) + r.perLevel.map { String(format: "%.1f", $0) }.joined(separator: " ") + ")"
            } ?? ""
            Terminal.error("epoch \(epoch)/\(epochs) done at step \(step)\(metric); samples: \(path)")
        case .checkpoint:
            break
        }
    }

    func finish() {
        bar?.finish()
        let elapsed = Date().timeIntervalSince(start)
        Terminal.error(String(format: "trained %d iterations in %.0f s; run folder %@", lastStep - firstStep, elapsed,
                              session.folder.url.path))
    }
}

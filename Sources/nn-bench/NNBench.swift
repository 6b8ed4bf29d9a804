import Foundation
import NN

/// `nn-bench`: the NN core's benchmark, run by tools/bench/nn.sh next to the PyTorch peer.
///
/// Modes (each prints `key value` lines that nn.sh pairs with the peer's):
///   peak                 sgemm 2048³ through `Tensor.matmul` (2 workers, single-threaded BLAS)
///   train [iterations]   DCGAN 64×64, batch 64, nz 100, ngf = ndf = 64: full main.py iterations
///   infer                D at batch 1 and 64, G at batch 64 (inference path, no recording)
///   trajectory FILE      replays a trajectory written by tools/golden/dcgan_trajectory.py --out
/// Times are wall-clock (best of the runs) plus the process's CPU time, which stays meaningful when
/// other work shares the cores.
@main
struct NNBench {
    static func main() throws {
        let arguments = CommandLine.arguments.dropFirst()
        switch arguments.first {
        case "peak": peak()
        case "train": train(iterations: arguments.dropFirst().first.flatMap(Int.init) ?? 3)
        case "infer": infer()
        case "profile": profile(iterations: arguments.dropFirst().first.flatMap(Int.init) ?? 2)
        case "trajectory":
            guard let path = arguments.dropFirst().first else { usage() }
            exit(try trajectory(URL(fileURLWithPath: path)) ? 0 : 1)
        default: usage()
        }
    }

    static func usage() -> Never {
        FileHandle.standardError.write(
            Data("usage: nn-bench peak | train [iterations] | infer | trajectory FILE\n".utf8))
        exit(2)
    }

    static func report(_ key: String, _ value: Double, _ unit: String = "") {
        print("\(key) \(String(format: "%.6g", value))\(unit.isEmpty ? "" : " " + unit)")
    }

    /// Wall seconds and process CPU seconds of `body`.
    static func measure(_ body: () -> Void) -> (wall: Double, cpu: Double) {
        func now(_ clock: clockid_t) -> Double {
            var spec = timespec()
            clock_gettime(clock, &spec)
            return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
        }
        let (wall0, cpu0) = (now(CLOCK_MONOTONIC), now(CLOCK_PROCESS_CPUTIME_ID))
        body()
        return (now(CLOCK_MONOTONIC) - wall0, now(CLOCK_PROCESS_CPUTIME_ID) - cpu0)
    }

    /// Best wall time and the CPU time of that same run, over `runs` runs.
    static func best(runs: Int, _ body: () -> Void) -> (wall: Double, cpu: Double) {
        var result = (wall: Double.infinity, cpu: Double.infinity)
        for _ in 0..<runs {
            let time = measure(body)
            if time.wall < result.wall { result = time }
        }
        return result
    }

    static func peakRSSMegabytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024  // kilobytes on Linux
    }

    // MARK: - Modes

    static func peak() {
        var generator = SeededGenerator(seed: 1)
        let size = 2048
        let a = Tensor.randomNormal(shape: [size, size], using: &generator)
        let b = Tensor.randomNormal(shape: [size, size], using: &generator)
        _ = Tensor.matmul(a, b)
        let time = best(runs: 5) { _ = Tensor.matmul(a, b) }
        report("sgemm_peak_gflops", 2 * pow(Double(size), 3) / time.wall / 1e9)
    }

    static func train(iterations: Int) {
        let (batch, nz, ngf, ndf) = (64, 100, 64, 64)
        var generator = SeededGenerator(seed: 2026)
        let netG = DCGANModels.generator(nz: nz, ngf: ngf)
        let netD = DCGANModels.discriminator(ndf: ndf)
        DCGANInitializer.initialize(netG, using: &generator)
        DCGANInitializer.initialize(netD, using: &generator)
        let optimizerG = Adam(parameters: netG.parameters, learningRate: 2e-4, betas: (0.5, 0.999))
        let optimizerD = Adam(parameters: netD.parameters, learningRate: 2e-4, betas: (0.5, 0.999))
        let real = Tensor.randomUniform(
            shape: [batch, 3, 64, 64], low: -1, high: 1, using: &generator)
        let noises = (0...iterations).map { _ in
            Tensor.randomNormal(shape: [batch, nz, 1, 1], using: &generator)
        }
        var losses = (dReal: Float(0), dFake: Float(0), g: Float(0))
        // The first iteration allocates every buffer; the timed ones should not allocate.
        _ = DCGANModels.trainStep(
            generator: netG, discriminator: netD, optimizerG: optimizerG,
            optimizerD: optimizerD, real: real, noise: noises[0])
        var times: [(wall: Double, cpu: Double)] = []
        for iteration in 1...iterations {
            times.append(
                measure {
                    losses = DCGANModels.trainStep(
                        generator: netG, discriminator: netD, optimizerG: optimizerG,
                        optimizerD: optimizerD, real: real, noise: noises[iteration])
                })
        }
        let bestTime = times.min { $0.wall < $1.wall }!
        let flops = DCGANModels.trainingFLOPs(batch: batch, nz: nz, ngf: ngf, ndf: ndf)
        report("train_s", bestTime.wall, "s")
        report("train_cpu_s", bestTime.cpu, "s")
        report("train_median_s", times.map(\.wall).sorted()[times.count / 2], "s")
        report("train_gflop", flops / 1e9)
        report("train_gflops", flops / bestTime.wall / 1e9)
        report("train_peak_rss_mb", peakRSSMegabytes(), "MB")
        report("train_last_loss_d", Double(losses.dReal + losses.dFake))
        report("train_last_loss_g", Double(losses.g))
    }

    /// Per-layer process CPU time of full training iterations (forward and backward).
    static func profile(iterations: Int) {
        let (batch, nz, ngf, ndf) = (64, 100, 64, 64)
        var generator = SeededGenerator(seed: 2026)
        let (netG, timersG) = TimedLayer.wrap(DCGANModels.generator(nz: nz, ngf: ngf), prefix: "G")
        let (netD, timersD) = TimedLayer.wrap(DCGANModels.discriminator(ndf: ndf), prefix: "D")
        DCGANInitializer.initialize(netG, using: &generator)
        DCGANInitializer.initialize(netD, using: &generator)
        let optimizerG = Adam(parameters: netG.parameters, learningRate: 2e-4, betas: (0.5, 0.999))
        let optimizerD = Adam(parameters: netD.parameters, learningRate: 2e-4, betas: (0.5, 0.999))
        let real = Tensor.randomUniform(
            shape: [batch, 3, 64, 64], low: -1, high: 1, using: &generator)
        let noise = Tensor.randomNormal(shape: [batch, nz, 1, 1], using: &generator)
        _ = DCGANModels.trainStep(
            generator: netG, discriminator: netD, optimizerG: optimizerG,
            optimizerD: optimizerD, real: real, noise: noise)
        for timer in timersG + timersD { (timer.forwardSeconds, timer.backwardSeconds) = (0, 0) }
        let total = measure {
            for _ in 0..<iterations {
                _ = DCGANModels.trainStep(
                    generator: netG, discriminator: netD, optimizerG: optimizerG,
                    optimizerD: optimizerD, real: real, noise: noise)
            }
        }
        let scale = 1000 / Double(iterations)
        var layerTotal = 0.0
        for timer in timersG + timersD
        where timer.forwardSeconds + timer.backwardSeconds > 0.002 * Double(iterations) {
            print(
                String(
                    format: "%-28@ forward %7.1f ms  backward %7.1f ms", timer.name as NSString,
                    timer.forwardSeconds * scale, timer.backwardSeconds * scale))
        }
        for timer in timersG + timersD {
            layerTotal += timer.forwardSeconds + timer.backwardSeconds
        }
        print(
            String(
                format:
                    "layers %.1f ms, rest (losses, Adam, zeroing) %.1f ms, iteration CPU %.1f ms, wall %.1f ms",
                layerTotal * scale, (total.cpu - layerTotal) * scale, total.cpu * scale,
                total.wall * scale))
    }

    static func infer() {
        let (nz, ngf, ndf) = (100, 64, 64)
        var generator = SeededGenerator(seed: 7)
        let netG = DCGANModels.generator(nz: nz, ngf: ngf)
        let netD = DCGANModels.discriminator(ndf: ndf)
        DCGANInitializer.initialize(netG, using: &generator)
        DCGANInitializer.initialize(netD, using: &generator)
        // Inference as a deployed model runs it: evaluation mode, running statistics.
        netG.setTraining(false)
        netD.setTraining(false)
        let dFLOPs = DCGANModels.discriminatorLayerFLOPs(ndf: ndf).reduce(0, +)
        let gFLOPs = DCGANModels.generatorLayerFLOPs(nz: nz, ngf: ngf).reduce(0, +)

        let one = Tensor.randomUniform(shape: [1, 3, 64, 64], low: -1, high: 1, using: &generator)
        _ = netD.infer(one)
        let repeats = 50
        let d1 = best(runs: 5) { for _ in 0..<repeats { _ = netD.infer(one) } }
        report("d_infer_b1_img_s", Double(repeats) / d1.wall, "img/s")
        report("d_infer_b1_cpu_img_s", Double(repeats) / d1.cpu, "img/s")
        report("d_infer_b1_gflops", dFLOPs * Double(repeats) / d1.wall / 1e9)

        let batch = Tensor.randomUniform(
            shape: [64, 3, 64, 64], low: -1, high: 1, using: &generator)
        _ = netD.infer(batch)
        let d64 = best(runs: 5) { _ = netD.infer(batch) }
        report("d_infer_b64_img_s", 64 / d64.wall, "img/s")
        report("d_infer_b64_cpu_img_s", 64 / d64.cpu, "img/s")
        report("d_infer_b64_gflops", dFLOPs * 64 / d64.wall / 1e9)

        let noise = Tensor.randomNormal(shape: [64, nz, 1, 1], using: &generator)
        _ = netG.infer(noise)
        let g64 = best(runs: 5) { _ = netG.infer(noise) }
        report("g_infer_b64_img_s", 64 / g64.wall, "img/s")
        report("g_infer_b64_cpu_img_s", 64 / g64.cpu, "img/s")
        report("g_infer_b64_gflops", gFLOPs * 64 / g64.wall / 1e9)
    }

    /// Replays a PyTorch trajectory and compares losses and final state (atol 1e-4, rtol 1e-3).
    static func trajectory(_ url: URL) throws -> Bool {
        let file = try SafeTensorsFile(contentsOf: url)
        let config =
            (try JSONSerialization.jsonObject(with: Data((file.metadata["config"] ?? "{}").utf8))
                as? [String: Any]) ?? [:]
        func int(_ key: String) -> Int { (config[key] as? NSNumber)?.intValue ?? 0 }
        let (nz, ngf, ndf, steps) = (int("nz"), int("ngf"), int("ndf"), int("steps"))
        let netG = DCGANModels.generator(nz: nz, ngf: ngf)
        let netD = DCGANModels.discriminator(ndf: ndf)
        try netG.loadState(from: file, prefix: "netG")
        try netD.loadState(from: file, prefix: "netD")
        let optimizerG = Adam(parameters: netG.parameters, learningRate: 2e-4, betas: (0.5, 0.999))
        let optimizerD = Adam(parameters: netD.parameters, learningRate: 2e-4, betas: (0.5, 0.999))
        let real = try file.tensor(named: "real")
        let noise = try file.tensor(named: "noise").data
        let batch = real.shape[0]
        let (atol, rtol): (Float, Float) = (1e-4, 1e-3)
        var passed = true
        var worstLoss: Float = 0
        let expected = try ["errD_real", "errD_fake", "errG"].map {
            try file.tensor(named: $0).data
        }
        for step in 0..<steps {
            let stepNoise = Tensor(
                shape: [batch, nz, 1, 1],
                data: Array(noise[(step * batch * nz)..<((step + 1) * batch * nz)]))
            let losses = DCGANModels.trainStep(
                generator: netG, discriminator: netD, optimizerG: optimizerG,
                optimizerD: optimizerD, real: real, noise: stepNoise)
            for (value, reference) in zip(
                [losses.dReal, losses.dFake, losses.g], expected.map { $0[step] })
            {
                worstLoss = max(worstLoss, abs(value - reference))
                if abs(value - reference) > atol + rtol * abs(reference) { passed = false }
            }
        }
        var failing = 0
        var total = 0
        var worstExcess: Float = -.infinity
        for (prefix, model) in [("final.netG", netG), ("final.netD", netD)] {
            for (key, entry) in model.stateEntries() {
                let reference = try file.tensor(named: "\(prefix).\(key)").data
                var failingHere = 0
                for (a, b) in zip(entry.value.data, reference) {
                    total += 1
                    let excess = abs(a - b) - (atol + rtol * abs(b))
                    worstExcess = max(worstExcess, excess)
                    if excess > 0 { failingHere += 1 }
                }
                if failingHere > 0 {
                    print(
                        "trajectory_outside \(prefix).\(key) \(failingHere) of \(reference.count)")
                }
                failing += failingHere
            }
        }
        if failing > 0 { passed = false }
        report("trajectory_steps", Double(steps))
        report("trajectory_max_loss_abs_diff", Double(worstLoss))
        report("trajectory_params_checked", Double(total))
        report("trajectory_params_outside_tolerance", Double(failing))
        report("trajectory_worst_excess_over_tolerance", Double(worstExcess))
        print("trajectory_match \(passed ? "yes" : "NO")")
        return passed
    }
}

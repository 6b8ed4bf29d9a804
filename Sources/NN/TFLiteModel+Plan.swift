extension TFLiteModel {
    /// A model's steps between checking and running: operators folded into the convolutions
    /// around them, the kernel of each convolution chosen (weights packed), and the buffers no
    /// step touches any more released.
    ///
    /// A fusion applies only where the intermediate tensor it removes has exactly one reader and
    /// is not a graph output, so no step can see the difference.
    struct Plan {
        var steps: [Step]
        var shapes: [[Int]]
        var buffers: [UnsafeMutablePointer<Float>?]
        let input: Int
        let outputs: [Int]
        /// Scratch floats per worker.
        private(set) var scratchCount = 0
        /// Input pointers per worker.
        private(set) var pointerCount = 0
        /// The buffer of zeros the 3×3 depthwise kernel reads above and below the image.
        private(set) var zeros = 0

        init(steps: [Step], shapes: [[Int]], buffers: [UnsafeMutablePointer<Float>?], input: Int, outputs: [Int]) {
            self.steps = steps
            self.shapes = shapes
            self.buffers = buffers
            self.input = input
            self.outputs = outputs
        }

        /// How many times each tensor is read by a step, plus one per appearance among the graph's
        /// outputs.
        private func uses() -> [Int] {
            var uses = [Int](repeating: 0, count: shapes.count)
            for step in steps { for t in step.reads { uses[t] += 1 } }
            for t in outputs { uses[t] += 1 }
            return uses
        }

        /// The index of the step writing `tensor`, if a step does.
        private func producer(of tensor: Int) -> Int? { steps.firstIndex { $0.output == tensor } }

        /// Runs the fusions: spatial pads into the convolution reading them, residual adds into the
        /// convolution producing one of their operands, then activations into their producer.
        mutating func fuse() {
            fusePads()
            fuseResiduals()
            fuseActivations()
            foldReshapes()
        }

        /// `PAD` of H and W only, read by one convolution or depthwise convolution: the convolution
        /// reads the unpadded tensor with that much more leading padding (its kernels take taps
        /// outside the image as zeros, which is what the pad wrote).
        private mutating func fusePads() {
            var uses = uses()
            var i = 0
            while i < steps.count {
                guard case .pad(let x, let before, let padded) = steps[i], uses[padded] == 1, shapes[x].count == 4 else { i += 1; continue }
                let s = shapes[x], o = shapes[padded]
                let after = (0..<4).map { o[$0] - s[$0] - before[$0] }
                guard before[0] == 0, before[3] == 0, after[0] == 0, after[3] == 0,
                      let j = steps.firstIndex(where: { $0.reads.contains(padded) })
                else { i += 1; continue }
                switch steps[j] {
                case .conv(var c, padded, let w, let b, let y, let f) where w != padded && b != padded:
                    c.h = s[1]; c.w = s[2]; c.padTop += before[1]; c.padLeft += before[2]
                    steps[j] = .conv(c, input: x, weights: w, bias: b, output: y, f)
                case .depthwise(var d, padded, let w, let b, let y, let f) where w != padded && b != padded:
                    d.h = s[1]; d.w = s[2]; d.padTop += before[1]; d.padLeft += before[2]
                    steps[j] = .depthwise(d, input: x, weights: w, bias: b, output: y, f)
                default:
                    i += 1
                    continue
                }
                steps.remove(at: i)
                uses = self.uses()
            }
        }

        /// `ADD` of a convolution's or a resize's output (no activation or epilogue of its own) and
        /// another tensor of the same shape: that step moves to the `ADD`'s place and adds the other
        /// tensor as it stores. A channel-only `PAD` in front of the other operand is dropped: the
        /// convolution adds the channels the unpadded tensor has.
        private mutating func fuseResiduals() {
            var uses = uses()
            var j = 0
            while j < steps.count {
                guard case .add(let a, let b, let sum, let activation) = steps[j], shapes[sum].count == 4,
                      shapes[a] == shapes[sum], shapes[b] == shapes[sum], a != b
                else { j += 1; continue }
                var fused = false
                for (branch, other) in [(b, a), (a, b)] where uses[branch] == 1 {
                    guard let i = producer(of: branch) else { continue }
                    // The step that will add `other` as it stores: a convolution or a resize.
                    let adding: (Finish) -> Step
                    switch steps[i] {
                    case .conv(let c, let x, let w, let bias, _, Finish()):
                        adding = { .conv(c, input: x, weights: w, bias: bias, output: sum, $0) }
                    case .resize(let x, _, let alignCorners, let halfPixelCenters, Finish()):
                        adding = { .resize(x, output: sum, alignCorners: alignCorners, halfPixelCenters: halfPixelCenters, $0) }
                    default:
                        continue
                    }
                    var skip = other, skipChannels = shapes[sum][3]
                    var removed = [i]
                    if uses[other] == 1, let k = producer(of: other), case .pad(let y, let before, _) = steps[k],
                       before.allSatisfy({ $0 == 0 }), shapes[y].count == 4, Array(shapes[y][0..<3]) == Array(shapes[sum][0..<3]) {
                        skip = y
                        skipChannels = shapes[y][3]
                        removed.append(k)
                    }
                    steps[j] = adding(Finish(skip: skip, skipChannels: skipChannels, activation: activation))
                    for index in removed.sorted(by: >) { steps.remove(at: index) }
                    j -= removed.count
                    fused = true
                    break
                }
                if fused { uses = self.uses() }
                j += 1
            }
        }

        /// `RELU` or a per-channel `PRELU` of a convolution's or depthwise convolution's output
        /// that has no activation of that kind yet (a `RELU` also of an `ADD`'s): the producer
        /// writes the activated tensor itself.
        private mutating func fuseActivations() {
            var uses = uses()
            var j = 0
            while j < steps.count {
                let x: Int, y: Int, alpha: Int?
                switch steps[j] {
                case .relu(let input, let output): (x, y, alpha) = (input, output, nil)
                case .prelu(let input, let slopes, let output):
                    let channels = shapes[input].last ?? 0
                    guard shapes[slopes].reduce(1, *) == channels, shapes[slopes].last == channels, producer(of: slopes) == nil
                    else { j += 1; continue }
                    (x, y, alpha) = (input, output, slopes)
                default: j += 1; continue
                }
                guard uses[x] == 1, let i = producer(of: x) else { j += 1; continue }
                func merged(_ f: Finish) -> Finish? {
                    var f = f
                    if let alpha {
                        guard f.alpha == nil else { return nil }
                        f.alpha = alpha
                    } else {
                        guard f.activation == .none, f.alpha == nil else { return nil }
                        f.activation = .relu
                    }
                    return f
                }
                switch steps[i] {
                case .conv(let c, let input, let w, let b, _, let f):
                    guard let f = merged(f) else { j += 1; continue }
                    steps[i] = .conv(c, input: input, weights: w, bias: b, output: y, f)
                case .depthwise(let d, let input, let w, let b, _, let f):
                    guard let f = merged(f) else { j += 1; continue }
                    steps[i] = .depthwise(d, input: input, weights: w, bias: b, output: y, f)
                case .add(let p, let q, _, .none) where alpha == nil:
                    steps[i] = .add(p, q, output: y, .relu)
                default:
                    j += 1
                    continue
                }
                steps.remove(at: j)
                uses = self.uses()
            }
        }

        /// `RESHAPE` (the same floats in the same order) of a tensor that only it reads: the
        /// producer writes the reshaped tensor itself.
        private mutating func foldReshapes() {
            var uses = uses()
            var j = 0
            while j < steps.count {
                guard case .copy(let x, let y) = steps[j], uses[x] == 1, let i = producer(of: x), let step = steps[i].writing(y)
                else { j += 1; continue }
                steps[i] = step
                steps.remove(at: j)
                uses = self.uses()
            }
        }

        /// A new buffer of `count` zeros owned by the model; returns its index.
        private mutating func appendBuffer(count: Int) -> Int {
            buffers.append(TFLiteModel.allocateFloats(count))
            shapes.append([count])
            return buffers.count - 1
        }

        /// Chooses each convolution's kernel (packing the weights of the register-tiled one; only
        /// the general kernels unless `fast`) and sizes the scratch and zero buffers.
        mutating func lower(fast: Bool) {
            var zeroCount = 1
            for n in steps.indices {
                switch steps[n] {
                case .conv(let c, let x, let w, let b, let y, let f):
                    if fast && Self.prefersPacked(c) {
                        let packed = TFLiteKernels.PackedConv(c)
                        let index = appendBuffer(count: packed.packedCount)
                        packed.pack(weights: buffers[w]!, bias: b.map { UnsafePointer(buffers[$0]!) }, into: buffers[index]!)
                        scratchCount = max(scratchCount, packed.scratchCount)
                        pointerCount = max(pointerCount, packed.pointerCount)
                        steps[n] = .packedConv(packed, input: x, packed: index, output: y, f)
                    } else {
                        // Scratch for up to 8 output rows per chunk, or the whole slice of a small image.
                        scratchCount = max(scratchCount, c.scratchCount(rows: min(c.oh, max(8, (c.oh + 1) / 2))))
                    }
                case .depthwise(var d, let x, let w, let b, let y, let f):
                    d.usesFast3x3 = fast && d.hasFast3x3
                    if d.usesFast3x3 { zeroCount = max(zeroCount, d.zeroCount) }
                    steps[n] = .depthwise(d, input: x, weights: w, bias: b, output: y, f)
                default:
                    break
                }
            }
            zeros = appendBuffer(count: zeroCount)
            if fast { fuseSeparable() }
        }

        /// Floats of depthwise output a separable step keeps per worker (16 KiB: L1 holds it with
        /// the depthwise input rows).
        static let separableGroupFloats = 4096

        /// A depthwise convolution whose output only a 1×1 stride-1 register-tiled convolution reads
        /// becomes one ``Separable`` step in the 1×1 convolution's place.
        private mutating func fuseSeparable() {
            var uses = uses()
            var j = 0
            while j < steps.count {
                guard case .packedConv(let pw, let t, let packed, let y, let finish) = steps[j], pw.conv.isPointwise, uses[t] == 1,
                      let i = producer(of: t), case .depthwise(let dw, let x, let w, let b, _, let dwFinish) = steps[i]
                else { j += 1; continue }
                let rows = max(1, min(dw.oh, Self.separableGroupFloats / max(dw.ow * dw.cout, 1)))
                let separable = Separable(depthwise: dw, depthwiseWeights: w, depthwiseBias: b, depthwiseFinish: dwFinish,
                                          pointwise: pw, packed: packed, rowsPerGroup: rows)
                scratchCount = max(scratchCount, separable.scratchCount)
                steps[j] = .separable(separable, input: x, output: y, finish)
                steps.remove(at: i)
                uses = self.uses()
            }
        }

        /// Whether a convolution runs on the register-tiled kernel rather than im2col and sgemm:
        /// always, as measured on every convolution shape of MediaPipe's three models (one core,
        /// warm cache: 1×1 96×96×32→8 64 µs against sgemm's 122, 96×96×8→32 59/90, 48×48×64→16
        /// 47/67, 24×24×32→128 43/53, 6×6×96→384 23/31; 3×3/2 on 192×192×3→32 183/498, 5×5/2 on
        /// 128×128×3→24 199/546). The widest products (hundreds of channels on large images), which
        /// these models lack, may favour sgemm.
        static func prefersPacked(_ conv: TFLiteKernels.Conv) -> Bool { true }

        /// Frees the buffers no step reads or writes any more (tensors fused away, weights packed),
        /// then lets the activations share buffers by liveness: a step's output takes a buffer
        /// whose tensors are all dead (never one the step reads), so a run touches a few buffers
        /// that stay in cache instead of one per tensor. The input and the graph's outputs keep
        /// buffers of their own to the end of a run. Afterwards several entries of `buffers` may
        /// hold the same pointer.
        mutating func assignBuffers() {
            var used = Set(outputs + [input, zeros])
            for step in steps {
                used.insert(step.output)
                used.formUnion(step.reads)
            }
            for i in buffers.indices where !used.contains(i) {
                buffers[i]?.deallocate()
                buffers[i] = nil
            }
            // The last step reading each activation.
            var lastRead: [Int: Int] = [:]
            for (n, step) in steps.enumerated() { for t in step.reads { lastRead[t] = n } }
            let kept = Set(outputs + [input])
            var slots: [(size: Int, tensors: [Int])] = []
            var free: [Int] = []
            var slotOf: [Int: Int] = [:]
            for (n, step) in steps.enumerated() {
                let t = step.output
                if !kept.contains(t), slotOf[t] == nil {
                    let size = max(shapes[t].reduce(1, *), 1)
                    // The smallest free buffer that is large enough, else the largest one, grown.
                    let fitting = free.filter { slots[$0].size >= size }.min { slots[$0].size < slots[$1].size }
                    let slot: Int
                    if let chosen = fitting ?? free.max(by: { slots[$0].size < slots[$1].size }) {
                        slot = chosen
                        free.removeAll { $0 == chosen }
                        slots[slot].size = max(slots[slot].size, size)
                    } else {
                        slot = slots.count
                        slots.append((size, []))
                    }
                    slots[slot].tensors.append(t)
                    slotOf[t] = slot
                }
                // Buffers whose last reader is this step are free for the next steps' outputs.
                for r in Set(step.reads) where lastRead[r] == n {
                    if let slot = slotOf[r], slots[slot].tensors.allSatisfy({ lastRead[$0, default: -1] <= n }) { free.append(slot) }
                }
            }
            for slot in slots {
                let p = TFLiteModel.allocateFloats(slot.size)
                for t in slot.tensors {
                    buffers[t]?.deallocate()
                    buffers[t] = p
                }
            }
        }
    }
}

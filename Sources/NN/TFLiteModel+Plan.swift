extension TFLiteModel {
    /// A model's steps between checking and running: the kernel of each convolution chosen
    /// (weights packed), and the buffers no step touches any more released.
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

        /// A new buffer of `count` zeros owned by the model; returns its index.
        private mutating func appendBuffer(count: Int) -> Int {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
            p.initialize(repeating: 0, count: max(count, 1))
            buffers.append(p)
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
        }

        /// Whether a convolution runs on the register-tiled kernel rather than im2col and sgemm.
        static func prefersPacked(_ conv: TFLiteKernels.Conv) -> Bool { true }

        /// Frees the buffers no step reads or writes any more (weights packed).
        mutating func releaseUnused() {
            var used = Set(outputs + [input, zeros])
            for step in steps {
                used.insert(step.output)
                used.formUnion(step.reads)
            }
            for i in buffers.indices where !used.contains(i) {
                buffers[i]?.deallocate()
                buffers[i] = nil
            }
        }
    }
}

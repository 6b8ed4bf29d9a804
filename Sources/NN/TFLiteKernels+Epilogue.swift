extension TFLiteKernels {
    /// What a convolution does to its sums before they are final, so that a residual `ADD`, an
    /// activation and a `PRELU` that follow it in the graph cost no pass of their own over memory:
    /// `output = prelu(activation(sum + skip))`, the bias being in the sum already. Kernels run it
    /// over the few pixels they have just written, while those are in L1.
    ///
    /// The skip tensor is NHWC with `skipStride` floats per pixel, of which the first
    /// `skipChannels` are added to the output's first channels: a residual whose channels TFLite
    /// zero-pads (`PAD` on the channel axis) before its `ADD` adds only the channels it has.
    struct Epilogue {
        var skip: UnsafePointer<Float>? = nil
        var skipStride = 0
        var skipChannels = 0
        var activation: TFLiteGraph.Activation = .none
        /// One PReLU slope per output channel, applied after `activation`.
        var alpha: UnsafePointer<Float>? = nil

        /// Whether the sums are final as they are.
        var isIdentity: Bool { skip == nil && activation == .none && alpha == nil }

        /// Finishes, in place, `pixels` whole output pixels of `channels` channels each starting at
        /// `output`, the first being output pixel `firstPixel`.
        func apply(to output: UnsafeMutablePointer<Float>, firstPixel: Int, pixels: Int, channels: Int) {
            apply(to: output, firstPixel: firstPixel, pixels: pixels, channels: channels, range: 0..<channels)
        }

        /// Finishes, in place, channels `range` of `pixels` output pixels of `channels` channels
        /// each starting at `output`, the first being output pixel `firstPixel` (a worker owning
        /// some of the channels finishes only those).
        func apply(to output: UnsafeMutablePointer<Float>, firstPixel: Int, pixels: Int, channels: Int, range: Range<Int>) {
            guard pixels > 0, !range.isEmpty, !isIdentity else { return }
            let whole = range == 0..<channels
            if let skip {
                let source = skip + firstPixel * skipStride
                if whole && skipStride == channels && skipChannels == channels {
                    Self.add(source, into: output, count: pixels * channels)
                } else {
                    let added = range.clamped(to: 0..<skipChannels)
                    if !added.isEmpty {
                        for i in 0..<pixels {
                            Self.add(source + i * skipStride + added.lowerBound, into: output + i * channels + added.lowerBound, count: added.count)
                        }
                    }
                }
            }
            if activation != .none {
                if whole {
                    Self.activate(output, count: pixels * channels, activation)
                } else {
                    for i in 0..<pixels { Self.activate(output + i * channels + range.lowerBound, count: range.count, activation) }
                }
            }
            if let alpha {
                for i in 0..<pixels {
                    Self.prelu(output + i * channels + range.lowerBound, alpha: alpha + range.lowerBound, count: range.count)
                }
            }
        }

        /// `target[i] += source[i]`, eight at a time.
        @inline(__always)
        static func add(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int) {
            let s = UnsafeRawPointer(source), t = UnsafeMutableRawPointer(target)
            var i = 0
            while i + 8 <= count {
                let sum = t.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) + s.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
                t.storeBytes(of: sum, toByteOffset: 4 * i, as: SIMD8<Float>.self)
                i += 8
            }
            while i < count { target[i] += source[i]; i += 1 }
        }

        /// A clamp of `count` floats in place, eight at a time.
        static func activate(_ p: UnsafeMutablePointer<Float>, count: Int, _ activation: TFLiteGraph.Activation) {
            let (low, high): (Float, Float)
            switch activation {
            case .none: return
            case .relu: (low, high) = (0, .infinity)
            case .relu6: (low, high) = (0, 6)
            case .reluN1To1: (low, high) = (-1, 1)
            }
            let lower = SIMD8<Float>(repeating: low), upper = SIMD8<Float>(repeating: high)
            let raw = UnsafeMutableRawPointer(p)
            var i = 0
            while i + 8 <= count {
                var v = raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
                v = v.replacing(with: lower, where: v .< lower)
                v = v.replacing(with: upper, where: v .> upper)
                raw.storeBytes(of: v, toByteOffset: 4 * i, as: SIMD8<Float>.self)
                i += 8
            }
            while i < count { p[i] = min(max(p[i], low), high); i += 1 }
        }

        /// `x < 0 ? alpha[i]·x : x` over one pixel's `count` channels, in place.
        @inline(__always)
        static func prelu(_ p: UnsafeMutablePointer<Float>, alpha: UnsafePointer<Float>, count: Int) {
            let raw = UnsafeMutableRawPointer(p), slopes = UnsafeRawPointer(alpha)
            var i = 0
            while i + 8 <= count {
                let v = raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
                let scaled = v * slopes.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
                raw.storeBytes(of: v.replacing(with: scaled, where: v .< 0), toByteOffset: 4 * i, as: SIMD8<Float>.self)
                i += 8
            }
            while i < count { if p[i] < 0 { p[i] *= alpha[i] }; i += 1 }
        }
    }
}

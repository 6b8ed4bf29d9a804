/// One SSD anchor: a box centre and size, normalised to the model input (`0...1` across its width
/// and height). BlazeFace's regressors are offsets from these.
public struct SSDAnchor: Sendable, Equatable {
    /// Horizontal centre, normalised.
    public var xCenter: Float
    /// Vertical centre, normalised.
    public var yCenter: Float
    /// Width, normalised (1 when the options fix the anchor size).
    public var width: Float
    /// Height, normalised (1 when the options fix the anchor size).
    public var height: Float

    /// Creates an anchor.
    public init(xCenter: Float, yCenter: Float, width: Float, height: Float) {
        self.xCenter = xCenter
        self.yCenter = yCenter
        self.width = width
        self.height = height
    }

    /// The anchors MediaPipe's `SsdAnchorsCalculator` generates for these options, in its order:
    /// layers grouped by equal consecutive strides, then rows, columns, and the anchors of a cell.
    ///
    /// The arithmetic follows the calculator's C++ (0.10.14) operation for operation, including
    /// where it widens to double (`CalculateScale`), so the values match it bit for bit.
    /// MediaPipe's multi-scale generation (`multiscale_anchor_generation`) and explicit feature-map
    /// sizes are not needed by the face models and are not offered.
    public static func generate(_ options: SSDAnchorOptions) -> [SSDAnchor] {
        var anchors: [SSDAnchor] = []
        let strides = options.strides
        var layer = 0
        while layer < strides.count {
            var aspectRatios: [Float] = []
            var scales: [Float] = []
            // Layers with the same stride share one feature map; their anchors are merged per cell.
            var last = layer
            while last < strides.count && strides[last] == strides[layer] {
                let scale = calculateScale(options.minScale, options.maxScale, last, strides.count)
                if last == 0 && options.reduceBoxesInLowestLayer {
                    aspectRatios += [1.0, 2.0, 0.5]
                    scales += [0.1, scale, scale]
                } else {
                    for ratio in options.aspectRatios {
                        aspectRatios.append(ratio)
                        scales.append(scale)
                    }
                    if options.interpolatedScaleAspectRatio > 0 {
                        let next: Float =
                            last == strides.count - 1
                            ? 1.0 : calculateScale(options.minScale, options.maxScale, last + 1, strides.count)
                        scales.append((scale * next).squareRoot())
                        aspectRatios.append(options.interpolatedScaleAspectRatio)
                    }
                }
                last += 1
            }
            var heights: [Float] = []
            var widths: [Float] = []
            for (ratio, scale) in zip(aspectRatios, scales) {
                let root = ratio.squareRoot()
                heights.append(scale / root)
                widths.append(scale * root)
            }
            let stride = Float(strides[layer])
            let mapHeight = Int((Float(options.inputHeight) / stride).rounded(.up))
            let mapWidth = Int((Float(options.inputWidth) / stride).rounded(.up))
            anchors.reserveCapacity(anchors.count + mapHeight * mapWidth * heights.count)
            for y in 0..<mapHeight {
                for x in 0..<mapWidth {
                    for k in 0..<heights.count {
                        let xCenter = (Float(x) + options.anchorOffsetX) / Float(mapWidth)
                        let yCenter = (Float(y) + options.anchorOffsetY) / Float(mapHeight)
                        anchors.append(
                            options.fixedAnchorSize
                                ? SSDAnchor(xCenter: xCenter, yCenter: yCenter, width: 1, height: 1)
                                : SSDAnchor(xCenter: xCenter, yCenter: yCenter, width: widths[k], height: heights[k]))
                    }
                }
            }
            layer = last
        }
        return anchors
    }

    /// MediaPipe's `CalculateScale`: the midpoint for one stride, else a linear ramp computed in
    /// double (the C++ multiplies by the double literal `1.0`) and narrowed to float.
    static func calculateScale(_ minScale: Float, _ maxScale: Float, _ index: Int, _ count: Int) -> Float {
        if count == 1 { return (minScale + maxScale) * 0.5 }
        let ramp = Double(maxScale - minScale) * 1.0 * Double(index) / Double(Float(count) - 1)
        return Float(Double(minScale) + ramp)
    }
}

/// The settings of MediaPipe's `SsdAnchorsCalculatorOptions` that the face models use.
public struct SSDAnchorOptions: Sendable, Equatable {
    /// Model input width in pixels.
    public var inputWidth: Int
    /// Model input height in pixels.
    public var inputHeight: Int
    /// Scale of the first layer's anchors.
    public var minScale: Float
    /// Scale of the last layer's anchors.
    public var maxScale: Float
    /// Anchor centre within its cell, as a fraction of the cell (0.5 = the middle).
    public var anchorOffsetX: Float
    /// Anchor centre within its cell, vertically.
    public var anchorOffsetY: Float
    /// One stride per layer (`num_layers` is their count); consecutive equal strides share a map.
    public var strides: [Int]
    /// Aspect ratios of each cell's anchors.
    public var aspectRatios: [Float]
    /// When positive, one more anchor per layer at the geometric mean of this layer's and the next
    /// layer's scale, with this aspect ratio.
    public var interpolatedScaleAspectRatio: Float
    /// Whether every anchor has width and height 1 (BlazeFace regresses absolute sizes).
    public var fixedAnchorSize: Bool
    /// Whether the lowest layer uses MediaPipe's predefined three anchors (scales 0.1, s, s).
    public var reduceBoxesInLowestLayer: Bool

    /// Creates options; the defaults are the proto's.
    /// - Precondition: positive input size, at least one positive stride.
    public init(
        inputWidth: Int, inputHeight: Int, minScale: Float, maxScale: Float,
        anchorOffsetX: Float = 0.5, anchorOffsetY: Float = 0.5, strides: [Int],
        aspectRatios: [Float], interpolatedScaleAspectRatio: Float = 1.0,
        fixedAnchorSize: Bool = false, reduceBoxesInLowestLayer: Bool = false
    ) {
        precondition(inputWidth > 0 && inputHeight > 0, "anchor input size must be positive")
        precondition(!strides.isEmpty && strides.allSatisfy { $0 > 0 }, "anchors need positive strides")
        self.inputWidth = inputWidth
        self.inputHeight = inputHeight
        self.minScale = minScale
        self.maxScale = maxScale
        self.anchorOffsetX = anchorOffsetX
        self.anchorOffsetY = anchorOffsetY
        self.strides = strides
        self.aspectRatios = aspectRatios
        self.interpolatedScaleAspectRatio = interpolatedScaleAspectRatio
        self.fixedAnchorSize = fixedAnchorSize
        self.reduceBoxesInLowestLayer = reduceBoxesInLowestLayer
    }

    /// MediaPipe 0.10.14's full-range face detector (`face_detection_full_range.pbtxt`): 192×192,
    /// one stride-4 layer, 2304 anchors.
    public static let blazeFaceFullRange = SSDAnchorOptions(
        inputWidth: 192, inputHeight: 192, minScale: 0.1484375, maxScale: 0.75, strides: [4],
        aspectRatios: [1.0], interpolatedScaleAspectRatio: 0.0, fixedAnchorSize: true)

    /// MediaPipe 0.10.14's short-range face detector (`face_detection_short_range.pbtxt`): 128×128,
    /// strides 8, 16, 16, 16, 896 anchors.
    public static let blazeFaceShortRange = SSDAnchorOptions(
        inputWidth: 128, inputHeight: 128, minScale: 0.1484375, maxScale: 0.75, strides: [8, 16, 16, 16],
        aspectRatios: [1.0], interpolatedScaleAspectRatio: 1.0, fixedAnchorSize: true)
}

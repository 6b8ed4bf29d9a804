import Foundation

/// A TFLite model read from its FlatBuffer file and run in float32 on this module's kernels
/// (inference only).
///
/// Supports single-graph, batch-1 NHWC models built from `CONV_2D`, `DEPTHWISE_CONV_2D`, `ADD`,
/// `RELU`, `PRELU`, `PAD`, `MAX_POOL_2D`, `RESHAPE`, `CONCATENATION`, `RESIZE_BILINEAR`,
/// `DEPTH_TO_SPACE`, `DEQUANTIZE` (float16 weights) and `DENSIFY` (sparse weights): MediaPipe's
/// BlazeFace and FaceMesh models. Operators whose inputs are all constant (`DEQUANTIZE`, `DENSIFY`)
/// run once at load time, so a run executes only the network itself.
///
/// The file is untrusted input: every offset, count, index, shape and option is checked at load,
/// and the shape each operator computes must equal the one the file declares; a problem is a
/// `TFLiteError` naming the file and the operator or tensor, never a crash. Constant tensors must be
/// finite.
///
/// A model keeps its activation buffers, so one instance runs on one thread at a time. Inside a
/// run the larger convolutions split their rows over the cores, on helper threads the model starts
/// at its first such run and stops when it is freed (``maximumWorkers``).
public final class TFLiteModel {
    /// Largest file accepted (64 MiB; MediaPipe's face models are under 2 MiB).
    public static let maximumFileSize = 64 << 20

    /// The file's path, as given.
    public let path: String
    /// The input tensor's shape, `[1, height, width, channels]`.
    public let inputShape: [Int]
    /// Each output's shape, in the graph's output order.
    public let outputShapes: [[Int]]
    /// Each output's tensor name.
    public let outputNames: [String]
    /// The most cores one run uses (from 1 to the machine's core count, which is the default);
    /// 1 keeps a run on the calling thread, for callers that run several models at once.
    public var maximumWorkers: Int {
        get { workerLimit }
        set { workerLimit = min(max(newValue, 1), Parallel.workerCount) }
    }
    private(set) var workerLimit = Parallel.workerCount
    /// Steps run per call (after constant folding and fusion).
    public var operatorCount: Int { steps.count }

    /// Each tensor's shape; entries past the graph's tensors are the runner's own buffers (packed
    /// weights, zeros).
    let shapes: [[Int]]
    /// Each tensor's floats (nil for integer tensors and for tensors no step touches).
    private(set) var buffers: [UnsafeMutablePointer<Float>?]
    private(set) var steps: [Step] = []
    private let inputIndex: Int
    private let outputIndices: [Int]
    /// One scratch buffer of `scratchCount` floats per worker.
    private(set) var scratch: [UnsafeMutablePointer<Float>] = []
    private(set) var scratchCount = 0
    /// One list of `pointerCount` input pointers per worker (the packed convolutions' tiles).
    private(set) var pointers: [UnsafeMutablePointer<UnsafePointer<Float>>] = []
    /// A buffer of zeros that kernels read for taps above or below the image.
    let zerosIndex: Int

    /// Multiply-adds from which a convolution is split over the workers (about 5 µs on one core;
    /// handing a step to the pool's spinning helper costs about 1–2 µs).
    static let parallelWork = 1 << 18
    /// Chunks of a parallel step per worker, claimed dynamically (a worker that starts late
    /// leaves its chunk to the caller). Two per worker ran about 5% slower best-of on the quiet
    /// 2-core VM (full range 1.74–1.78 ms against 1.66–1.68) and was no steadier under load.
    static let chunksPerWorker = 1
    /// Helper threads for the parallel steps, started at the first one.
    private var pool: WorkerPool?

    /// The worker pool with `workers` workers (the caller included), started or restarted as
    /// needed.
    func workerPool(_ workers: Int) -> WorkerPool {
        if let pool, pool.workers == workers { return pool }
        let pool = WorkerPool(workers: workers)
        self.pool = pool
        return pool
    }

    /// Loads and checks a model.
    /// - Throws: `TFLiteError` for a missing, unreadable, damaged or unsupported file.
    public convenience init(contentsOf url: URL) throws(TFLiteError) {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TFLiteError(code: .fileNotFound, path: path,
                              message: "Cannot load TFLite model '\(path)': no such file. Fetch the face models with `make models`.")
        }
        guard !isDirectory.boolValue else {
            throw TFLiteError(code: .readFailed, path: path, message: "Cannot load TFLite model '\(path)': it is a folder, not a file.")
        }
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        if let type = attributes?[.type] as? FileAttributeType, type != .typeRegular {
            throw TFLiteError(code: .readFailed, path: path,
                              message: "Cannot load TFLite model '\(path)': it is not a regular file (\(type.rawValue)). Name the .tflite file itself.")
        }
        if let size = attributes?[.size] as? NSNumber, size.intValue > Self.maximumFileSize {
            throw TFLiteError(code: .fileTooLarge, path: path,
                              message: "Cannot load TFLite model '\(path)': it has \(size.intValue) bytes, over the \(Self.maximumFileSize)-byte limit. "
                                + "Check that it is a face model.")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TFLiteError(code: .readFailed, path: path,
                              message: "Cannot load TFLite model '\(path)': it could not be read (\(error.localizedDescription)).")
        }
        try self.init(data: data, path: path)
    }

    /// Loads and checks a model from its bytes; `path` names it in errors.
    public convenience init(data: Data, path: String) throws(TFLiteError) {
        try self.init(data: data, path: path, plain: false)
    }

    /// As ``init(data:path:)``; `plain` runs every operator as the file states it on the general
    /// kernels (no fusion, im2col and sgemm convolutions, the general depthwise kernel), the
    /// reference the tests hold the fast paths to.
    init(data: Data, path: String, plain: Bool) throws(TFLiteError) {
        guard data.count <= Self.maximumFileSize else {
            throw TFLiteError(code: .fileTooLarge, path: path,
                              message: "Cannot load TFLite model '\(path)': it has \(data.count) bytes, over the \(Self.maximumFileSize)-byte limit.")
        }
        self.path = path
        let result: Result<Loaded, TFLiteError> = data.withUnsafeBytes { raw in
            do throws(TFLiteError) {
                let graph = try TFLiteGraph(bytes: raw, path: path)
                return .success(try Self.load(graph, bytes: raw, path: path, plain: plain))
            } catch {
                return .failure(error)
            }
        }
        let loaded: Loaded
        switch result {
        case .success(let value): loaded = value
        case .failure(let error): throw error
        }
        shapes = loaded.shapes
        buffers = loaded.buffers
        steps = loaded.steps
        inputIndex = loaded.input
        outputIndices = loaded.outputs
        inputShape = loaded.shapes[loaded.input]
        outputShapes = loaded.outputs.map { loaded.shapes[$0] }
        outputNames = loaded.outputNames
        scratchCount = loaded.scratchCount
        zerosIndex = loaded.zeros
        scratch = (0..<Parallel.workerCount).map { _ in Self.allocateFloats(loaded.scratchCount) }
        let zeros = loaded.buffers[loaded.zeros]!
        pointers = (0..<Parallel.workerCount).map { _ in
            let p = UnsafeMutablePointer<UnsafePointer<Float>>.allocate(capacity: max(loaded.pointerCount, 1))
            p.initialize(repeating: UnsafePointer(zeros), count: max(loaded.pointerCount, 1))
            return p
        }
    }

    deinit {
        // Activations share buffers: free each once.
        for p in Set(buffers.compactMap { $0 }) { p.deallocate() }
        for p in scratch { p.deallocate() }
        for p in pointers { p.deallocate() }
    }

    /// Runs the model on one input (NHWC, `inputShape`'s element count).
    /// - Returns: the outputs in the graph's order, each row-major in its `outputShapes` entry.
    /// - Throws: `TFLiteError.badInput` for a wrong size or a non-finite value.
    public func run(_ input: [Float]) throws(TFLiteError) -> [[Float]] {
        try input.withUnsafeBufferPointer { p throws(TFLiteError) in try run(input: p) }
    }

    /// As ``run(_:)`` from a buffer.
    public func run(input: UnsafeBufferPointer<Float>) throws(TFLiteError) -> [[Float]] {
        let expected = inputShape.reduce(1, *)
        guard input.count == expected else {
            throw TFLiteError(code: .badInput, path: path,
                              message: "TFLite model '\(path)' takes \(expected) input values (shape \(inputShape)), not \(input.count).")
        }
        guard let base = input.baseAddress, let target = buffers[inputIndex] else { return [] }
        for i in 0..<expected where !input[i].isFinite {
            throw TFLiteError(code: .badInput, path: path, message: "TFLite model '\(path)': input value \(i) is \(input[i]); inputs must be finite.")
        }
        target.update(from: base, count: expected)
        execute()
        return outputIndices.map { index in
            Array(UnsafeBufferPointer(start: buffers[index]!, count: shapes[index].reduce(1, *)))
        }
    }

    /// Runs the model once on `input` and returns the seconds spent per kind of step (`conv 3×3`,
    /// `conv 1×1`, `depthwise 5×5`, `add`, …), summed, for benchmarks.
    public func profile(_ input: [Float]) throws(TFLiteError) -> [String: Double] {
        _ = try run(input)
        var times: [String: Double] = [:]
        for (index, step) in steps.enumerated() {
            let start = DispatchTime.now().uptimeNanoseconds
            perform(index)
            times[Self.kind(step), default: 0] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        return times
    }
}

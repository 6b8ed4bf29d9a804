/// One tensor's description in a safetensors header: its dtype, shape and bytes in the data buffer.
public struct SafeTensorsEntry: Sendable, Equatable {
    /// The tensor's name (a PyTorch `state_dict` key such as `main.1.running_mean`).
    public var name: String
    /// The element type as stored in the file.
    public var dtype: SafeTensorsDType
    /// The dimensions, outermost first; `[]` is a scalar holding one element.
    public var shape: [Int]
    /// The tensor's bytes, as offsets relative to the start of the data buffer (after the header).
    public var dataOffsets: Range<Int>

    /// Creates an entry.
    public init(name: String, dtype: SafeTensorsDType, shape: [Int], dataOffsets: Range<Int>) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.dataOffsets = dataOffsets
    }

    /// The number of elements: the product of the shape (1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }
}

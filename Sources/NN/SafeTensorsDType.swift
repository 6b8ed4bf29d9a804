/// An element type of a safetensors tensor, spelled as in the file's header.
///
/// All are stored little-endian. Reading converts every type to `Float`; writing converts from
/// `Float` (see `SafeTensorsFile.write`). Other dtypes of the format (F64, I64, BOOL, …) are
/// rejected with `CheckpointError.Code.unknownDType`.
public enum SafeTensorsDType: String, Sendable, Equatable, CaseIterable {
    /// IEEE 754 binary32.
    case f32 = "F32"
    /// IEEE 754 binary16 (half precision): half the size of F32, about 3 decimal digits.
    case f16 = "F16"
    /// bfloat16: the top 16 bits of a binary32. Read only; write F16 or F32 instead.
    case bf16 = "BF16"
    /// Unsigned 8-bit integers 0...255 (masks, images, labels).
    case u8 = "U8"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .f32: 4
        case .f16, .bf16: 2
        case .u8: 1
        }
    }
}

/// A checkpoint file could not be read or written.
///
/// Every failure names the file (`path`) and, where one is involved, the tensor (`tensorName`).
/// The `message` says what failed, on what, why, and what to try; `description` is that message.
/// Tests compare whole errors, so two errors are equal only when code, path, tensor and message
/// all agree.
public struct CheckpointError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What kind of failure this is. Each rule of the safetensors format has its own code.
    public enum Code: String, Sendable, Equatable, CaseIterable {
        // MARK: File access
        /// The file does not exist.
        case fileNotFound
        /// The file exists but could not be read (a folder, no permission, an I/O error).
        case readFailed
        /// The file or its temporary sibling could not be written or renamed into place.
        case writeFailed

        // MARK: Framing
        /// The file is shorter than the 8-byte header length.
        case fileTooShort
        /// The header length is larger than the bound `SafeTensorsFile.maximumHeaderLength`.
        case headerTooLarge
        /// The header length points past the end of the file.
        case headerPastEndOfFile

        // MARK: Header JSON
        /// The header bytes are not valid UTF-8.
        case headerNotUTF8
        /// The header is not valid JSON.
        case invalidJSON
        /// The header is valid JSON but not an object.
        case headerNotObject
        /// The same tensor name appears twice in the header.
        case duplicateTensorName
        /// `__metadata__` is not an object whose values are all strings.
        case invalidMetadata

        // MARK: Tensor entries
        /// A tensor's entry is not a JSON object.
        case entryNotObject
        /// A tensor's entry has the same member (`dtype`, …) twice.
        case duplicateField
        /// A tensor's entry has no `dtype`.
        case missingDType
        /// A tensor's entry has no `shape`.
        case missingShape
        /// A tensor's entry has no `data_offsets`.
        case missingDataOffsets
        /// A tensor's `dtype` is not a string naming a supported type (F32, F16, BF16, U8).
        case unknownDType
        /// A tensor's `shape` is not an array of non-negative integers, or its size overflows.
        case invalidShape
        /// A tensor's `data_offsets` is not an array of two non-negative integers.
        case invalidDataOffsets
        /// A tensor's `data_offsets` begin after they end.
        case offsetsReversed
        /// A tensor's `data_offsets` end past the end of the data buffer.
        case offsetsOutOfBuffer
        /// A tensor's byte span does not equal its element count times its dtype's size.
        case sizeMismatch
        /// Two tensors share bytes of the data buffer.
        case overlappingTensors
        /// Some bytes of the data buffer belong to no tensor (a gap or trailing bytes).
        case uncoveredBytes

        // MARK: Lookup and writing
        /// No tensor of the asked-for name is in the file.
        case tensorNotFound
        /// A value cannot be stored in the asked-for dtype (U8 takes only whole numbers 0...255).
        case valueNotRepresentable
        /// A tensor name cannot be written: `__metadata__` is reserved for the metadata.
        case invalidTensorName

        // MARK: Loading into a model
        /// A tensor's shape differs from the shape the model's parameter or buffer has.
        case shapeMismatch
        /// A tensor loaded into a model holds NaN or an infinity.
        case nonFiniteValue
        /// The path is a FIFO, a device or a socket, not a regular file.
        case notRegularFile
    }

    /// What kind of failure this is.
    public var code: Code
    /// The file being read or written, as given by the caller.
    public var path: String
    /// The tensor involved, if the failure concerns one.
    public var tensorName: String?
    /// What failed, on what, why, and what to try.
    public var message: String

    /// Creates an error. `message` should name `path` (and `tensorName`, if any) itself.
    public init(code: Code, path: String, tensorName: String? = nil, message: String) {
        self.code = code
        self.path = path
        self.tensorName = tensorName
        self.message = message
    }

    /// The message, which already names the file and the tensor.
    public var description: String { message }
}

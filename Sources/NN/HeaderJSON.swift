/// A JSON value as read from a safetensors header, by a small strict parser (RFC 8259).
///
/// Foundation's `JSONSerialization` is not used because the header needs what it hides: object
/// members in file order with duplicates kept (a duplicate tensor name is an error, not "last
/// wins"), numbers as their literal text (so `3.0` and `1e2` can be told from the integer `3`, and
/// integers too large for `Int` are reported rather than rounded through `Double`), and a nesting
/// bound so hostile input cannot exhaust the stack.
enum HeaderJSON {
    case object([Member])
    case array([HeaderJSON])
    case string(String)
    /// The number exactly as written, e.g. `-12`, `3.5e2`.
    case number(String)
    case bool(Bool)
    case null

    /// One `"key": value` pair of an object.
    struct Member {
        var key: String
        var value: HeaderJSON
    }

    /// A short noun for messages: "an object", "a string", ….
    var kindDescription: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number(let text): "the number \(text)"
        case .bool(let value): "\(value)"
        case .null: "null"
        }
    }

    /// The value as a non-negative `Int`, if it is an integer literal in range.
    ///
    /// - Returns: `.value(n)`, or why it is not one (for the caller's message).
    var nonNegativeInteger: IntegerReading {
        guard case .number(let text) = self else { return .notANumber }
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        guard digits.allSatisfy({ $0 >= "0" && $0 <= "9" }) else { return .notAnInteger }
        guard let value = Int(text) else { return .tooLarge }
        return value < 0 ? .negative : .value(value)
    }

    enum IntegerReading: Equatable {
        case value(Int)
        case notANumber, notAnInteger, negative, tooLarge
    }
}

/// Why the header is not valid JSON, and where (a byte offset into the header).
struct HeaderJSONSyntaxError: Error {
    var offset: Int
    var reason: String
}

/// Recursive-descent parser over the header's bytes, which the caller has checked are UTF-8.
struct HeaderJSONParser {
    /// Deeper nesting is rejected; a safetensors header needs depth 3.
    static let maximumDepth = 64

    private let bytes: [UInt8]
    private var index = 0

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Parses one JSON value filling all of `bytes`, allowing whitespace on either side (writers
    /// pad the header with spaces to align the data buffer).
    static func parse(_ bytes: [UInt8]) throws(HeaderJSONSyntaxError) -> HeaderJSON {
        var parser = HeaderJSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else {
            throw parser.error("unexpected text after the top-level value")
        }
        return value
    }

    // MARK: - Values

    private mutating func parseValue(depth: Int) throws(HeaderJSONSyntaxError) -> HeaderJSON {
        guard depth < Self.maximumDepth else {
            throw error("nesting deeper than \(Self.maximumDepth) levels")
        }
        guard let byte = peek() else { throw error("unexpected end of header, expected a value") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("unexpected character \(describe(byte)), expected a value")
        }
    }

    private mutating func parseObject(depth: Int) throws(HeaderJSONSyntaxError) -> HeaderJSON {
        index += 1  // {
        var members: [HeaderJSON.Member] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw error("expected a quoted member name") }
            let key = try parseString()
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { throw error("expected ':' after member name") }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth + 1)
            members.append(HeaderJSON.Member(key: key, value: value))
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return .object(members)
            default: throw error("expected ',' or '}' in an object")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(HeaderJSONSyntaxError) -> HeaderJSON {
        index += 1  // [
        var elements: [HeaderJSON] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return .array(elements)
            default: throw error("expected ',' or ']' in an array")
            }
        }
    }

    // MARK: - Strings

    private mutating func parseString() throws(HeaderJSONSyntaxError) -> String {
        index += 1  // opening quote
        var utf8: [UInt8] = []
        while true {
            guard let byte = peek() else { throw error("unterminated string") }
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                // The input is valid UTF-8 and escapes add only valid scalars, so this cannot fail.
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape(into: &utf8)
            case 0..<0x20:
                index -= 1
                throw error("unescaped control character \(describe(byte)) in a string")
            default:
                utf8.append(byte)
            }
        }
    }

    private mutating func parseEscape(into utf8: inout [UInt8]) throws(HeaderJSONSyntaxError) {
        guard let byte = peek() else { throw error("unterminated escape in a string") }
        index += 1
        let simple: UInt8? =
            switch byte {
            case UInt8(ascii: "\""): UInt8(ascii: "\"")
            case UInt8(ascii: "\\"): UInt8(ascii: "\\")
            case UInt8(ascii: "/"): UInt8(ascii: "/")
            case UInt8(ascii: "b"): 0x08
            case UInt8(ascii: "f"): 0x0C
            case UInt8(ascii: "n"): 0x0A
            case UInt8(ascii: "r"): 0x0D
            case UInt8(ascii: "t"): 0x09
            default: nil
            }
        if let simple {
            utf8.append(simple)
            return
        }
        guard byte == UInt8(ascii: "u") else { throw error("invalid escape '\\\(describe(byte))'") }
        var scalar = UInt32(try parseHex4())
        if (0xD800..<0xDC00).contains(scalar) {
            // A high surrogate must be followed by an escaped low surrogate.
            guard peek() == UInt8(ascii: "\\"), peek(at: index + 1) == UInt8(ascii: "u") else {
                throw error("unpaired surrogate \\u\(String(scalar, radix: 16)) in a string")
            }
            index += 2
            let low = UInt32(try parseHex4())
            guard (0xDC00..<0xE000).contains(low) else {
                throw error("unpaired surrogate \\u\(String(scalar, radix: 16)) in a string")
            }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00..<0xE000).contains(scalar) {
            throw error("unpaired surrogate \\u\(String(scalar, radix: 16)) in a string")
        }
        guard let unicodeScalar = Unicode.Scalar(scalar) else {
            throw error("invalid code point in a string")
        }
        utf8.append(contentsOf: Array(String(Character(unicodeScalar)).utf8))
    }

    private mutating func parseHex4() throws(HeaderJSONSyntaxError) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let byte = peek() else { throw error("unterminated \\u escape") }
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid hex digit \(describe(byte)) in a \\u escape")
            }
            value = value << 4 | UInt16(digit)
            index += 1
        }
        return value
    }

    // MARK: - Numbers and literals

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, returned as written.
    private mutating func parseNumber() throws(HeaderJSONSyntaxError) -> String {
        let start = index
        if peek() == UInt8(ascii: "-") { index += 1 }
        if peek() == UInt8(ascii: "0") {
            index += 1
        } else {
            guard skipDigits() > 0 else { throw error("expected a digit in a number") }
        }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard skipDigits() > 0 else { throw error("expected a digit after '.' in a number") }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard skipDigits() > 0 else { throw error("expected a digit in a number's exponent") }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func skipDigits() -> Int {
        let start = index
        while let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
            index += 1
        }
        return index - start
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(HeaderJSONSyntaxError) {
        let expected = literal.withUTF8Buffer { Array($0) }
        guard index + expected.count <= bytes.count,
            Array(bytes[index..<index + expected.count]) == expected
        else {
            throw error("invalid literal, expected '\(literal)'")
        }
        index += expected.count
    }

    // MARK: - Helpers

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private func peek(at position: Int) -> UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipWhitespace() {
        while let byte = peek(),
            byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
        {
            index += 1
        }
    }

    private func describe(_ byte: UInt8) -> String {
        (0x21..<0x7F).contains(byte)
            ? "'\(Character(Unicode.Scalar(byte)))'" : "0x\(String(byte, radix: 16, uppercase: true))"
    }

    private func error(_ reason: String) -> HeaderJSONSyntaxError {
        HeaderJSONSyntaxError(offset: index, reason: reason)
    }
}

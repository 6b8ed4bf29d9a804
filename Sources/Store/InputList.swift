import Foundation
import Media

/// A text file naming inputs, one a line (`deepfake score --inputs LIST`).
///
/// - Lines are UTF-8; `\r\n` endings are accepted. Leading and trailing spaces and tabs are
///   trimmed; blank lines and lines whose first character (after the spaces) is `#` are
///   skipped. A `#` later in a line is part of the path.
/// - A relative path is relative to the folder of the list itself, not to the working directory,
///   so the same list works from any task's working directory on a cluster.
/// - An input's index is its position among the paths (comments and blank lines not counted),
///   from 0: the index ``Shard`` splits on.
public struct InputList: Sendable, Equatable {
    /// The list file as given.
    public var path: String
    /// The inputs, in order, relative paths resolved against the list's folder.
    public var inputs: [String]
    /// The 1-based line number of each input in the file, for messages.
    public var lines: [Int]

    /// Most inputs one list may name.
    public static let maxInputs = 10_000_000
    /// Largest list file read, in bytes.
    public static let maxBytes = 1 << 30

    /// Reads and parses a list.
    /// - Throws: `StoreError.badList` naming the file: missing, a folder or special file, not
    ///   UTF-8 text (NUL bytes), too large, or naming no input.
    public static func read(_ path: String) throws(StoreError) -> InputList {
        do {
            try FileChecks.notSpecial(path, what: "input list")
        } catch {
            throw StoreError(.badList, path: path, error.reason, hint: error.hint)
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw StoreError(.badList, path: path, "the input list does not exist", hint: "Check the path given to --inputs")
        }
        if isDirectory.boolValue {
            throw StoreError(.badList, path: path, "the input list is a folder", hint: "--inputs takes a text file with one path per line")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        if size > maxBytes {
            throw StoreError(.badList, path: path, "the input list is \(size) bytes, over the \(maxBytes) read",
                             hint: "Split it into several lists")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StoreError(.badList, path: path, "the input list cannot be read", hint: "Check its permissions")
        }
        return try parse(data, path: path)
    }

    /// Parses a list's bytes; `path` names it in errors and anchors relative paths.
    public static func parse(_ data: Data, path: String) throws(StoreError) -> InputList {
        if data.contains(0) {
            throw StoreError(.badList, path: path, "the input list is not a text file (it holds NUL bytes)",
                             hint: "--inputs takes a text file with one path per line")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw StoreError(.badList, path: path, "the input list is not UTF-8 text", hint: "Save it as UTF-8")
        }
        let folder = (path as NSString).deletingLastPathComponent
        var inputs: [String] = []
        var lines: [Int] = []
        for (number, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: CharacterSet(charactersIn: " \t\r"))
            if line.isEmpty || line.hasPrefix("#") { continue }
            inputs.append(line.hasPrefix("/") || folder.isEmpty ? line : (folder as NSString).appendingPathComponent(line))
            lines.append(number + 1)
            if inputs.count > maxInputs {
                throw StoreError(.badList, path: path, "the input list names over \(maxInputs) inputs", hint: "Split it into several lists")
            }
        }
        if inputs.isEmpty {
            throw StoreError(.badList, path: path, "the input list names no input (only blank lines and # comments)",
                             hint: "Put one video or image path per line")
        }
        return InputList(path: path, inputs: inputs, lines: lines)
    }
}

/// One of N parts of an input list: `--shard I/N`, I from 1 to N.
///
/// The input at index k (its position among the list's paths, from 0) goes to shard
/// `k mod N + 1`. By index rather than by a hash of the path: shards differ in size by one at
/// most (a hash leaves small lists lopsided), anyone can tell which shard an input is in by
/// counting, and the split does not depend on how a path is spelled. Editing the list moves
/// inputs between shards; that costs nothing when the shards share one `--out-dir`, since every
/// report is found there by the input's content.
public struct Shard: Equatable, Sendable, CustomStringConvertible {
    /// 1...count.
    public var index: Int
    public var count: Int

    /// Most shards.
    public static let maxCount = 100_000

    public init(index: Int, count: Int) {
        precondition((1...count).contains(index))
        self.index = index
        self.count = count
    }

    /// Parses `I/N`; nil unless both are whole numbers with 1 ≤ I ≤ N ≤ ``maxCount``.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let i = Int(parts[0]), let n = Int(parts[1]), (1...Self.maxCount).contains(n), (1...n).contains(i)
        else { return nil }
        self.init(index: i, count: n)
    }

    /// Whether the input at `position` (from 0) is in this shard.
    public func contains(position: Int) -> Bool { position % count == index - 1 }

    /// The items of this shard, in order.
    public func select<T>(_ items: [T]) -> [T] {
        items.enumerated().filter { contains(position: $0.offset) }.map(\.element)
    }

    public var description: String { "\(index)/\(count)" }
}

import Foundation

/// Keeps a command from writing over what it reads: its inputs and models are registered first,
/// then every output path is checked before anything is written.
///
/// An output is refused when it is an input under another name: the same path once `.`/`..` and
/// symbolic links are resolved, or, for a file that exists, the same device and inode (a hard
/// link). An output that does not exist yet is compared by its resolved full path (its parent
/// folder resolved, then its name), which catches `dir/../v.mp4` and a path through a linked
/// folder. The error is `MediaError.outputIsInput`, naming both paths:
///
/// ```
/// Refusing to write the report to 'v.mp4': it is the input video 'v.mp4'. Choose another output path.
/// ```
///
/// Inputs are checked as they are added: a FIFO, device or socket is refused
/// (`MediaError.specialFile`), since reading one can block forever or never end.
public struct OutputGuard: Sendable {
    /// A file the command reads, and what it is to the command ("the input video", "the model").
    struct Protected: Sendable {
        var path: String
        var role: String
        /// Its resolved absolute path.
        var resolved: String
        /// Device and inode, when it exists.
        var identity: FileIdentity?
        /// For a folder input: the extensions (lower case) of the files in it that the command
        /// reads; an existing output directly inside it with one of them is one of its inputs.
        var folderExtensions: Set<String>?
    }

    private var protected: [Protected] = []

    public init() {}

    /// Registers a file the command reads; nil paths are skipped.
    /// - Parameters:
    ///   - role: what it is, with its article: "the input video", "the GAN model".
    ///   - readsExtensions: when `path` is a folder, the extensions of the files in it the command
    ///     reads (nil: the folder alone is protected).
    /// - Throws: `MediaError.specialFile` when `path` is a FIFO, device or socket.
    public mutating func addInput(_ path: String?, as role: String, readsExtensions: Set<String>? = nil) throws(MediaError) {
        guard let path else { return }
        try FileChecks.notSpecial(path, what: Self.noun(of: role))
        var isDirectory: ObjCBool = false
        let isFolder = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
        protected.append(Protected(
            path: path, role: role, resolved: Self.resolve(path), identity: FileIdentity(path),
            folderExtensions: isFolder ? readsExtensions.map { Set($0.map { $0.lowercased() }) } : nil))
    }

    /// Registers several inputs of one role.
    public mutating func addInputs(_ paths: [String], as role: String, readsExtensions: Set<String>? = nil) throws(MediaError) {
        for path in paths { try addInput(path, as: role, readsExtensions: readsExtensions) }
    }

    /// Throws unless `output` is none of the inputs.
    /// - Parameter role: what is written, with its article: "the report", "the grid".
    /// - Throws: `MediaError.outputIsInput` naming the output and the input it would overwrite.
    public func check(_ output: String, as role: String) throws(MediaError) {
        if let input = conflict(of: output) {
            throw MediaError(
                .outputIsInput, path: output,
                reason: "Refusing to write \(role) to '\(output)': it is \(input.role) '\(input.path)'",
                hint: "Choose another output path")
        }
    }

    /// Throws when a file the command writes into `folder` could be one of its inputs: the folder
    /// is an input file itself, or an input lies directly in it under a name `writes` matches
    /// (e.g. `frame_*.png`).
    /// - Parameter role: what is written there, with its article: "the frames".
    public func checkFolder(_ folder: String, as role: String, writes: (String) -> Bool) throws(MediaError) {
        try check(folder, as: role)
        let resolvedFolder = Self.resolve(folder)
        for input in protected where input.folderExtensions == nil {
            // The input's own name in its folder, and the file it links to.
            let named = URL(fileURLWithPath: input.path).standardizedFileURL
            let candidates = [(Self.resolve(named.deletingLastPathComponent().path), named.lastPathComponent),
                              ((input.resolved as NSString).deletingLastPathComponent, (input.resolved as NSString).lastPathComponent)]
            if candidates.contains(where: { $0.0 == resolvedFolder && writes($0.1) }) {
                throw MediaError(
                    .outputIsInput, path: folder,
                    reason: "Refusing to write \(role) to '\(folder)': a file written there would replace \(input.role) '\(input.path)'",
                    hint: "Choose another output folder")
            }
        }
    }

    /// The input `output` would overwrite, if any.
    private func conflict(of output: String) -> Protected? {
        let resolved = Self.resolve(output)
        let identity = FileIdentity(output)
        for input in protected {
            if resolved == input.resolved { return input }
            if let identity, identity == input.identity { return input }
        }
        // Then the files an input folder holds, which the command reads too.
        for input in protected {
            if let extensions = input.folderExtensions, identity != nil,
               URL(fileURLWithPath: resolved).deletingLastPathComponent().path == input.resolved,
               extensions.contains((resolved as NSString).pathExtension.lowercased()) {
                return input
            }
        }
        return nil
    }

    /// The absolute path with `.`, `..` and symbolic links resolved; for a path that does not exist,
    /// its deepest existing ancestor resolved and the rest appended.
    static func resolve(_ path: String) -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        if let real = realpath(absolute, nil) {
            defer { free(real) }
            return String(cString: real)
        }
        let url = URL(fileURLWithPath: absolute)
        let parent = url.deletingLastPathComponent().path
        guard parent != absolute else { return absolute }
        return (resolve(parent) as NSString).appendingPathComponent(url.lastPathComponent)
    }

    /// "the input video" → "input video": the noun for messages about the file itself.
    private static func noun(of role: String) -> String {
        role.hasPrefix("the ") ? String(role.dropFirst(4)) : role
    }
}

/// A file's device and inode: equal for two paths of the same file (hard links included).
struct FileIdentity: Equatable, Sendable {
    var device: UInt64
    var inode: UInt64

    /// Nil when nothing exists at `path` (links followed).
    init?(_ path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}

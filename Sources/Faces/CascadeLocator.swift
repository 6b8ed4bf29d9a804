import Foundation

/// Finds OpenCV cascade files by short name (`frontalface_default`, `lbpcascade_frontalface_improved`,
/// `profileface`, ...) or by path.
public enum CascadeLocator {
    /// Where `opencv-data` installs the cascades on Debian and Ubuntu, and the older layout.
    public static let defaultSearchDirectories = [
        "/usr/share/opencv4/haarcascades", "/usr/share/opencv4/lbpcascades",
        "/usr/share/opencv/haarcascades", "/usr/share/opencv/lbpcascades",
    ]

    /// The default frontal cascade, as the issue's agreement figures use it.
    public static let defaultName = "haarcascade_frontalface_default"
    /// The profile cascade used when profile faces are requested.
    public static let profileName = "haarcascade_profileface"

    /// How to get the cascades when they are missing.
    public static let installHint =
        "Install OpenCV's trained cascades with 'sudo apt-get install opencv-data' (they go to "
        + "/usr/share/opencv4/haarcascades and lbpcascades), or pass --cascade PATH to an XML file."

    /// Resolves a name or path to a file path.
    ///
    /// A value containing `/` or ending in `.xml` is taken as a path. Otherwise the search
    /// directories (`$DEEPFAKE_CASCADE_DIR` first, then ``defaultSearchDirectories``) are tried for
    /// `NAME.xml`, `haarcascade_NAME.xml` and `lbpcascade_NAME.xml`.
    /// - Throws: ``FacesError`` `.cascadeNotFound` with the install hint.
    public static func resolve(
        _ nameOrPath: String, searchDirectories: [String]? = nil
    ) throws(FacesError) -> String {
        let fm = FileManager.default
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".xml") {
            guard fm.fileExists(atPath: nameOrPath) else {
                throw FacesError(
                    code: .cascadeNotFound, path: nameOrPath, reason: "no such file", hint: installHint)
            }
            return nameOrPath
        }
        var directories = searchDirectories ?? defaultSearchDirectories
        if searchDirectories == nil, let extra = ProcessInfo.processInfo.environment["DEEPFAKE_CASCADE_DIR"] {
            directories.insert(extra, at: 0)
        }
        let candidates = [nameOrPath, "haarcascade_\(nameOrPath)", "lbpcascade_\(nameOrPath)"]
        for directory in directories {
            for candidate in candidates {
                let path = directory + "/" + candidate + ".xml"
                if fm.fileExists(atPath: path) { return path }
            }
        }
        throw FacesError(
            code: .cascadeNotFound, path: nameOrPath,
            reason: "no \(nameOrPath).xml in \(directories.joined(separator: ", "))", hint: installHint)
    }
}

extension Cascade {
    /// Loads a cascade by short name or path; see ``CascadeLocator/resolve(_:searchDirectories:)``.
    public static func named(
        _ nameOrPath: String, searchDirectories: [String]? = nil
    ) throws(FacesError) -> Cascade {
        try load(path: CascadeLocator.resolve(nameOrPath, searchDirectories: searchDirectories))
    }
}

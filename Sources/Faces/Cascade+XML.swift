import Foundation
import Media

#if canImport(FoundationXML)
    import FoundationXML
#endif

// MARK: - Loading OpenCV's cascade XML

extension Cascade {
    /// Reads a cascade in OpenCV's "opencv-cascade-classifier" XML format (what `opencv-data` 4.x ships).
    ///
    /// - Parameter path: the XML file, e.g. `/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml`.
    /// - Returns: the cascade, with counts equal to what OpenCV's own loader reads.
    /// - Throws: ``FacesError`` `.cascadeNotFound` when the file is missing, `.cascadeUnreadable`
    ///   when it is not XML, `.cascadeInvalid` when it is the old "opencv-haar-classifier" format,
    ///   a HOG cascade, or lacks an element OpenCV needs.
    public static func load(path: String) throws(FacesError) -> Cascade {
        guard FileManager.default.fileExists(atPath: path) else {
            throw FacesError(
                code: .cascadeNotFound, path: path, reason: "no such file",
                hint: CascadeLocator.installHint)
        }
        if let kind = FileChecks.specialKind(path) {
            throw FacesError(
                code: .cascadeUnreadable, path: path, reason: "is \(kind), not a regular file",
                hint: "Pass the cascade's XML file itself.")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FacesError(
                code: .cascadeUnreadable, path: path, reason: "the file cannot be opened",
                hint: "Check its permissions.")
        }
        let root = try XMLTree.parse(data, path: path)
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return try Cascade(xml: root, name: name, path: path)
    }

    /// Builds the cascade from the parsed document, following OpenCV's `CascadeClassifierImpl::Data::read`.
    init(xml document: XMLTree.Element, name: String, path: String) throws(FacesError) {
        func invalid(_ reason: String) -> FacesError {
            FacesError(
                code: .cascadeInvalid, path: path, reason: reason,
                hint: "Use a cascade from OpenCV 3 or later (opencv-data's haarcascades/ or lbpcascades/).")
        }
        // <opencv_storage><cascade type_id="opencv-cascade-classifier"> ... or an old-format root.
        guard let top = document.children.first else { throw invalid("the document is empty") }
        if top.attributes["type_id"] == "opencv-haar-classifier" {
            throw invalid("it is in the old \"opencv-haar-classifier\" format, which this loader does not read")
        }
        guard top.child("stageType")?.text == "BOOST" else {
            throw invalid("stageType is not BOOST")
        }
        switch top.child("featureType")?.text {
        case "HAAR": featureType = .haar
        case "LBP": featureType = .lbp
        case let other: throw invalid("feature type \(other ?? "(missing)") is not supported")
        }
        guard let width = top.child("width")?.int, let height = top.child("height")?.int,
            width > 0, height > 0
        else { throw invalid("the window width or height is missing") }
        windowWidth = width
        windowHeight = height
        guard let params = top.child("featureParams") else { throw invalid("featureParams is missing") }
        categoryCount = params.child("maxCatCount")?.int ?? 0
        let subsetWords = (categoryCount + 31) / 32
        let nodeStep = 3 + (categoryCount > 0 ? subsetWords : 1)
        self.name = name

        guard let stagesNode = top.child("stages") else { throw invalid("stages are missing") }
        var stages: [Stage] = []
        for (stageIndex, stageNode) in stagesNode.children.enumerated() {
            guard let threshold = stageNode.child("stageThreshold")?.float else {
                throw invalid("stage \(stageIndex) has no stageThreshold")
            }
            guard let weakNode = stageNode.child("weakClassifiers"), !weakNode.children.isEmpty else {
                throw invalid("stage \(stageIndex) has no weak classifiers")
            }
            var classifiers: [WeakClassifier] = []
            for weak in weakNode.children {
                let values = weak.child("internalNodes")?.numbers ?? []
                let leaves = (weak.child("leafValues")?.numbers ?? []).map { Float($0) }
                guard !values.isEmpty, !leaves.isEmpty, values.count % nodeStep == 0 else {
                    throw invalid("a weak classifier in stage \(stageIndex) is malformed")
                }
                var nodes: [Node] = []
                for start in stride(from: 0, to: values.count, by: nodeStep) {
                    let left = Int(values[start]), right = Int(values[start + 1])
                    let feature = Int(values[start + 2])
                    if categoryCount > 0 {
                        let subset = (0..<subsetWords).map {
                            UInt32(bitPattern: Int32(truncatingIfNeeded: Int(values[start + 3 + $0])))
                        }
                        nodes.append(
                            Node(left: left, right: right, featureIndex: feature, threshold: 0,
                                 categorySubset: subset))
                    } else {
                        nodes.append(
                            Node(left: left, right: right, featureIndex: feature,
                                 threshold: Float(values[start + 3]), categorySubset: []))
                    }
                }
                guard leaves.count == nodes.count + 1 else {
                    throw invalid("a weak classifier in stage \(stageIndex) has \(leaves.count) leaves for \(nodes.count) nodes")
                }
                classifiers.append(WeakClassifier(nodes: nodes, leaves: leaves))
            }
            stages.append(Stage(threshold: threshold, classifiers: classifiers))
        }
        guard !stages.isEmpty else { throw invalid("there are no stages") }
        self.stages = stages

        guard let featuresNode = top.child("features") else { throw invalid("features are missing") }
        var haar: [HaarFeature] = []
        var lbp: [LBPFeature] = []
        for (index, feature) in featuresNode.children.enumerated() {
            switch featureType {
            case .haar:
                guard let rectsNode = feature.child("rects") else {
                    throw invalid("Haar feature \(index) has no rects")
                }
                var rects: [WeightedRect] = []
                for rectNode in rectsNode.children {
                    let v = rectNode.numbers
                    guard v.count == 5 else { throw invalid("Haar feature \(index) has a malformed rect") }
                    rects.append(
                        WeightedRect(x: Int(v[0]), y: Int(v[1]), width: Int(v[2]), height: Int(v[3]),
                                     weight: Float(v[4])))
                }
                guard (2...3).contains(rects.count) else {
                    throw invalid("Haar feature \(index) has \(rects.count) rects; OpenCV allows 2 or 3")
                }
                let tilted = (feature.child("tilted")?.int ?? 0) != 0
                haar.append(HaarFeature(rects: rects, tilted: tilted))
            case .lbp:
                let v = feature.child("rect")?.numbers ?? []
                guard v.count == 4 else { throw invalid("LBP feature \(index) has a malformed rect") }
                lbp.append(LBPFeature(x: Int(v[0]), y: Int(v[1]), width: Int(v[2]), height: Int(v[3])))
            }
        }
        haarFeatures = haar
        lbpFeatures = lbp
        let featureTotal = featureType == .haar ? haar.count : lbp.count
        for stage in stages {
            for weak in stage.classifiers {
                for node in weak.nodes where !(0..<featureTotal).contains(node.featureIndex) {
                    throw invalid("a node refers to feature \(node.featureIndex) of \(featureTotal)")
                }
            }
        }
    }
}

// MARK: - A minimal XML tree

/// A small element tree built with FoundationXML's `XMLParser` (libxml2). Cascade files are about
/// 20k elements; the tree keeps only names, attributes and text.
struct XMLTree {
    final class Element {
        let name: String
        let attributes: [String: String]
        var children: [Element] = []
        var text = ""
        init(name: String, attributes: [String: String]) {
            self.name = name
            self.attributes = attributes
        }
        func child(_ name: String) -> Element? { children.first { $0.name == name } }
        var int: Int? { Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) }
        /// Parsed as a double and rounded to float, as OpenCV's `(float)FileNode` does.
        var float: Float? { Double(text.trimmingCharacters(in: .whitespacesAndNewlines)).map { Float($0) } }
        /// The whitespace-separated numbers of the text, as OpenCV reads a sequence.
        /// The text's whitespace-separated numbers (split on bytes: Character-level splitting was
        /// most of the cascade's load time).
        var numbers: [Double] {
            text.utf8.split(whereSeparator: { $0 == 32 || $0 == 10 || $0 == 9 || $0 == 13 })
                .compactMap { Double(Substring($0)) }
        }
    }

    private final class Builder: NSObject, XMLParserDelegate {
        let root = Element(name: "#document", attributes: [:])
        var stack: [Element] = []
        override init() {
            super.init()
            stack = [root]
        }
        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
            qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
        ) {
            let element = Element(name: elementName, attributes: attributeDict)
            stack.last?.children.append(element)
            stack.append(element)
        }
        func parser(
            _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
            qualifiedName qName: String?
        ) {
            stack.removeLast()
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) {
            stack.last?.text += string
        }
    }

    /// Parses a document. The returned element is the document node; its first child is the
    /// top-level element's first child (`<cascade>` inside `<opencv_storage>`).
    static func parse(_ data: Data, path: String) throws(FacesError) -> Element {
        let parser = XMLParser(data: data)
        let builder = Builder()
        parser.delegate = builder
        guard parser.parse() else {
            let reason = parser.parserError.map { "\($0.localizedDescription)" } ?? "malformed XML"
            throw FacesError(
                code: .cascadeUnreadable, path: path,
                reason: "XML parse error at line \(parser.lineNumber): \(reason)",
                hint: "Check that the file is a complete OpenCV cascade XML file.")
        }
        // Skip <opencv_storage>: the cascade is its first element child.
        let storage = builder.root.children.first
        let document = Element(name: "#root", attributes: [:])
        if let first = storage?.children.first { document.children = [first] }
        return document
    }
}

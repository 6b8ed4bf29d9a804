import Foundation

/// A CSV file with a header row, read whole. Handles quoted fields with embedded commas and
/// doubled quotes (RFC 4180); enough for dataset indexes such as UTKFace's `index.csv`.
public struct CSVTable: Sendable {
    public let path: String
    public let columns: [String]
    public let rows: [[String]]

    public init(path: String) throws(DatasetError) {
        self.path = path
        try DatasetError.requireNotSpecial(path, what: "CSV file")
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw DatasetError(.notFound, path: path, "cannot read the CSV file. Check the path")
        }
        var records = Self.parse(text)
        guard !records.isEmpty else {
            throw DatasetError(.badIndex, path: path, "the CSV file is empty; it needs a header row")
        }
        columns = records.removeFirst()
        rows = records.filter { !($0.count == 1 && $0[0].isEmpty) }
        for (number, row) in rows.enumerated() where row.count != columns.count {
            throw DatasetError(
                .badIndex, path: path,
                "row \(number + 2) has \(row.count) fields but the header has \(columns.count). Fix the file")
        }
    }

    /// The index of a column.
    public func column(_ name: String) throws(DatasetError) -> Int {
        guard let index = columns.firstIndex(of: name) else {
            throw DatasetError(
                .badIndex, path: path,
                "no column '\(name)'; the columns are \(columns.joined(separator: ", "))")
        }
        return index
    }

    static func parse(_ text: String) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func nextScalar() -> Unicode.Scalar? {
            if let p = pending {
                pending = nil
                return p
            }
            return iterator.next()
        }
        while let c = nextScalar() {
            if quoted {
                if c == "\"" {
                    if let n = nextScalar() {
                        if n == "\"" { field.unicodeScalars.append("\"") } else {
                            quoted = false
                            pending = n
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"": quoted = true
            case ",":
                record.append(field)
                field = ""
            case "\n":
                record.append(field)
                records.append(record)
                record = []
                field = ""
            case "\r": continue
            default: field.unicodeScalars.append(c)
            }
        }
        if !field.isEmpty || !record.isEmpty {
            record.append(field)
            records.append(record)
        }
        return records
    }
}

import Foundation

/// Validates JSON against the subset of JSON Schema (draft 2020-12) the project's schema files
/// use: `type`, `const`, `enum`, `required`, `properties`, `additionalProperties`, `items`,
/// `minItems`, `maxItems`, `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `pattern`,
/// `minLength` and local `$ref`s (`#/$defs/...`). A keyword it does not know fails validation, so
/// a schema cannot silently outgrow the checker.
public struct JSONSchemaValidator {
    public let schema: [String: Any]

    public init(schemaFile url: URL) throws {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        guard let schema = object as? [String: Any] else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: url.path])
        }
        self.schema = schema
    }

    /// Problems found, each as `/json/pointer: what is wrong`; empty when the document is valid.
    public func validate(_ data: Data) throws -> [String] {
        let document = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        var errors: [String] = []
        check(document, against: schema, at: "", errors: &errors)
        return errors
    }

    private static let known: Set<String> = [
        "$schema", "$id", "$defs", "title", "description", "type", "const", "enum", "required",
        "properties", "additionalProperties", "items", "minItems", "maxItems", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "pattern", "minLength", "$ref",
    ]

    private func check(_ value: Any, against rule: [String: Any], at path: String, errors: inout [String]) {
        for key in rule.keys where !Self.known.contains(key) {
            errors.append("\(path): schema keyword '\(key)' is not supported by this validator")
        }
        if let reference = rule["$ref"] as? String {
            guard reference.hasPrefix("#/$defs/"), let defs = schema["$defs"] as? [String: Any],
                  let target = defs[String(reference.dropFirst(8))] as? [String: Any]
            else {
                errors.append("\(path): unresolved $ref \(reference)")
                return
            }
            check(value, against: target, at: path, errors: &errors)
        }
        if let type = rule["type"] {
            let allowed = (type as? [String]) ?? [type as? String ?? ""]
            if !allowed.contains(where: { Self.matches(value, type: $0) }) {
                errors.append("\(path): expected \(allowed.joined(separator: " or ")), got \(Self.describe(value))")
                return
            }
        }
        if let constant = rule["const"], !Self.equal(value, constant) {
            errors.append("\(path): expected the constant \(constant)")
        }
        if let options = rule["enum"] as? [Any], !options.contains(where: { Self.equal(value, $0) }) {
            errors.append("\(path): \(value) is not one of \(options)")
        }
        if let number = value as? NSNumber, !Self.isBool(value) {
            let x = number.doubleValue
            if let m = rule["minimum"] as? Double, x < m { errors.append("\(path): \(x) < minimum \(m)") }
            if let m = rule["maximum"] as? Double, x > m { errors.append("\(path): \(x) > maximum \(m)") }
            if let m = rule["exclusiveMinimum"] as? Double, x <= m { errors.append("\(path): \(x) <= \(m)") }
            if let m = rule["exclusiveMaximum"] as? Double, x >= m { errors.append("\(path): \(x) >= \(m)") }
        }
        if let text = value as? String {
            if let pattern = rule["pattern"] as? String,
               text.range(of: pattern, options: .regularExpression) == nil {
                errors.append("\(path): '\(text)' does not match \(pattern)")
            }
            if let length = rule["minLength"] as? Int, text.count < length {
                errors.append("\(path): shorter than \(length)")
            }
        }
        if let object = value as? [String: Any] {
            for name in rule["required"] as? [String] ?? [] where object[name] == nil {
                errors.append("\(path): missing required '\(name)'")
            }
            let properties = rule["properties"] as? [String: Any] ?? [:]
            for (name, member) in object {
                if let sub = properties[name] as? [String: Any] {
                    check(member, against: sub, at: "\(path)/\(name)", errors: &errors)
                } else if let extra = rule["additionalProperties"] {
                    if let allowed = extra as? Bool {
                        if !allowed { errors.append("\(path): unexpected property '\(name)'") }
                    } else if let sub = extra as? [String: Any] {
                        check(member, against: sub, at: "\(path)/\(name)", errors: &errors)
                    }
                }
            }
        }
        if let array = value as? [Any] {
            if let count = rule["minItems"] as? Int, array.count < count {
                errors.append("\(path): fewer than \(count) items")
            }
            if let count = rule["maxItems"] as? Int, array.count > count {
                errors.append("\(path): more than \(count) items")
            }
            if let items = rule["items"] as? [String: Any] {
                for (i, item) in array.enumerated() { check(item, against: items, at: "\(path)/\(i)", errors: &errors) }
            }
        }
    }

    private static func isBool(_ value: Any) -> Bool {
        // JSONSerialization hands out booleans as a distinct NSNumber subclass.
        value is NSNumber && String(describing: type(of: value)).contains("Boolean")
    }

    private static func matches(_ value: Any, type: String) -> Bool {
        switch type {
        case "object": return value is [String: Any]
        case "array": return value is [Any]
        case "string": return value is String
        case "boolean": return isBool(value)
        case "null": return value is NSNull
        case "number": return value is NSNumber && !isBool(value)
        case "integer":
            guard let n = value as? NSNumber, !isBool(value) else { return false }
            return n.doubleValue.rounded() == n.doubleValue
        default: return false
        }
    }

    private static func equal(_ a: Any, _ b: Any) -> Bool {
        (a as? NSObject)?.isEqual(b) ?? false
    }

    private static func describe(_ value: Any) -> String {
        switch value {
        case is String: return "a string"
        case is [Any]: return "an array"
        case is [String: Any]: return "an object"
        case is NSNull: return "null"
        default: return isBool(value) ? "a boolean" : "a number"
        }
    }
}

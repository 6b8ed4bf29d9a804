import Detection
import Foundation
import Media

/// The validation split of the detector builder: by source, never by frame or crop.
///
/// Every crop carries a group (`kind:identity`, see ``LabelledCrops``). A group goes to validation
/// when the first 64 bits of `SHA-256("deepfake-detector-split/1\n" + group)`, read as a fraction
/// of 2⁶⁴, fall below the validation fraction: a hash bucket, so the same source always lands on
/// the same side whatever else is in the data, and one source never straddles the split.
///
/// Kinds with few groups (a handful of videos or generator files) can come out all on one side by
/// chance. So per kind (the part of the group before `:`) with at least two groups: if none landed
/// in validation, the group with the smallest hash moves there; if all did, the one with the largest
/// hash moves back to training.
public enum SourceSplit {
    /// The rule in words, for `--help` and model metadata.
    public static func rule(fraction: Double) -> String {
        "by source, never by frame: each crop belongs to a group (UTKFace chip: its original_md5 from the index; "
            + "video: the SHA-256 of the source video, an altered video counting as its source via its truth file's "
            + "source.sha256; generator samples: the generator file's SHA-256, or its sampling batch of 64 when one "
            + "generator is given); a group is validation when SHA-256(\"deepfake-detector-split/1\\n\" + group) "
            + "as a fraction of 2^64 is below \(fraction), with at least one group of each kind on each side when "
            + "the kind has two or more"
    }

    /// The group's position in [0, 1).
    public static func bucket(_ group: String) -> Double {
        let hex = SHA256.hash(Data("deepfake-detector-split/1\n\(group)".utf8))
        let value = UInt64(hex.prefix(16), radix: 16) ?? 0
        return Double(value) / 0x1p64
    }

    /// The validation groups among `groups` (duplicates allowed, one entry per crop).
    public static func validationGroups(_ groups: [String], fraction: Double) -> Set<String> {
        precondition(fraction > 0 && fraction < 1, "validation fraction must be in (0, 1)")
        var byKind: [String: Set<String>] = [:]
        for group in groups {
            let kind = group.split(separator: ":", maxSplits: 1).first.map(String.init) ?? group
            byKind[kind, default: []].insert(group)
        }
        var validation = Set<String>()
        for (_, members) in byKind {
            let ordered: [(group: String, bucket: Double)] = members.map { ($0, bucket($0)) }.sorted { a, b in
                a.bucket != b.bucket ? a.bucket < b.bucket : a.group < b.group
            }
            var chosen = Set<String>()
            for entry in ordered where entry.bucket < fraction { chosen.insert(entry.group) }
            if ordered.count >= 2 {
                if chosen.isEmpty { chosen.insert(ordered[0].group) }
                if chosen.count == ordered.count { chosen.remove(ordered[ordered.count - 1].group) }
            }
            validation.formUnion(chosen)
        }
        return validation
    }

    /// Splits crops into training and validation by group.
    public static func split(_ crops: LabelledCrops, fraction: Double) -> (training: LabelledCrops, validation: LabelledCrops) {
        let validationGroups = validationGroups(crops.groups, fraction: fraction)
        var train: [Int] = [], validation: [Int] = []
        for (index, group) in crops.groups.enumerated() {
            if validationGroups.contains(group) { validation.append(index) } else { train.append(index) }
        }
        return (crops.subset(train), crops.subset(validation))
    }
}

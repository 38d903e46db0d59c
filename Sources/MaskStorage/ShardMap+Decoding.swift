import MaskFormat

extension ShardMap {
    /// Decodes and checks a shard map: magic, version, CRC, count within 1...`maximumShards`,
    /// a known partition rule and state, names that are unique plain directory names, no
    /// trailing bytes. Every failure names the field and its offset. - Complexity: O(size).
    public static func decode(_ bytes: UnsafeRawBufferPointer, file: String) throws(FormatError) -> ShardMap {
        let s = "shard map"
        guard bytes.count >= ShardMapLayout.minimumSize, Array(bytes[0..<8]) == ShardMapLayout.magic else {
            throw FormatError(.badMagic, structure: s, file: file, offset: 0)
        }
        let body = UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count - 4)])
        var tail = ByteReader(bytes, at: bytes.count - 4, structure: s)
        let stored = try tail.u32()
        let computed = CRC32C.checksum(body)
        guard stored == computed else {
            throw FormatError(.checksumMismatch, structure: s, file: file, offset: UInt64(bytes.count - 4),
                              detail: "stored \(hex32(stored)), computed \(hex32(computed))")
        }
        var r = ByteReader(body, at: ShardMapLayout.Offset.version, structure: s)
        func field(_ offset: Int, _ detail: String) -> FormatError {
            FormatError(.invalidField, structure: s, file: file, offset: UInt64(offset), detail: detail)
        }
        let v = try r.u32()
        guard v == ShardMapLayout.version else {
            throw FormatError(.unsupportedVersion, structure: s, file: file, offset: 8, detail: "version \(v)")
        }
        let count = try r.u32()
        guard (1...ShardMapLayout.maximumShards).contains(count) else { throw field(12, "shard count \(count)") }
        let ruleID = try r.u32()
        guard let rule = PartitionRule(rawValue: ruleID) else { throw field(16, "partition rule \(ruleID)") }
        let stateID = try r.u32()
        guard let state = ShardMapLayout.State(rawValue: stateID) else { throw field(20, "state \(stateID)") }
        var map = ShardMap(shardCount: 0, rule: rule)
        map.epoch = try r.u64()
        for _ in 0..<count {
            let at = r.position
            let name = try r.shortString()
            guard !name.isEmpty, name != ".", name != "..", !name.contains("/"), !map.shardNames.contains(name) else {
                throw field(at, "shard name '\(name)'")
            }
            map.shardNames.append(name)
        }
        for _ in 0..<count {
            let at = r.position
            let c = try r.u64()
            guard c <= UInt64(Int.max) else { throw field(at, "mask count \(c)") }
            map.maskCounts.append(Int(c))
        }
        if state == .writing { map.journal = try journal(&r, count: Int(count), field) }
        guard r.position == body.count else { throw field(r.position, "trailing bytes") }
        return map
    }

    private static func journal(_ r: inout ByteReader, count: Int,
                                _ field: (Int, String) -> FormatError) throws(FormatError) -> [[UInt8]?] {
        var out: [[UInt8]?] = []
        for _ in 0..<count {
            let at = r.position
            switch try r.u8() {
            case 0: out.append(nil)
            case 1:
                let n = Int(try r.u32())
                out.append(Array(try r.bytes(n)))
            case let t: throw field(at, "journal entry tag \(t)")
            }
        }
        return out
    }
}

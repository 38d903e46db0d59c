import MaskFormat

/// Small, locale-independent text helpers for the dump output (golden files compare it
/// byte for byte, so nothing here depends on the locale or on Foundation's formatting).
enum Text {
    /// `v` with exactly two decimals, rounded half away from zero.
    static func fixed2(_ v: Double) -> String {
        guard v.isFinite else { return "-" }
        let scaled = (abs(v) * 100).rounded()
        let whole = Int(scaled) / 100, frac = Int(scaled) % 100
        return (v < 0 && scaled != 0 ? "-" : "") + "\(whole)." + (frac < 10 ? "0" : "") + "\(frac)"
    }

    /// A metadata value as the dump prints it (numbers in Swift's shortest round-trip form).
    static func value(_ v: ColumnValue) -> String {
        switch v {
        case .null: return "NULL"
        case .int(let x): return String(x)
        case .double(let x): return "\(x)"
        case .text(let s): return s
        }
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { hexByte($0) }.joined(separator: " ")
    }

    static func hexByte(_ b: UInt8) -> String {
        let s = String(b, radix: 16)
        return s.count == 1 ? "0" + s : s
    }

    /// `xxd`-style lines: offset, 16 bytes in hex, printable ASCII.
    static func hexLines(_ bytes: [UInt8], baseOffset: Int) -> [String] {
        stride(from: 0, to: bytes.count, by: 16).map { start in
            let row = bytes[start..<min(start + 16, bytes.count)]
            let hexPart = Text.hex(row).padding(to: 47)
            let ascii = String(row.map { (0x20..<0x7f).contains($0) ? Character(UnicodeScalar($0)) : "." })
            return "  " + leftPad(String(baseOffset + start, radix: 16), 8, "0") + ": " + hexPart + "  " + ascii
        }
    }

    /// Summary lines: each `key:` padded to 14 columns, then its value, one per line.
    static func summary(_ pairs: [(String, String)]) -> String {
        pairs.map { ($0.0 + ":").padding(to: 14) + $0.1 + "\n" }.joined()
    }

    static func leftPad(_ s: String, _ width: Int, _ fill: Character = " ") -> String {
        s.count >= width ? s : String(repeating: fill, count: width - s.count) + s
    }

    /// Rows of cells as aligned columns; `rightAligned[i]` for numeric columns.
    static func table(_ header: [String], _ rows: [[String]], rightAligned: [Bool]) -> [String] {
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (i, c) in cells.enumerated() {
                parts.append(rightAligned[i] ? leftPad(c, widths[i]) : (i == cells.count - 1 ? c : c.padding(to: widths[i])))
            }
            var s = "  " + parts.joined(separator: "  ")
            while s.hasSuffix(" ") { s.removeLast() }
            return s
        }
        return [line(header)] + rows.map(line)
    }
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// A folder whose files the API may serve: a path resolves only to a regular file inside it.
///
/// Every path given is a list of components, each percent-decoded by the caller; a component
/// that is empty, `.`, `..`, or holds `/` or NUL is refused, and the joined path is resolved
/// with `realpath` (all symlinks followed) and must still lie under the folder's own real
/// path — so neither `..` nor a symlink leads outside.
struct ContainedFolder: Sendable {
    /// The folder's real path, without a trailing slash (unless it is `/`).
    let root: String

    /// The folder at `path`, or nil when it does not exist or is not a directory.
    init?(path: String) {
        guard let real = ContainedFolder.realPath(path), ContainedFolder.isDirectory(real) else { return nil }
        root = real
    }

    /// The real path of the regular file `components` name inside the folder, or nil.
    func file(_ components: [String]) -> String? {
        guard !components.isEmpty, components.allSatisfy(ContainedFolder.isPlainComponent) else { return nil }
        let joined = (root == "/" ? "" : root) + "/" + components.joined(separator: "/")
        guard let real = ContainedFolder.realPath(joined), contains(real) else { return nil }
        var st = stat()
        guard stat(real, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return real
    }

    /// True when the real path `real` lies strictly inside the folder.
    func contains(_ real: String) -> Bool {
        let prefix = root == "/" ? "/" : root + "/"
        return real.hasPrefix(prefix) && real.count > prefix.count
    }

    static func isPlainComponent(_ c: String) -> Bool {
        !c.isEmpty && c != "." && c != ".." && !c.contains("/") && !c.contains("\0")
    }

    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Percent-decodes one path component; nil when an escape is malformed or the result is not UTF-8.
    static func percentDecoded(_ s: Substring) -> String? {
        var bytes: [UInt8] = []
        var i = s.utf8.startIndex
        let u = s.utf8
        while i < u.endIndex {
            let b = u[i]
            if b == UInt8(ascii: "%") {
                let h1 = u.index(after: i)
                guard h1 < u.endIndex, u.index(after: h1) < u.endIndex,
                      let hi = hexValue(u[h1]), let lo = hexValue(u[u.index(after: h1)]) else { return nil }
                bytes.append(hi << 4 | lo)
                i = u.index(h1, offsetBy: 2)
            } else {
                bytes.append(b)
                i = u.index(after: i)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// The C struct `ms_error` (masksearch.h), written through a raw pointer at its C offsets
/// (x86-64 and AArch64 System V: natural alignment):
///
/// | offset | size | field                |
/// |-------:|-----:|----------------------|
/// |      0 |    4 | `int32_t kind`       |
/// |      4 |    4 | padding              |
/// |      8 |    8 | `int64_t position`   |
/// |     16 |    8 | `char *token`        |
/// |     24 |    8 | `char *message`      |
///
/// The strings are `strdup` copies, freed by `ms_error_clear` (`free`). A call only writes the
/// struct, never reads it (it may be uninitialised): strings an earlier error left in it are
/// the caller's to clear first, else they leak.
public enum ErrorRecord {
    public static let size = 32
    public static let kindOffset = 0
    public static let positionOffset = 8
    public static let tokenOffset = 16
    public static let messageOffset = 24

    /// `ms_error_clear`: frees the strings of `record`, then resets it.
    static func clear(_ record: UnsafeMutableRawPointer) {
        free(record.loadUnaligned(fromByteOffset: tokenOffset, as: UnsafeMutableRawPointer?.self))
        free(record.loadUnaligned(fromByteOffset: messageOffset, as: UnsafeMutableRawPointer?.self))
        reset(record)
    }

    /// Sets every field to its MS_OK value without reading the old ones.
    static func reset(_ record: UnsafeMutableRawPointer) {
        record.storeBytes(of: 0, toByteOffset: kindOffset, as: Int32.self)
        record.storeBytes(of: 0, toByteOffset: positionOffset, as: Int64.self)
        record.storeBytes(of: nil, toByteOffset: tokenOffset, as: UnsafeMutableRawPointer?.self)
        record.storeBytes(of: nil, toByteOffset: messageOffset, as: UnsafeMutableRawPointer?.self)
    }

    /// Writes `error` into `record`.
    static func store(_ error: ABIError, into record: UnsafeMutableRawPointer?) {
        guard let record else { return }
        record.storeBytes(of: error.kind.rawValue, toByteOffset: kindOffset, as: Int32.self)
        record.storeBytes(of: error.position, toByteOffset: positionOffset, as: Int64.self)
        record.storeBytes(of: error.token.map { UnsafeMutableRawPointer(strdup($0)) } ?? nil,
                          toByteOffset: tokenOffset, as: UnsafeMutableRawPointer?.self)
        record.storeBytes(of: UnsafeMutableRawPointer(strdup(error.message)),
                          toByteOffset: messageOffset, as: UnsafeMutableRawPointer?.self)
    }

    /// Marks `record` as MS_OK (after a successful call).
    static func succeed(_ record: UnsafeMutableRawPointer?) {
        if let record { reset(record) }
    }
}

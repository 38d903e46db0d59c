import MaskFormat
#if canImport(Glibc)
import Glibc
#endif

/// A sharded database directory (CONTRACT.md section 10, Format/shards.md): `SHARDS` and one
/// ordinary database per shard in a subdirectory. This type creates one and runs writes across
/// its shards atomically (`ShardedWrite`).
public enum ShardedDatabase {
    /// Creates an empty sharded database of `shards` shards at `directory` (which must not exist,
    /// or be an empty directory): the shard subdirectories, then the shard map. On failure
    /// nothing is left behind. - Complexity: O(shards) files.
    @discardableResult
    public static func create(at directory: String, shards: Int) throws(StorageError) -> ShardMap {
        guard (1...Int(ShardMapLayout.maximumShards)).contains(shards) else {
            throw StorageError.invalidInput(file: directory, location: "--shards",
                                            reason: "must be in 1...\(ShardMapLayout.maximumShards), not \(shards)")
        }
        let existed = SystemCalls.exists(directory)
        if existed {
            guard SystemCalls.isDirectory(directory), (try SystemCalls.listDirectory(directory)).isEmpty else {
                throw StorageError.invalidInput(file: directory, location: "",
                                                reason: "exists and is not an empty directory (a sharded database is created in a new one)")
            }
        } else {
            try SystemCalls.mkdir(directory)
        }
        let map = ShardMap(shardCount: shards)
        var made: [String] = []
        do throws(StorageError) {
            for i in 0..<shards {
                try SystemCalls.mkdir(map.shardPath(directory, i))
                made.append(map.shardPath(directory, i))
            }
            try SystemCalls.fsyncDirectory(directory)
            try map.write(to: directory)
        } catch {
            for m in made { rmdir(m) }
            if !existed { rmdir(directory) }
            throw error
        }
        return map
    }

    /// The shard map of a sharded database that no write is changing: when the map holds a
    /// journal, waits for the writer's lock, and if the journal is still there (the writer died)
    /// rolls the shards back to it first (`ShardedWrite.recover`).
    public static func readClean(_ directory: String) throws(StorageError) -> ShardMap {
        let map = try ShardMap.read(directory)
        guard map.journal != nil else { return map }
        let lock = try DatabaseLock(directory: directory)
        defer { lock.release() }
        var fresh = try ShardMap.read(directory)
        if fresh.journal != nil { fresh = try ShardedWrite.recover(directory, fresh) }
        return fresh
    }
}

/// A write to every shard of a sharded database as one atomic change (Format/shards.md,
/// "Sharded writes"): under the root's `LOCK`, every shard's MANIFEST is journaled into the shard
/// map (one atomic replacement), then each shard is written as an ordinary database (each
/// atomically), then the map is replaced by a clean one with the next epoch. If any shard fails,
/// or the process dies, every shard's MANIFEST is restored from the journal and the files the
/// write added are swept — by `rollback` now, or by the next `readClean`/`ShardedWrite`.
public final class ShardedWrite {
    public let directory: String
    public private(set) var map: ShardMap
    private let lock: DatabaseLock

    /// Takes the lock, recovers an interrupted write, journals the shards' manifests.
    public init(directory: String) throws(StorageError) {
        self.directory = directory
        guard ShardMap.exists(at: directory) else {
            throw StorageError.notADatabase(path: directory, reason: "no \(ShardMapLayout.fileName) (not a sharded database)")
        }
        lock = try DatabaseLock(directory: directory)
        do throws(StorageError) {
            var current = try ShardMap.read(directory)
            if current.journal != nil { current = try Self.recover(directory, current) }
            var journal: [[UInt8]?] = []
            for i in current.shardNames.indices {
                let manifest = Database.manifestPath(current.shardPath(directory, i))
                if SystemCalls.exists(manifest) {
                    let file = try MappedFile(path: manifest)
                    journal.append(withExtendedLifetime(file) { Array(file.bytes) })
                } else {
                    journal.append(nil)
                }
            }
            current.journal = journal
            try current.write(to: directory)
            map = current
        } catch {
            lock.release()
            throw error
        }
    }

    /// Ends the write: the clean map of the next epoch. Then the lock is released.
    public func commit() throws(StorageError) {
        defer { lock.release() }
        var clean = map
        clean.journal = nil
        clean.epoch &+= 1
        for i in clean.shardNames.indices {
            let shard = clean.shardPath(directory, i)
            clean.maskCounts[i] = Database.exists(at: shard) ? try Database(path: shard).count : 0
        }
        try clean.write(to: directory)
        map = clean
    }

    /// Undoes the write (every shard as the journal holds it), then releases the lock. A failure
    /// here leaves the journal, which the next writer or reader replays.
    public func rollback() throws(StorageError) {
        defer { lock.release() }
        map = try Self.recover(directory, map)
    }

    /// Restores every shard of a journaled map (its MANIFEST bytes rewritten atomically, or removed
    /// when the shard had no database) and sweeps the files the manifests do not name, then writes
    /// the clean map (next epoch). Idempotent: a crash during recovery is recovered again.
    /// - Complexity: O(shards) files.
    static func recover(_ directory: String, _ journaled: ShardMap) throws(StorageError) -> ShardMap {
        guard let journal = journaled.journal else { return journaled }
        for (i, entry) in journal.enumerated() {
            let shard = journaled.shardPath(directory, i)
            guard SystemCalls.isDirectory(shard) else { continue }
            let shardLock = try DatabaseLock(directory: shard)
            defer { shardLock.release() }
            if let bytes = entry {
                try writeFileAtomically(bytes, to: Database.manifestPath(shard), directory: shard)
                let decoded: Result<Manifest, FormatError> = bytes.withUnsafeBytes { raw in
                    do throws(FormatError) { return .success(try Manifest.decode(raw, file: Database.manifestPath(shard))) } catch {
                        return .failure(error)
                    }
                }
                switch decoded {
                case .success(let manifest): shardLock.sweep(keeping: manifest)
                case .failure(let error): throw StorageError.corrupt(error)
                }
            } else {
                SystemCalls.unlink(Database.manifestPath(shard))
                try SystemCalls.fsyncDirectory(shard)
                shardLock.sweep(keeping: nil)
            }
        }
        var clean = journaled
        clean.journal = nil
        clean.epoch &+= 1
        try clean.write(to: directory)
        return clean
    }
}

import MaskFormat
import MaskIndex
import MaskStorage

extension LimitsBench {
    /// `bounds_database_index` (`DatabaseIndex.bounds(row:box:codes:)`, planned per call),
    /// `bounds_planned` (one `BoundsPlan`, `CHIFile.bounds`) and `bounds_column_wise`
    /// (`CHIFile.boundsForMasks`, the executor's constant-ROI path) for one box over all masks.
    /// Needs a complete index (`masksearch index DB`).
    func boundEvaluation(box roi: PixelBox) -> [(String, JSON)] {
        guard database.manifest.index != nil, let index = try? DatabaseIndex(database: database, incremental: false),
              index.files.allSatisfy({ $0 != nil }) else {
            return [("bounds_database_index", .string("no index: run `masksearch index DB` first"))]
        }
        let plan = BoundsPlan(grid: index.grid, box: roi, codes: codes)
        var out = viaIndex(index, box: roi)
        out.append(("bounds_planned", threadFigure("M masks/s (one BoundsPlan, CHIFile.bounds)", planned(index, plan))))
        out.append(("bounds_column_wise", threadFigure("M masks/s (one BoundsPlan, CHIFile.boundsForMasks: the executor's constant-ROI path)",
                                                      columnWise(index, plan))))
        out.append(("bounds_box", .string("\(roi)")))
        return out
    }

    private func viaIndex(_ index: DatabaseIndex, box roi: PixelBox) -> [(String, JSON)] {
        let n = database.count, codes = self.codes
        let missing = UnsafeMutableBufferPointer<Int>.allocate(capacity: 64)
        missing.initialize(repeating: 0)
        defer { missing.deallocate() }
        let figure = perThreads(Double(n) / 1e6) { t in
            Parallel.run(workers: t) { worker in
                var acc = 0
                for row in (n * worker / t)..<(n * (worker + 1) / t) {
                    if let b = index.bounds(row: row, box: roi, codes: codes) { acc &+= b.lowerBound } else { missing[worker] += 1 }
                }
                self.sinks[worker * 8] &+= UInt64(truncatingIfNeeded: acc)
            }
        }
        return [("bounds_database_index", threadFigure("M masks/s (DatabaseIndex.bounds, planned per call)", figure)),
                ("bounds_unindexed_masks", .int(missing.reduce(0, +) / max(1, threadCounts.count * (repeats + 1))))]
    }

    private func planned(_ index: DatabaseIndex, _ plan: BoundsPlan) -> [(Int, Double, [Double], Double)] {
        let n = database.count
        return perThreads(Double(n) / 1e6) { t in
            Parallel.run(workers: t) { worker in
                var acc = 0
                for row in (n * worker / t)..<(n * (worker + 1) / t) {
                    let (s, local) = self.database.locate(row: row)
                    let f = index.files[s]!
                    if f.isValid(local) { acc &+= f.bounds(plan, mask: local).lowerBound }
                }
                self.sinks[worker * 8] &+= UInt64(truncatingIfNeeded: acc)
            }
        }
    }

    private func columnWise(_ index: DatabaseIndex, _ plan: BoundsPlan) -> [(Int, Double, [Double], Double)] {
        let n = database.count
        let lowerAll = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, n)), upperAll = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, n))
        defer { lowerAll.deallocate(); upperAll.deallocate() }
        return perThreads(Double(n) / 1e6) { t in
            Parallel.run(workers: t) { worker in
                for (s, f) in index.files.enumerated() {
                    guard let f else { continue }
                    let lo = f.maskCount * worker / t, hi = f.maskCount * (worker + 1) / t
                    let start = self.database.segmentStarts[s] + lo
                    f.boundsForMasks(lo..<hi, plan: plan, lower: lowerAll + start, upper: upperAll + start)
                }
            }
        }
    }
}

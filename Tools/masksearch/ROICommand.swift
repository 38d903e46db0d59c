import ArgumentParser
import MaskStorage

struct ROICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roi",
        abstract: "Load a named ROI set: one box per image_id (or per mask_id), replacing a set of the same name.",
        discussion: "CSV columns: image_id,x0,y0,x1,y1 (or mask_id,x0,y0,x1,y1). Float coordinates are rounded outward.")

    @Argument(help: "The database directory.") var db: String
    @Argument(help: "The ROI set's name, as queries will write it (e.g. object).") var name: String
    @Argument(help: "The boxes CSV.") var boxes: String

    func run() throws {
        if ShardedCommands.isSharded(db) { return try ShardedCommands.roi(db, name: name, boxes: boxes) }
        let s = try runReportingErrors { try ROISetLoader.load(into: db, name: name, csvPath: boxes) }
        print("\(s.replaced ? "replaced" : "loaded") ROI set '\(s.name)': \(s.boxes) boxes keyed by \(s.key == .imageID ? "image_id" : "mask_id")")
    }
}

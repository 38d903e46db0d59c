// Placeholder so the package builds while issue11-imaging has not committed its MaskImagingTests
// (Package.swift names the target); delete once it has.

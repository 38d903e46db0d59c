// MaskDatasets

// MaskInspect

// MaskIndex

// MaskQuery

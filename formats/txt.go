package formats

// TXTOptions configures the txt reader and writer. (Stub: replaced by the txt implementation.)
type TXTOptions struct{}

// TXTFormat returns the registry entry for txt.
func TXTFormat() Format { return Format{Name: "txt", Extensions: []string{".txt"}} }

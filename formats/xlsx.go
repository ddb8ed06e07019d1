package formats

// XLSXOptions configures the xlsx reader and writer. (Stub: replaced by the xlsx implementation.)
type XLSXOptions struct{}

// XLSXFormat returns the registry entry for xlsx.
func XLSXFormat() Format { return Format{Name: "xlsx", Extensions: []string{".xlsx"}} }

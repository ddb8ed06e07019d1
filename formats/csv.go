package formats

// CSVOptions configures the csv reader and writer. (Stub: replaced by the csv implementation.)
type CSVOptions struct{}

// CSVFormat returns the registry entry for csv.
func CSVFormat() Format { return Format{Name: "csv", Extensions: []string{".csv"}} }

package formats

// JSONOptions configures the json reader and writer. (Stub: replaced by the json implementation.)
type JSONOptions struct{}

// JSONFormat returns the registry entry for json.
func JSONFormat() Format { return Format{Name: "json", Extensions: []string{".json"}} }

// JSONLinesFormat returns the registry entry for JSON Lines.
func JSONLinesFormat() Format {
	return Format{Name: "jsonl", Extensions: []string{".jsonl", ".ndjson"}}
}

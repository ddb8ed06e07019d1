package formats

// XMLOptions configures the xml reader and writer. (Stub: replaced by the xml implementation.)
type XMLOptions struct{}

// XMLFormat returns the registry entry for xml.
func XMLFormat() Format { return Format{Name: "xml", Extensions: []string{".xml"}} }

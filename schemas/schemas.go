// Package schemas holds ferry's JSON Schemas: the configuration itself
// (ferry.yaml and pipeline files, for `ferry lint` and for editors) and the
// input documents ferry knows. They are embedded in the binary.
//
// To get completion and checking in an editor with the YAML language server
// (VS Code's YAML extension, IntelliJ, Neovim), put this first line into a
// pipeline file:
//
//	# yaml-language-server: $schema=../schemas/pipeline.schema.json
//
// (and project.schema.json for ferry.yaml), with the path to this folder.
package schemas

import "embed"

// FS holds every schema file of this folder.
//
//go:embed *.schema.json
var FS embed.FS

// Names of the configuration schemas in FS.
const (
	Pipeline = "pipeline.schema.json"
	Project  = "project.schema.json"
)

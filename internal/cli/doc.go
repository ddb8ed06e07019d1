// Package cli implements ferry's subcommands. The CLI is a struct with
// injected standard streams, so tests run it in-process; cmd/ferry only
// builds a context from the signals and calls Run.
package cli

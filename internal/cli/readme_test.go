package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeShowsTheExample keeps the README's "Writing a pipeline" section
// identical to samples/example, which the scripts run (example.txtar).
func TestReadmeShowsTheExample(t *testing.T) {
	root := filepath.Join("..", "..")
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"ferry.yaml", "lookups/warengruppen.csv", "pipelines/artikel-to-products.yaml"} {
		b, err := os.ReadFile(filepath.Join(root, "samples", "example", filepath.FromSlash(f)))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(readme), "```yaml\n"+string(b)+"```") && !strings.Contains(string(readme), "```\n"+string(b)+"```") {
			t.Errorf("README.md does not show samples/example/%s as it is; copy it into the \"Writing a pipeline\" section", f)
		}
	}
}

// Command gen writes the two files pulumi-resource-kubernetes embeds, as
// upstream's cmd/pulumi-resource-kubernetes/generate.go does: the module's
// schema.json with "version" set to $VERSION, and terraform-mapping.json
// compacted.
//
// Usage: VERSION=4.25.0 go run ./gen SOURCE_DIR OUT_DIR
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	if len(os.Args) != 3 || os.Getenv("VERSION") == "" {
		fail(fmt.Errorf("usage: VERSION=X go run ./gen SOURCE_DIR OUT_DIR"))
	}
	src, out := os.Args[1], os.Args[2]
	var schema map[string]any
	read(filepath.Join(src, "schema.json"), &schema)
	schema["version"] = os.Getenv("VERSION")
	write(filepath.Join(out, "schema-embed.json"), schema)
	var mapping any
	read(filepath.Join(src, "terraform-mapping.json"), &mapping)
	write(filepath.Join(out, "terraform-mapping-embed.json"), mapping)
}

func read(path string, v any) {
	data, err := os.ReadFile(path)
	if err != nil {
		fail(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		fail(fmt.Errorf("%s: %w", path, err))
	}
}

func write(path string, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		fail(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "gen: error: %v\n", err)
	os.Exit(1)
}

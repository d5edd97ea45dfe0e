package graph

import (
	"strings"
	"testing"
)

// TestBuilderIndex: Builder.Index finds an Index by its name, and an unknown
// or a repeated name is an error recorded in the builder that names them.
func TestBuilderIndex(t *testing.T) {
	b := NewBuilder(Float64)
	county := b.IndexInput("county", 5, 3)
	state := b.IndexInput("state", 3, 2)
	if b.Index("county") != county || b.Index("state") != state || b.Err() != nil {
		t.Fatalf("lookup: %v", b.Err())
	}
	if b.Index("school") != nil {
		t.Fatal("unknown name gave an index")
	}
	if err := b.Err(); err == nil || !strings.Contains(err.Error(), `Index("school")`) || !strings.Contains(err.Error(), `"county", "state"`) {
		t.Errorf("unknown name: error %v", err)
	}

	b = NewBuilder(Float64)
	b.IndexInput("county", 5, 3)
	if b.IndexInput("county", 4, 3) != nil {
		t.Fatal("a repeated name gave an index")
	}
	if err := b.Err(); err == nil || !strings.Contains(err.Error(), `IndexInput "county"`) {
		t.Errorf("repeated name: error %v", err)
	}

	b = NewBuilder(Float64)
	if b.Index("x") != nil || b.Err() == nil || !strings.Contains(b.Err().Error(), "there are none") {
		t.Errorf("no indexes: error %v", b.Err())
	}
}

package bbvi

import (
	"fmt"
	"strings"
	"sync"
)

// registry maps names (case-insensitive, with aliases) to constructors. It
// backs FamilyByName and EstimatorByName, so that the library, the vigor
// command and the studies share one list of names.
type registry[T any] struct {
	kind  string // "family", "estimator": for messages
	mu    sync.RWMutex
	order []string            // canonical names in registration order
	make  map[string]func() T // canonical name and aliases → constructor
}

func (r *registry[T]) add(name string, f func() T, aliases []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.make == nil {
		r.make = map[string]func() T{}
	}
	if f == nil {
		panic(fmt.Sprintf("bbvi: Register%s(%q): nil constructor", strings.ToUpper(r.kind[:1])+r.kind[1:], name))
	}
	for _, n := range append([]string{name}, aliases...) {
		key := strings.ToLower(strings.TrimSpace(n))
		if key == "" {
			panic(fmt.Sprintf("bbvi: empty %s name", r.kind))
		}
		if _, dup := r.make[key]; dup {
			panic(fmt.Sprintf("bbvi: %s %q registered twice", r.kind, n))
		}
		r.make[key] = f
	}
	r.order = append(r.order, strings.ToLower(strings.TrimSpace(name)))
}

func (r *registry[T]) lookup(name string) (func() T, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	f, ok := r.make[strings.ToLower(strings.TrimSpace(name))]
	return f, ok
}

func (r *registry[T]) get(name string) (T, error) {
	if f, ok := r.lookup(name); ok {
		return f(), nil
	}
	var zero T
	return zero, fmt.Errorf("bbvi: unknown %s %q (want one of %s)", r.kind, name, strings.Join(r.names(), ", "))
}

func (r *registry[T]) names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]string(nil), r.order...)
}

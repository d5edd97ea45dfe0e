package main

import (
	"flag"
	"fmt"
	"slices"
	"strings"
)

// A fitModel is one entry of the model registry of `vigor fit`: one value of
// --model. Everything the fit command knows of a model is in its entry, which
// the model's own file registers from an init function with registerModel;
// nothing else names the model. Adding a model is one file and its test.
type fitModel struct {
	// name is the value of --model.
	name string
	// summary describes the model in one line, for `vigor fit -h`.
	summary string
	// synopsis summarizes the flags the model adds, after
	// "vigor fit --model NAME --data FILE.csv", required ones unbracketed; a
	// "\n" starts a continuation line.
	synopsis string
	// about is the model's part of `vigor fit --model NAME -h`: the model,
	// its methods, its output.
	about string
	// new returns a fresh run of the model, whose fields the model's own
	// flags are bound to.
	new func() modelRun
}

// A modelRun is one fit of one model: the options struct of the flags the
// model adds to the common flags of vigor fit (fitOptions), which checks them
// and then loads and checks the data, builds the model, fits it and writes
// its report. Its errors go through fail: a usageError is bad input.
type modelRun interface {
	// flags defines the model's own flags on fs, bound to the run's fields.
	// Models may define the same flag (linear and logistic both have
	// --target); it is then bound to each of them.
	flags(fs *flag.FlagSet)
	// check validates the model's flags once parsed; o holds the checked
	// common options and given the names of the flags on the command line.
	check(o *fitOptions, given map[string]bool) error
	// run loads the --data file, fits and writes the report.
	run(o *fitOptions, e *env) error
}

// fitModels is the model registry, sorted by name. It is filled by the
// models' init functions and only read afterwards.
var fitModels []*fitModel

// registerModel adds m to the model registry. It panics, at start-up, on an
// entry with no name, summary, synopsis or constructor, or a name taken.
func registerModel(m *fitModel) {
	if m.name == "" || m.summary == "" || m.synopsis == "" || m.new == nil {
		panic(fmt.Sprintf("vigor: registerModel: incomplete entry %+v", *m))
	}
	if lookupModel(m.name) != nil {
		panic("vigor: registerModel: two models are called " + m.name)
	}
	fitModels = append(fitModels, m)
	slices.SortFunc(fitModels, func(a, b *fitModel) int { return strings.Compare(a.name, b.name) })
}

// lookupModel returns the registered model called name, or nil.
func lookupModel(name string) *fitModel {
	for _, m := range fitModels {
		if m.name == name {
			return m
		}
	}
	return nil
}

// modelNames lists the registered models' names, sorted.
func modelNames() []string {
	names := make([]string, len(fitModels))
	for i, m := range fitModels {
		names[i] = m.name
	}
	return names
}

// modelFlags returns a flag set with only m's own flags, bound to a fresh run.
func modelFlags(m *fitModel) *flag.FlagSet {
	fs := newFlagSet("vigor fit --model " + m.name)
	m.new().flags(fs)
	return fs
}

// sharedFlag is the flag.Value of a flag that several models define, such as
// --target: setting it sets the field of each model's run.
type sharedFlag []flag.Value

// String returns the first model's value (they are all set alike).
func (s sharedFlag) String() string {
	if len(s) == 0 {
		return ""
	}
	return s[0].String()
}

// Set sets every model's value.
func (s sharedFlag) Set(v string) error {
	for _, f := range s {
		if err := f.Set(v); err != nil {
			return err
		}
	}
	return nil
}

// IsBoolFlag reports whether the flag is a boolean one, which takes no value.
func (s sharedFlag) IsBoolFlag() bool {
	if len(s) == 0 {
		return false
	}
	b, ok := s[0].(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

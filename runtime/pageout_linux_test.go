package runtime

import (
	"encoding/binary"
	"errors"
	"os"
	"syscall"
	"testing"
)

// residentPages counts the pages of spans present in this process's page
// tables (bit 63 of each /proc/self/pagemap entry).
func residentPages(t *testing.T, spans []span) int {
	t.Helper()
	f, err := os.Open("/proc/self/pagemap")
	if err != nil {
		t.Skipf("no pagemap: %v", err)
	}
	defer f.Close()
	n := 0
	for _, s := range spans {
		pages := (s.hi - s.lo) / 4096
		b := make([]byte, pages*8)
		if _, err := f.ReadAt(b, int64(s.lo/4096*8)); err != nil {
			t.Fatalf("pagemap: %v", err)
		}
		for i := uintptr(0); i < pages; i++ {
			if binary.LittleEndian.Uint64(b[i*8:])>>63 != 0 {
				n++
			}
		}
	}
	return n
}

// TestReleaseStartPages touches every page of the test binary's read-only
// mappings, as Go's start-up does for much of a binary, and checks that
// releaseStartPages takes them out of the resident set.
func TestReleaseStartPages(t *testing.T) {
	spans, err := binarySpans()
	if err != nil {
		t.Fatal(err)
	}
	if len(spans) == 0 {
		t.Fatal("no read-only mapping of the executable in /proc/self/maps")
	}
	mem, err := os.Open("/proc/self/mem") // reading it faults the pages in
	if err != nil {
		t.Skipf("no /proc/self/mem: %v", err)
	}
	defer mem.Close()
	one := make([]byte, 1)
	for _, s := range spans {
		for p := s.lo; p < s.hi; p += 4096 {
			if _, err := mem.ReadAt(one, int64(p)); err != nil {
				t.Fatalf("reading the binary's page at %#x: %v", p, err)
			}
		}
	}
	before := residentPages(t, spans)
	n, err := releaseStartPages()
	if errors.Is(err, syscall.EINVAL) {
		t.Skipf("kernel without MADV_PAGEOUT: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	var total uintptr
	for _, s := range spans {
		total += s.hi - s.lo
	}
	if n != int64(total) {
		t.Errorf("advised %d bytes, want all %d of the read-only mappings", n, total)
	}
	after := residentPages(t, spans)
	t.Logf("resident pages of the binary's read-only mappings: %d before, %d after", before, after)
	// The kernel keeps what it cannot reclaim at once (large page-cache
	// folios shared with the writable mapping, pages in use by other
	// goroutines); the flowgate binary itself goes from ~22 MB to ~1 MB.
	if after > before*3/4 {
		t.Errorf("resident pages %d -> %d: release kept more than three quarters", before, after)
	}
}

func TestReleaseStartPagesSetting(t *testing.T) {
	file := t.TempDir() + "/settings.yaml"
	for _, tc := range []struct {
		yaml string
		want bool
	}{{"uiPort: 1880\n", true}, {"releaseStartPages: true\n", true}, {"releaseStartPages: false\n", false}} {
		if err := os.WriteFile(file, []byte(tc.yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		s := Settings{File: file, ReleaseStartPages: true}
		if err := s.LoadFile(); err != nil {
			t.Fatal(err)
		}
		if s.ReleaseStartPages != tc.want {
			t.Errorf("%q: ReleaseStartPages = %v, want %v", tc.yaml, s.ReleaseStartPages, tc.want)
		}
	}
}

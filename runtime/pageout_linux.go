package runtime

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// releaseDelay is how long after start the start-up pages are released.
const releaseDelay = 500 * time.Millisecond

// madvPageout is MADV_PAGEOUT (Linux 5.4), missing from package syscall.
const madvPageout = 21

// releaseStartPages gives back the pages of Flowgate's own binary that
// start-up brought in. Go's package initialisation touches code and
// read-only data all over the binary (every package's init, the
// runtime's tables), and the kernel maps the file in large chunks
// (readahead, large page-cache folios, fault-around), so right after start
// most of the 25 MB binary is resident although an idle gateway runs a
// small part of it. This advises the binary's read-only mappings (code,
// read-only data) MADV_RANDOM, so that later faults read single pages
// instead of readahead windows, then MADV_PAGEOUT, so that the kernel
// reclaims the pages only start-up used. Code used again is read back
// from the file on its first touch (a major fault each page, once).
// Writable mappings are left alone. It returns the bytes advised; an
// older kernel without MADV_PAGEOUT advises nothing and loses nothing.
func releaseStartPages() (int64, error) {
	spans, err := binarySpans()
	if err != nil {
		return 0, err
	}
	var n int64
	for _, s := range spans {
		if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, s.lo, s.hi-s.lo, syscall.MADV_RANDOM); e != 0 {
			return n, e
		}
		if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, s.lo, s.hi-s.lo, madvPageout); e != 0 {
			return n, e
		}
		n += int64(s.hi - s.lo)
	}
	return n, nil
}

type span struct{ lo, hi uintptr }

// binarySpans lists the read-only mappings of the running executable from
// /proc/self/maps.
func binarySpans() ([]span, error) {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return nil, err
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var spans []span
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// 00403000-00f6d000 r-xp 00003000 08:01 1234 /usr/bin/flowgate
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[5] != exe || strings.Contains(fields[1], "w") {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		l, err1 := strconv.ParseUint(lo, 16, 64)
		h, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || h <= l {
			continue
		}
		spans = append(spans, span{uintptr(l), uintptr(h)})
	}
	return spans, sc.Err()
}

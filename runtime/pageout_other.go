//go:build !linux

package runtime

// releaseStartPages is Linux only (madvise MADV_PAGEOUT); elsewhere the
// start-up pages stay until the system reclaims them.
func releaseStartPages() (int64, error) { return 0, nil }

//go:build !linux

package runtime

import "time"

const releaseDelay = 500 * time.Millisecond

// releaseStartPages is Linux only (madvise MADV_PAGEOUT); elsewhere the
// start-up pages stay until the system reclaims them.
func releaseStartPages() (int64, error) { return 0, nil }

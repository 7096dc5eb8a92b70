//go:build unix

package runtime

import (
	"os"
	"syscall"
)

type owner struct{ uid, gid int }

// statOwner returns the owner of path.
func statOwner(path string) (owner, bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return owner{}, false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return owner{}, false
	}
	return owner{int(st.Uid), int(st.Gid)}, true
}

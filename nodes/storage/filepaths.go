package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/flowgate/flowgate/engine"
)

// filePaths resolves the file names of the file, file in and watch nodes
// and opens them: relative names are anchored at the working directory
// (Node-RED's fileWorkingDirectory) and, when an allow list is set, names
// outside it are refused and every file operation goes through an os.Root
// of the allowed directory. Without an allow list they are the os
// functions, as in Node-RED.
type filePaths struct {
	wd    string   // absolute fileWorkingDirectory; "" means the process's
	allow []string // absolute, cleaned allowed directories; nil allows all
}

func newFilePaths(o Options) filePaths {
	fp := filePaths{}
	if o.FileWorkingDirectory != "" {
		fp.wd, _ = filepath.Abs(o.FileWorkingDirectory)
	}
	for _, d := range o.FileAllowDirs {
		if !filepath.IsAbs(d) && fp.wd != "" {
			d = filepath.Join(fp.wd, d)
		}
		abs, err := filepath.Abs(d)
		if err == nil {
			fp.allow = append(fp.allow, abs)
		}
	}
	return fp
}

// resolve returns the name the node opens, or an error naming the path when
// it is not beneath an allowed directory as written. Symbolic links are
// not looked at here (constructors call resolve and do no I/O): the
// operations below open through the allowed directory, which keeps them
// beneath it.
func (fp filePaths) resolve(name string) (string, error) {
	full := name
	if fp.wd != "" && !filepath.IsAbs(full) {
		full = filepath.Join(fp.wd, full)
	}
	if len(fp.allow) == 0 {
		return full, nil
	}
	abs, err := filepath.Abs(full)
	if err != nil {
		return "", err
	}
	if _, _, ok := fp.beneath(abs); !ok {
		return "", fmt.Errorf("file path %q is outside the allowed directories (fileAllowDirs)", name)
	}
	return full, nil
}

// beneath returns the outermost allowed directory holding abs as written,
// and abs relative to it.
func (fp filePaths) beneath(abs string) (dir, rel string, ok bool) {
	for _, d := range fp.allow {
		r, err := filepath.Rel(d, abs)
		if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			continue
		}
		if !ok || len(d) < len(dir) {
			dir, rel, ok = d, r, true
		}
	}
	return dir, rel, ok
}

// sandboxed runs op on full (a name from resolve) inside an os.Root of the
// allowed directory holding it: the kernel resolves every component
// beneath that directory, so a symbolic link leading out (dangling, or
// swapped in for a file between two operations) fails instead of being
// followed. A check of the path before opening it cannot give that: the
// path may change between the check and the open. The error names full,
// with the operation Node.js would name (what Node-RED users see).
func (fp filePaths) sandboxed(full, opName string, op func(r *os.Root, rel string) error) error {
	abs, err := filepath.Abs(full)
	if err != nil {
		return err
	}
	dir, rel, ok := fp.beneath(abs)
	if !ok {
		return fmt.Errorf("file path %q is outside the allowed directories (fileAllowDirs)", full)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("allowed directory (fileAllowDirs): %w", err)
	}
	defer root.Close()
	err = op(root, rel)
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		return err
	}
	// os.Root's error for a link out is not exported: its text is the test
	if pe.Err.Error() == "path escapes from parent" {
		return fmt.Errorf("file path %q is outside the allowed directories (fileAllowDirs) through a symbolic link", full)
	}
	return &fs.PathError{Op: opName, Path: full, Err: pe.Err}
}

// openFile is os.OpenFile, through the allowed directory when there is
// an allow list.
func (fp filePaths) openFile(full string, flag int, perm os.FileMode) (*os.File, error) {
	if len(fp.allow) == 0 {
		return os.OpenFile(full, flag, perm)
	}
	var f *os.File
	err := fp.sandboxed(full, "open", func(r *os.Root, rel string) (err error) {
		f, err = r.OpenFile(rel, flag, perm)
		return err
	})
	return f, err
}

// remove is os.Remove, through the allowed directory when there is an
// allow list.
func (fp filePaths) remove(full string) error {
	if len(fp.allow) == 0 {
		return os.Remove(full)
	}
	return fp.sandboxed(full, "remove", func(r *os.Root, rel string) error { return r.Remove(rel) })
}

// mkdirAll is os.MkdirAll, through the allowed directory when there is
// an allow list.
func (fp filePaths) mkdirAll(full string, perm os.FileMode) error {
	if len(fp.allow) == 0 {
		return os.MkdirAll(full, perm)
	}
	return fp.sandboxed(full, "mkdir", func(r *os.Root, rel string) error { return r.MkdirAll(rel, perm) })
}

// stat is os.Stat, through the allowed directory when there is an allow
// list.
func (fp filePaths) stat(full string) (os.FileInfo, error) {
	if len(fp.allow) == 0 {
		return os.Stat(full)
	}
	var fi os.FileInfo
	err := fp.sandboxed(full, "stat", func(r *os.Root, rel string) (err error) {
		fi, err = r.Stat(rel)
		return err
	})
	return fi, err
}

// checkStatic refuses at deploy a constant filename outside the allow list.
func (fp filePaths) checkStatic(p *engine.Props) {
	if len(fp.allow) == 0 || p.String("filenameType", "") != "str" {
		return
	}
	name := p.String("filename", "")
	if name == "" || strings.Contains(name, "${") {
		return
	}
	if _, err := fp.resolve(name); err != nil {
		p.Fail("filename", "%v", err)
	}
}

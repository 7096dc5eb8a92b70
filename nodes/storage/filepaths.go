package storage

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/flowgate/flowgate/engine"
)

// filePaths resolves the file names of the file, file in and watch nodes:
// relative names are anchored at the working directory (Node-RED's
// fileWorkingDirectory) and, when an allow list is set, names outside it are
// refused.
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
// the allow list refuses it. The check is on the cleaned path; open also
// resolves symbolic links of the part that exists (it touches the file
// system, so constructors use resolve alone).
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
	if !fp.allowed(abs, false) {
		return "", fmt.Errorf("file path %q is outside the allowed directories (fileAllowDirs)", name)
	}
	return full, nil
}

// open is resolve plus the symbolic link check, for Handle and Start.
func (fp filePaths) open(name string) (string, error) {
	full, err := fp.resolve(name)
	if err != nil || len(fp.allow) == 0 {
		return full, err
	}
	abs, _ := filepath.Abs(full)
	if !fp.allowed(realPath(abs), true) {
		return "", fmt.Errorf("file path %q is outside the allowed directories (fileAllowDirs) through a symbolic link", name)
	}
	return full, nil
}

// allowed reports whether abs is inside one of the allowed directories
// (with their symbolic links resolved when real).
func (fp filePaths) allowed(abs string, real bool) bool {
	for _, d := range fp.allow {
		if real {
			d = realPath(d)
		}
		if rel, err := filepath.Rel(d, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// realPath resolves the symbolic links of the longest existing ancestor of
// abs and appends the rest.
func realPath(abs string) string {
	rest := ""
	for p := abs; ; p = filepath.Dir(p) {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(r, rest)
		}
		if filepath.Dir(p) == p {
			return abs
		}
		rest = filepath.Join(filepath.Base(p), rest)
	}
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

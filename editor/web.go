package editor

import (
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// serveOther serves what the admin API does not route: the editor at /,
// the editor's files, and everything else through the fallback (the
// routes of http in nodes). Like Node-RED, whose editor is mounted before
// the http in routes, the editor's files win over a flow's route of the
// same path.
func (s *Server) serveOther(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		if r.URL.Path == "/" {
			s.serveIndex(w, r)
			return
		}
		if s.o.Web != nil && s.serveFile(w, r) {
			return
		}
	}
	s.o.Fallback.ServeHTTP(w, r)
}

// notBuilt is GET / when the binary carries no editor.
const notBuilt = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Flowgate</title></head>
<body>
<h1>Flowgate is running, but its editor is not built</h1>
<p>The admin API and your flows work; only the browser editor is missing from this binary.</p>
<p>Build it with <code>make web</code> (or <code>make run</code>, which builds everything), then restart Flowgate.</p>
</body>
</html>
`

// editorHeaders are the security headers of the editor's files: no
// content sniffing, no framing by other sites (Home Assistant's ingress
// frames it from its own origin, behind its proxy), no referrer leaving
// the site.
func editorHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Security-Policy", "frame-ancestors 'self'")
	h.Set("Referrer-Policy", "same-origin")
}

func (s *Server) serveIndex(w http.ResponseWriter, r *http.Request) {
	editorHeaders(w)
	if s.o.Web == nil {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = io.WriteString(w, notBuilt)
		}
		return
	}
	if !s.serveName(w, r, "index.html") {
		http.Error(w, "editor build has no index.html", http.StatusInternalServerError)
	}
}

// serveFile serves the editor file named by the request path, reporting
// false when there is none.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) bool {
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
	if !fs.ValidPath(name) || name == "." {
		return false
	}
	return s.serveName(w, r, name)
}

// serveName serves one file of Options.Web. Files under assets/ carry a
// content hash in their names (the bundler's output) and are cached for
// good; everything else is revalidated on each load so a new build shows
// at once.
func (s *Server) serveName(w http.ResponseWriter, r *http.Request, name string) bool {
	f, err := s.o.Web.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		return false
	}
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		b, err := io.ReadAll(f)
		if err != nil {
			return false
		}
		rs = strings.NewReader(string(b))
	}
	editorHeaders(w)
	if strings.HasPrefix(name, "assets/") {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, name, st.ModTime(), rs)
	return true
}

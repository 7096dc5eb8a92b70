package runtime

import (
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/flowgate/flowgate/editor"
)

// Security holds the settings that protect a Flowgate: Node-RED's
// adminAuth, credentialSecret, httpNodeAuth and https.
type Security struct {
	// AdminAuth requires a login for the editor and admin API; nil
	// leaves them open.
	AdminAuth *AdminAuth `yaml:"adminAuth"`
	// CredentialSecret is the key material of the credentials file; when
	// empty a key is generated once into DATA/.config.runtime.json.
	CredentialSecret string `yaml:"credentialSecret"`
	// HTTPNodeAuth requires HTTP basic auth on the http in routes and
	// /api/data; nil leaves them open.
	HTTPNodeAuth *HTTPNodeAuth `yaml:"httpNodeAuth"`
	// HTTPS serves the editor, admin API and http in routes over TLS.
	HTTPS *HTTPS `yaml:"https"`
	// AdminOrigins are the browser origins besides the server's own that
	// may use the admin API and /comms ("https://gw.example"; "*": any).
	AdminOrigins []string `yaml:"adminOrigins"`
}

// AdminAuth is the settings file's adminAuth (type credentials only).
type AdminAuth struct {
	Type string `yaml:"type"`
	// SessionExpiryTime is a token's lifetime in seconds (default a week).
	SessionExpiryTime int             `yaml:"sessionExpiryTime"`
	Users             []AdminAuthUser `yaml:"users"`
}

// AdminAuthUser is one adminAuth user.
type AdminAuthUser struct {
	Username    string `yaml:"username"`
	Password    string `yaml:"password"` // bcrypt hash
	Permissions string `yaml:"permissions"`
}

// HTTPNodeAuth is basic auth for the http in routes.
type HTTPNodeAuth struct {
	User string `yaml:"user"`
	Pass string `yaml:"pass"` // bcrypt hash
}

// HTTPS names the certificate files of the listener.
type HTTPS struct {
	Key  string `yaml:"key"`
	Cert string `yaml:"cert"`
}

// merge fills what s leaves empty from f.
func (s *Security) merge(f Security) {
	if s.AdminAuth == nil {
		s.AdminAuth = f.AdminAuth
	}
	if s.CredentialSecret == "" {
		s.CredentialSecret = f.CredentialSecret
	}
	if s.HTTPNodeAuth == nil {
		s.HTTPNodeAuth = f.HTTPNodeAuth
	}
	if s.HTTPS == nil {
		s.HTTPS = f.HTTPS
	}
	if s.AdminOrigins == nil {
		s.AdminOrigins = f.AdminOrigins
	}
}

// sessionsFile is where admin sessions are kept, in the data directory,
// as Node-RED's .sessions.json (Flowgate's keeps token hashes only).
const sessionsFile = ".sessions.json"

// sessionFile is the editor's SessionStore in a file of mode 0600.
type sessionFile string

// Load implements editor.SessionStore.
func (f sessionFile) Load() ([]byte, error) {
	b, err := os.ReadFile(string(f))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read sessions: %w", err)
	}
	return b, nil
}

// Save implements editor.SessionStore.
func (f sessionFile) Save(data []byte) error {
	if err := writeFileAtomic(string(f), data, 0o600); err != nil {
		return fmt.Errorf("write sessions %s: %w", string(f), err)
	}
	return nil
}

// adminAuth builds the editor's Auth, its sessions kept in
// dataDir/.sessions.json; nil when adminAuth is not set.
func (s Security) adminAuth(dataDir string, log *slog.Logger) (*editor.Auth, error) {
	a := s.AdminAuth
	if a == nil {
		return nil, nil
	}
	if a.Type != "credentials" {
		return nil, fmt.Errorf("adminAuth.type: only \"credentials\" is supported, got %q", a.Type)
	}
	users := make([]editor.User, len(a.Users))
	for i, u := range a.Users {
		users[i] = editor.User{Username: u.Username, Password: u.Password, Permissions: u.Permissions}
	}
	return editor.NewAuth(editor.AuthConfig{
		Users:         users,
		SessionExpiry: time.Duration(a.SessionExpiryTime) * time.Second,
		Sessions:      sessionFile(filepath.Join(dataDir, sessionsFile)),
		Log:           log,
	})
}

// check reports security settings that cannot work.
func (s Security) check() error {
	if a := s.HTTPNodeAuth; a != nil {
		if a.User == "" {
			return errors.New("httpNodeAuth.user is empty")
		}
		if _, err := bcrypt.Cost([]byte(a.Pass)); err != nil {
			return errors.New("httpNodeAuth.pass is not a bcrypt hash (flowgate hash-password makes one)")
		}
	}
	if h := s.HTTPS; h != nil {
		if _, err := tls.LoadX509KeyPair(h.Cert, h.Key); err != nil {
			return fmt.Errorf("https: %w", err)
		}
	}
	return nil
}

// nodeAuth wraps the http in routes and /api/data with httpNodeAuth's
// basic auth.
func (s Security) nodeAuth(next http.Handler) http.Handler {
	a := s.HTTPNodeAuth
	if a == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(user), []byte(a.User)) != 1 ||
			bcrypt.CompareHashAndPassword([]byte(a.Pass), []byte(pass)) != nil {
			w.Header().Set("WWW-Authenticate", `Basic realm="Authorization Required"`)
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// serve serves srv on ln, over TLS when https is set.
func (s Security) serve(srv *http.Server, ln net.Listener) error {
	if h := s.HTTPS; h != nil {
		return srv.ServeTLS(ln, h.Cert, h.Key)
	}
	return srv.Serve(ln)
}

// HashPassword returns the bcrypt hash of password (Node-RED's cost, 8),
// for adminAuth and httpNodeAuth.
func HashPassword(password []byte) (string, error) {
	if len(password) == 0 {
		return "", errors.New("empty password")
	}
	h, err := bcrypt.GenerateFromPassword(password, 8)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

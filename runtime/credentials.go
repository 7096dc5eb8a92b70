package runtime

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/flows"
)

// pwrdPlaceholder is what Node-RED's editor sends for a password it did
// not change ("__PWRD__"): the stored value is kept.
const pwrdPlaceholder = "__PWRD__"

// credStore keeps node credentials apart from the flows: in memory by
// node id, and on disk in <flows>_cred.json beside the flows file,
// encrypted with AES-256-GCM. The key is SHA-256 of credentialSecret, or
// of a secret generated once into DATA/.config.runtime.json (0600).
type credStore struct {
	path    string
	keyFile string
	secret  string                   // credentialSecret from the settings
	declare map[string][]engine.Prop // credential props by node type

	// mu guards key, creds and rev.
	mu    sync.Mutex
	key   []byte
	creds map[string]map[string]any
	rev   string // the rev of the stored flows that creds belong to
}

func newCredStore(s Settings, specs []engine.Spec) *credStore {
	ext := filepath.Ext(s.FlowsFile)
	c := &credStore{
		path:    strings.TrimSuffix(s.FlowsFile, ext) + "_cred" + ext,
		keyFile: filepath.Join(s.DataDir, ".config.runtime.json"),
		secret:  s.Security.CredentialSecret,
		declare: map[string][]engine.Prop{},
		creds:   map[string]map[string]any{},
	}
	for _, sp := range specs {
		if len(sp.Credentials) > 0 {
			c.declare[sp.Type] = sp.Credentials
		}
	}
	return c
}

// isSecret reports whether a credential is never returned, only flagged
// with has_<name> (Node-RED's type "password").
func isSecret(p engine.Prop) bool {
	n := strings.ToLower(p.Name)
	return strings.Contains(n, "pass") || strings.Contains(n, "token") || strings.Contains(n, "secret") || strings.Contains(n, "key")
}

// credPick says which credentials open took for the stored flows.
type credPick string

const (
	// pickNone: there is no credentials file.
	pickNone credPick = "none"
	// pickCurrent: the credentials file, saved with these flows (or by
	// Node-RED, or by a Flowgate that did not record the rev).
	pickCurrent credPick = "current"
	// pickBackup: the backup, saved with these flows; the process died
	// after writing the credentials of a deploy and before its flows.
	pickBackup credPick = "backup"
	// pickDropped: both files belong to other flows, and the current one
	// records that it replaced these flows: running them with it would
	// give their nodes another deploy's credentials, so none are loaded.
	pickDropped credPick = "dropped"
	// pickUnmatched: the flows have a rev no credentials file knows (a
	// flows file edited by hand): the newest credentials, by node id, as
	// Node-RED does.
	pickUnmatched credPick = "unmatched"
)

// open loads the key and the credentials saved with the flows whose rev
// is flowsRev: the flows file and the credentials are one unit, paired
// by the rev recorded in the credentials file. It says which file it
// took (see credPick); a pick other than current or none is worth a log
// line.
func (c *credStore) open(flowsRev string) (credPick, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	key, err := c.loadKey()
	if err != nil {
		return pickNone, err
	}
	c.key, c.rev = key, flowsRev
	data, err := os.ReadFile(c.path)
	if errors.Is(err, fs.ErrNotExist) {
		return pickNone, nil
	}
	if err != nil {
		return pickNone, fmt.Errorf("credentials: %w", err)
	}
	backup, _ := os.ReadFile(c.backupPath()) // absent or unreadable: no candidate
	pick := pickCreds(data, backup, flowsRev)
	switch pick {
	case pickBackup:
		data = backup
	case pickDropped:
		c.creds = map[string]map[string]any{}
		return pick, nil
	}
	creds, err := decryptCreds(key, data)
	if err != nil {
		return pick, fmt.Errorf("credentials %s: %w", c.path, err)
	}
	c.creds = creds
	return pick, nil
}

// pickCreds chooses between the credentials file cur and its backup for
// the flows whose rev is flowsRev.
func pickCreds(cur, backup []byte, flowsRev string) credPick {
	curRev, curPrev := credRevs(cur)
	backupRev, _ := credRevs(backup)
	switch {
	case flowsRev == "" || curRev == "" || curRev == flowsRev:
		return pickCurrent
	case backupRev == flowsRev:
		return pickBackup
	case curPrev == flowsRev:
		return pickDropped
	}
	return pickUnmatched
}

// loadKey derives the key from credentialSecret, or from the secret kept
// in the key file, generating it on first use.
func (c *credStore) loadKey() ([]byte, error) {
	if c.secret != "" {
		k := sha256.Sum256([]byte(c.secret))
		return k[:], nil
	}
	conf := map[string]any{}
	data, err := os.ReadFile(c.keyFile)
	switch {
	case err == nil:
		if err := json.Unmarshal(data, &conf); err != nil {
			return nil, fmt.Errorf("credentials key %s: %w", c.keyFile, err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("credentials key: %w", err)
	}
	secret, _ := conf["_credentialSecret"].(string)
	if secret == "" {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		secret = hex.EncodeToString(b)
		conf["_credentialSecret"] = secret
		out, _ := json.MarshalIndent(conf, "", "    ")
		if err := os.MkdirAll(filepath.Dir(c.keyFile), 0o755); err != nil {
			return nil, fmt.Errorf("credentials key: %w", err)
		}
		if err := writeFileAtomic(c.keyFile, out, 0o600); err != nil {
			return nil, fmt.Errorf("credentials key: %w", err)
		}
	}
	k := sha256.Sum256([]byte(secret))
	return k[:], nil
}

// credFile is the credentials file: {"$gcm": base64(nonce | sealed JSON)}.
type credFile struct {
	GCM string `json:"$gcm"`
	// Rev is the rev of the flows the credentials were saved with: the
	// flows file and the credentials file are one unit, and open takes
	// the credentials whose Rev is the stored flows' rev.
	Rev string `json:"rev,omitempty"`
	// Prev is the rev of the flows this save replaced: flows with that
	// rev must not run with these credentials.
	Prev string `json:"prev,omitempty"`
}

func encryptCreds(key []byte, creds map[string]map[string]any, rev, prev string) ([]byte, error) {
	plain, err := json.Marshal(creds)
	if err != nil {
		return nil, err
	}
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	_, _ = rand.Read(nonce)
	sealed := gcm.Seal(nonce, nonce, plain, nil)
	return json.MarshalIndent(credFile{GCM: base64.StdEncoding.EncodeToString(sealed), Rev: rev, Prev: prev}, "", "    ")
}

// decryptCreds reads a credentials file: Flowgate's, or Node-RED's
// ({"$": hex IV + base64 AES-256-CTR ciphertext}, same key derivation, so
// a Node-RED user directory's flows_cred.json loads with its
// credentialSecret), or Node-RED's unencrypted one (credentialSecret:
// false), which the next deploy rewrites encrypted.
func decryptCreds(key, data []byte) (map[string]map[string]any, error) {
	var f credFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	if f.GCM == "" {
		return decryptNodeRED(key, data)
	}
	sealed, err := base64.StdEncoding.DecodeString(f.GCM)
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < gcm.NonceSize() {
		return nil, errors.New("credentials file is truncated")
	}
	plain, err := gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], nil)
	if err != nil {
		return nil, errors.New("cannot decrypt the credentials: wrong credentialSecret or damaged file")
	}
	out := map[string]map[string]any{}
	if err := json.Unmarshal(plain, &out); err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	return out, nil
}

func decryptNodeRED(key, data []byte) (map[string]map[string]any, error) {
	var nr struct {
		Dollar *string `json:"$"`
	}
	_ = json.Unmarshal(data, &nr)
	out := map[string]map[string]any{}
	if nr.Dollar == nil { // unencrypted
		if err := json.Unmarshal(data, &out); err != nil {
			return nil, fmt.Errorf("credentials: %w", err)
		}
		return out, nil
	}
	v := *nr.Dollar
	if len(v) < 32 {
		return nil, errors.New("credentials file is truncated")
	}
	iv, err := hex.DecodeString(v[:32])
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	ct, err := base64.StdEncoding.DecodeString(v[32:])
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	plain := make([]byte, len(ct))
	cipher.NewCTR(block, iv).XORKeyStream(plain, ct)
	if err := json.Unmarshal(plain, &out); err != nil {
		return nil, errors.New("cannot decrypt the Node-RED credentials: wrong credentialSecret or damaged file")
	}
	return out, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	return cipher.NewGCM(block)
}

// split takes the credentials out of cfg: it returns cfg without any
// "credentials" property, and the credentials the deployment leaves
// stored: for each node of a type that declares credentials, the stored
// ones updated by what the node carries (a declared name present in its
// credentials object replaces the stored value, except Node-RED's
// "__PWRD__" placeholder; a node without one keeps what is stored).
// Credentials of nodes no longer in cfg are dropped.
func (c *credStore) split(cfg *flows.Config) (*flows.Config, map[string]map[string]any, error) {
	c.mu.Lock()
	old := c.creds
	c.mu.Unlock()
	next := map[string]map[string]any{}
	nodes := make([]flows.Node, len(cfg.Nodes))
	changed := false
	for i, n := range cfg.Nodes {
		nodes[i] = n
		typ := n.Type
		decl := c.declare[typ]
		if !bytes.Contains(n.Raw, []byte(`"credentials"`)) {
			if len(decl) > 0 && old[n.ID] != nil {
				next[n.ID] = old[n.ID]
			}
			continue
		}
		props, err := n.Props()
		if err != nil {
			return nil, nil, err
		}
		raw, has := props["credentials"]
		if !has {
			if len(decl) > 0 && old[n.ID] != nil {
				next[n.ID] = old[n.ID]
			}
			continue
		}
		var given map[string]any
		_ = json.Unmarshal(raw, &given) // a non-object carries nothing
		merged := maps.Clone(old[n.ID])
		if merged == nil {
			merged = map[string]any{}
		}
		names := make([]string, 0, len(given))
		for _, p := range decl {
			names = append(names, p.Name)
		}
		if len(decl) == 0 { // a type Flowgate does not know: keep all
			names = slices.Collect(maps.Keys(given))
		}
		for _, name := range names {
			v, ok := given[name]
			if !ok || v == pwrdPlaceholder {
				continue
			}
			if v == nil || v == "" {
				delete(merged, name)
				continue
			}
			merged[name] = v
		}
		if len(merged) > 0 {
			next[n.ID] = merged
		}
		stripped, err := withoutKey(n.Raw, "credentials")
		if err != nil {
			return nil, nil, err
		}
		if nodes[i], err = flows.NewNode(stripped); err != nil {
			return nil, nil, err
		}
		changed = true
	}
	if !changed {
		return cfg, next, nil
	}
	out := flows.New(nodes)
	out.BaseRev = cfg.BaseRev
	return out, next, nil
}

// withoutKey removes a top-level key of a JSON object, keeping the order
// of the others.
func withoutKey(raw []byte, key string) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		k, _ := kt.(string)
		if k == key {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// credRevs returns the flows rev a credentials file was saved with and
// the rev of the flows that save replaced.
func credRevs(data []byte) (rev, prev string) {
	var f credFile
	_ = json.Unmarshal(data, &f) // absent, not ours, or damaged: no revs
	return f.Rev, f.Prev
}

// backupPath is where save keeps the previous credentials file.
func (c *credStore) backupPath() string {
	return filepath.Join(filepath.Dir(c.path), "."+filepath.Base(c.path)+".backup")
}

// save writes creds encrypted, for the flows whose rev is flowsRev, and
// makes them current. The backup it writes first is the pair of the flows
// still stored (the credentials in memory, with their rev), not a copy
// of the file, which may belong to flows a crash never stored: whatever
// moment the process dies at, the stored flows have their credentials in
// one of the two files.
func (c *credStore) save(creds map[string]map[string]any, flowsRev string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.key == nil {
		return errors.New("credentials store not open")
	}
	prev, err := encryptCreds(c.key, c.creds, c.rev, "")
	if err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	data, err := encryptCreds(c.key, creds, flowsRev, c.rev)
	if err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	if err := writeFileAtomic(c.backupPath(), prev, 0o600); err != nil {
		return fmt.Errorf("credentials: backup: %w", err)
	}
	if err := writeFileAtomic(c.path, data, 0o600); err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	c.creds, c.rev = creds, flowsRev
	return nil
}

// set makes creds current without writing them (a deployment that is
// not persisted).
func (c *credStore) set(creds map[string]map[string]any) {
	c.mu.Lock()
	c.creds = creds
	c.mu.Unlock()
}

// props returns the node properties with the node's credentials merged
// in under "credentials", as the node constructors read them.
func (c *credStore) props(id string, p map[string]json.RawMessage, creds map[string]map[string]any) map[string]json.RawMessage {
	cr := creds[id]
	if len(cr) == 0 {
		return p
	}
	b, err := json.Marshal(cr)
	if err != nil {
		return p
	}
	p["credentials"] = b
	return p
}

// forEditor returns what GET /credentials/:type/:id shows: plain values
// of the non-secret credentials and has_<name> flags for the secret ones.
func (c *credStore) forEditor(typ, id string) map[string]any {
	c.mu.Lock()
	cr := c.creds[id]
	c.mu.Unlock()
	out := map[string]any{}
	for _, p := range c.declare[typ] {
		v, ok := cr[p.Name]
		if isSecret(p) {
			out["has_"+p.Name] = ok && v != nil && v != ""
			continue
		}
		if !ok {
			v = "" // Node-RED's credentials[cred] || ''
		}
		out[p.Name] = v
	}
	return out
}

// graphOf builds the engine graph of cfg with each node's credentials
// merged into its properties.
func (c *credStore) graphOf(cfg *flows.Config, creds map[string]map[string]any) (*engine.Graph, error) {
	props := make([]map[string]json.RawMessage, 0, len(cfg.Nodes))
	for i, n := range cfg.Nodes {
		p, err := n.Props()
		if err != nil {
			return nil, fmt.Errorf("flows[%d]: %w", i, err)
		}
		props = append(props, c.props(n.ID, p, creds))
	}
	return engine.NewGraph(props)
}

// current returns the stored credentials (not a copy: never change them).
func (c *credStore) current() map[string]map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.creds
}

// writeFileAtomic writes data to a temporary file beside path, fsyncs
// it, renames it over path and fsyncs the directory, so that a file
// written before another is on disk before it.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

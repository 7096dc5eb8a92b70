package runtime

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"

	"github.com/flowgate/flowgate/editor"
)

// SetAdminUser writes adminAuth into the settings file (YAML), as
// Node-RED's `node-red admin init` does: type credentials, and user with
// the bcrypt hash and full permissions, replacing a user of that name and
// keeping the other users, keys and comments. A missing file is created
// (mode 0640); an existing one keeps its mode.
func SetAdminUser(file, user, hash string) error {
	if user == "" || len(user) > editor.MaxUsernameBytes {
		return fmt.Errorf("user name must be 1 to %d bytes", editor.MaxUsernameBytes)
	}
	data, err := os.ReadFile(file)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("settings: %w", err)
	}
	doc, err := settingsDoc(data)
	if err != nil {
		return fmt.Errorf("settings %s: %w", file, err)
	}
	setAdminUser(doc.Content[0], user, hash)
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("settings %s: %w", file, err)
	}
	if err := checkSettings(out.Bytes()); err != nil {
		return fmt.Errorf("settings %s: the result does not load: %w", file, err)
	}
	return replaceFile(file, out.Bytes())
}

// settingsDoc parses a settings file into a document whose root is a
// mapping (an empty one for an empty file).
func settingsDoc(data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if doc.Kind == 0 {
		doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}}
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("not a YAML mapping")
	}
	return &doc, nil
}

// setAdminUser sets adminAuth.type and the user in the root mapping.
func setAdminUser(root *yaml.Node, user, hash string) {
	auth := mapValue(root, "adminAuth")
	if auth.Kind != yaml.MappingNode {
		*auth = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	}
	*mapValue(auth, "type") = *scalar("credentials")
	users := mapValue(auth, "users")
	if users.Kind != yaml.SequenceNode {
		*users = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	}
	entry := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{
		scalar("username"), scalar(user), scalar("password"), scalar(hash), scalar("permissions"), scalar(editor.PermAll),
	}}
	kept := users.Content[:0]
	for _, u := range users.Content {
		if u.Kind == yaml.MappingNode && mapValue(u, "username").Value == user {
			continue
		}
		kept = append(kept, u)
	}
	users.Content = append(kept, entry)
}

// mapValue returns the value node of key in mapping m, adding the key
// (with an empty value) when it is missing.
func mapValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	v := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}
	m.Content = append(m.Content, scalar(key), v)
	return v
}

func scalar(v string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v, Style: yaml.DoubleQuotedStyle}
}

// checkSettings loads data as a settings file would be loaded at start,
// adminAuth included.
func checkSettings(data []byte) error {
	dir, err := os.MkdirTemp("", "flowgate-settings-")
	if err != nil {
		return fmt.Errorf("check settings: %w", err)
	}
	defer os.RemoveAll(dir)
	f := filepath.Join(dir, "settings.yaml")
	if err := os.WriteFile(f, data, 0o600); err != nil {
		return fmt.Errorf("check settings: %w", err)
	}
	s := Settings{File: f}
	if err := s.LoadFile(); err != nil {
		return err
	}
	_, err = s.Security.adminAuth(dir, nil)
	return err
}

// replaceFile writes data to file atomically, keeping an existing file's
// mode (the owner becomes the caller: run it as the file's owner).
func replaceFile(file string, data []byte) error {
	mode := os.FileMode(0o640)
	if st, err := os.Stat(file); err == nil {
		mode = st.Mode().Perm()
	}
	if err := writeFileAtomic(file, data, mode); err != nil {
		return fmt.Errorf("write settings %s: %w", file, err)
	}
	return nil
}

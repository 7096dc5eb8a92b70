package fleet

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Action is what a Deploy asks of a gateway.
type Action string

// The actions.
const (
	ActionDeploy   Action = "deploy"   // run Flows
	ActionRollback Action = "rollback" // go back to the flows before rev From
)

// Deploy is the signed desired state of a gateway or a group.
type Deploy struct {
	// Action is deploy or rollback.
	Action Action `json:"action"`
	// Rev orders deploys: a gateway applies only a rev newer than the one
	// it runs, so an old envelope published again (a replay) is refused.
	Rev int64 `json:"rev"`
	// Target is "id:<gateway id>" or "group:<group>": a gateway refuses an
	// envelope whose target is not the topic it came on.
	Target string `json:"target"`
	// Time is when the deploy was signed.
	Time time.Time `json:"time"`
	// Flows are the flows to run (a Node-RED flows array), for deploy.
	Flows json.RawMessage `json:"flows,omitempty"`
	// From is the rev a rollback undoes.
	From int64 `json:"from,omitempty"`
}

// Envelope carries a Deploy: Payload is its JSON, byte for byte what was
// signed (so no canonical re-encoding is needed to verify), and Signature
// is ed25519 over signedPrefix followed by Payload.
type Envelope struct {
	Payload   []byte `json:"payload"`   // base64 in JSON
	Signature []byte `json:"signature"` // base64 in JSON
}

// signedPrefix separates deploy signatures from anything else the key
// might ever sign.
const signedPrefix = "flowgate fleet deploy v1\n"

// MaxEnvelope bounds an envelope a gateway reads (flows included).
const MaxEnvelope = 16 << 20

// Errors a gateway answers with.
var (
	ErrBadSignature = errors.New("signature does not verify with the fleet public key")
	ErrStale        = errors.New("not newer than the applied rev (a replay or a superseded deploy)")
)

// Sign encodes d and signs it with key.
func Sign(d Deploy, key ed25519.PrivateKey) ([]byte, error) {
	if err := d.check(); err != nil {
		return nil, err
	}
	payload, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	sig := ed25519.Sign(key, signedMessage(payload))
	return json.Marshal(Envelope{Payload: payload, Signature: sig})
}

// Open decodes an envelope and, when pub is not nil, verifies its
// signature; it returns the Deploy it carries. With ErrBadSignature the
// Deploy holds only the rev and action the envelope claims, for the
// answer.
func Open(data []byte, pub ed25519.PublicKey) (Deploy, error) {
	var e Envelope
	if len(data) > MaxEnvelope {
		return Deploy{}, fmt.Errorf("envelope of %d bytes: larger than %d", len(data), MaxEnvelope)
	}
	if err := json.Unmarshal(data, &e); err != nil {
		return Deploy{}, fmt.Errorf("envelope: %w", err)
	}
	var d Deploy
	dec := json.NewDecoder(bytes.NewReader(e.Payload))
	if err := dec.Decode(&d); err != nil {
		return Deploy{}, fmt.Errorf("envelope payload: %w", err)
	}
	if pub != nil && !ed25519.Verify(pub, signedMessage(e.Payload), e.Signature) {
		// the claimed rev and action, to answer with; nothing else is to be used
		return Deploy{Rev: d.Rev, Action: d.Action}, ErrBadSignature
	}
	return d, d.check()
}

func signedMessage(payload []byte) []byte {
	return append([]byte(signedPrefix), payload...)
}

func (d Deploy) check() error {
	if d.Rev <= 0 {
		return fmt.Errorf("deploy rev %d: must be positive", d.Rev)
	}
	if _, _, err := ParseTarget(d.Target); err != nil {
		return err
	}
	switch d.Action {
	case ActionDeploy:
		if len(d.Flows) == 0 {
			return errors.New("deploy without flows")
		}
	case ActionRollback:
		if d.From <= 0 {
			return errors.New("rollback without the rev it undoes (from)")
		}
	default:
		return fmt.Errorf("unknown action %q", d.Action)
	}
	return nil
}

// validName is what a gateway id or a group may be: one MQTT topic level
// without wildcards.
var validName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// CheckName reports whether name is a valid gateway id or group, naming
// what (kind) in the error.
func CheckName(kind, name string) error {
	if !validName.MatchString(name) {
		return fmt.Errorf("%s %q: must be 1 to 64 letters, digits, '.', '_' or '-'", kind, name)
	}
	return nil
}

// ParseTarget splits "id:X", "group:G" or a bare gateway id.
func ParseTarget(t string) (kind, name string, err error) {
	kind, name, ok := strings.Cut(t, ":")
	if !ok {
		kind, name = "id", t
	}
	if kind != "id" && kind != "group" {
		return "", "", fmt.Errorf("target %q: must be ID, id:ID or group:NAME", t)
	}
	if err := CheckName("target "+kind, name); err != nil {
		return "", "", err
	}
	return kind, name, nil
}

// Topic names.
const topicRoot = "flowgate/fleet/"

// StateTopic is where gateway id announces its State.
func StateTopic(id string) string { return topicRoot + id + "/state" }

// ResultTopic is where gateway id answers deploys.
func ResultTopic(id string) string { return topicRoot + id + "/result" }

// DeployTopic is where deploys to target ("id:X" or "group:G") go.
func DeployTopic(target string) (string, error) {
	kind, name, err := ParseTarget(target)
	if err != nil {
		return "", err
	}
	if kind == "group" {
		return topicRoot + "group/" + name + "/deploy", nil
	}
	return topicRoot + name + "/deploy", nil
}

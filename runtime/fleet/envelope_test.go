package fleet

import (
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"
)

func TestKeygenWritesPrivateKey0600AndRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	priv, pub, err := Keygen(dir)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(priv)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("%s: mode %v, %v; want 0600", priv, fi.Mode().Perm(), err)
	}
	if _, err := LoadPrivateKey(priv); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadPublicKey(pub); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadPublicKey(priv); err == nil {
		t.Error("LoadPublicKey read a private key")
	}
	if _, _, err := Keygen(dir); err == nil {
		t.Error("a second keygen overwrote the key")
	}
}

func TestEnvelopeSignature(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	privFile, pubFile, _ := Keygen(dir)
	otherPriv, _, _ := Keygen(other)
	sk, _ := LoadPrivateKey(privFile)
	pk, _ := LoadPublicKey(pubFile)
	osk, _ := LoadPrivateKey(otherPriv)
	d := Deploy{Action: ActionDeploy, Rev: 7, Target: "group:barn", Time: time.Unix(1, 0).UTC(), Flows: json.RawMessage(`[]`)}
	env, err := Sign(d, sk)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Open(env, pk)
	if err != nil || got.Rev != 7 || got.Target != "group:barn" {
		t.Fatalf("Open = %+v, %v", got, err)
	}
	t.Run("another key", func(t *testing.T) {
		env, _ := Sign(d, osk)
		if _, err := Open(env, pk); !errors.Is(err, ErrBadSignature) {
			t.Errorf("Open = %v, want ErrBadSignature", err)
		}
	})
	t.Run("payload changed", func(t *testing.T) {
		var e Envelope
		_ = json.Unmarshal(env, &e)
		e.Payload = []byte(string(e.Payload[:len(e.Payload)-1]) + " }")
		b, _ := json.Marshal(e)
		if _, err := Open(b, pk); !errors.Is(err, ErrBadSignature) {
			t.Errorf("Open = %v, want ErrBadSignature", err)
		}
	})
	for name, bad := range map[string]Deploy{
		"no rev":            {Action: ActionDeploy, Target: "id:a", Flows: json.RawMessage(`[]`)},
		"wildcard target":   {Action: ActionDeploy, Rev: 1, Target: "group:#", Flows: json.RawMessage(`[]`)},
		"rollback no from":  {Action: ActionRollback, Rev: 1, Target: "a"},
		"deploy no flows":   {Action: ActionDeploy, Rev: 1, Target: "a"},
		"unknown action":    {Action: "wipe", Rev: 1, Target: "a"},
		"target with slash": {Action: ActionDeploy, Rev: 1, Target: "id:a/b", Flows: json.RawMessage(`[]`)},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Sign(bad, sk); err == nil {
				t.Error("signed")
			}
		})
	}
}

func TestDeployTopic(t *testing.T) {
	for target, want := range map[string]string{
		"gw1": "flowgate/fleet/gw1/deploy", "id:gw1": "flowgate/fleet/gw1/deploy", "group:barn": "flowgate/fleet/group/barn/deploy",
	} {
		if got, err := DeployTopic(target); err != nil || got != want {
			t.Errorf("DeployTopic(%q) = %q, %v; want %q", target, got, err, want)
		}
	}
	if _, err := DeployTopic("site:x"); err == nil {
		t.Error("site:x accepted")
	}
}

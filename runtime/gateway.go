package runtime

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
)

// machineIDFiles are where systemd and D-Bus keep the machine id.
var machineIDFiles = []string{"/etc/machine-id", "/var/lib/dbus/machine-id"}

// gatewayID is the Home Assistant gateway id of Settings.GatewayID: "off"
// means none (the unique ids of Flowgate before gateway ids), empty the
// default, derived from the machine id.
func gatewayID(setting string) string {
	switch setting {
	case "off":
		return ""
	case "":
		return defaultGatewayID(machineIDFiles)
	}
	return setting
}

// defaultGatewayID derives a stable id from the machine id: 8 hex digits
// of an HMAC keyed by the application, as machine-id(5) asks (the machine
// id itself is not to be exposed); the host name when there is no machine
// id.
func defaultGatewayID(files []string) string {
	for _, f := range files {
		b, err := os.ReadFile(f)
		if id := strings.TrimSpace(string(b)); err == nil && id != "" {
			m := hmac.New(sha256.New, []byte(id))
			m.Write([]byte("flowgate home assistant gateway"))
			return hex.EncodeToString(m.Sum(nil))[:8]
		}
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		return strings.ToLower(h)
	}
	return "flowgate"
}

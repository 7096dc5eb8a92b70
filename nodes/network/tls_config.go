package network

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/flowgate/flowgate/engine"
)

func tlsConfigSpec() engine.Spec {
	str := func(name, label string) engine.Prop {
		return engine.Prop{Name: name, Label: label, Kind: engine.KindString, Default: ""}
	}
	return engine.Spec{
		Type: "tls-config", Category: "config", Color: "#d8bfd8", Config: true, LabelProp: "name",
		Props: []engine.Prop{
			str("name", "Name"),
			str("cert", "Certificate (file path)"),
			str("key", "Private Key (file path)"),
			str("ca", "CA Certificate (file path)"),
			{Name: "certname", Label: "Certificate (uploaded file name)", Kind: engine.KindString, Default: "", Hidden: true},
			{Name: "keyname", Label: "Private Key (uploaded file name)", Kind: engine.KindString, Default: "", Hidden: true},
			{Name: "caname", Label: "CA Certificate (uploaded file name)", Kind: engine.KindString, Default: "", Hidden: true},
			str("servername", "Server Name"),
			str("alpnprotocol", "ALPN Protocol"),
			{Name: "verifyservercert", Label: "Verify server certificate", Kind: engine.KindBool, Default: true},
		},
		Credentials: []engine.Prop{
			{Name: "certdata", Label: "Certificate (PEM)", Kind: engine.KindString},
			{Name: "keydata", Label: "Private Key (PEM)", Kind: engine.KindString},
			{Name: "cadata", Label: "CA Certificate (PEM)", Kind: engine.KindString},
			{Name: "passphrase", Label: "Passphrase", Kind: engine.KindString},
		},
		Help: help("tls-config"),
	}
}

// tlsConfig is the tls-config config node: certificates, key and CA from
// files or uploaded PEM (credentials), server name, ALPN protocol, and
// whether the server's certificate is verified, for the nodes naming it
// (mqtt-broker, http request). The files are read on first use.
type tlsConfig struct {
	certPath, keyPath, caPath string
	certData, keyData, caData string
	passphrase                string
	serverName, alpn          string
	verify                    bool

	once sync.Once
	conf *tls.Config // built on first use
	err  error
}

func newTLSConfig(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &tlsConfig{
		certPath:   strings.TrimSpace(p.String("cert", "")),
		keyPath:    strings.TrimSpace(p.String("key", "")),
		caPath:     strings.TrimSpace(p.String("ca", "")),
		serverName: strings.TrimSpace(p.String("servername", "")),
		alpn:       strings.TrimSpace(p.String("alpnprotocol", "")),
		verify:     p.Bool("verifyservercert", true),
	}
	if c, ok := p.Any("credentials").(map[string]any); ok {
		n.certData, _ = c["certdata"].(string)
		n.keyData, _ = c["keydata"].(string)
		n.caData, _ = c["cadata"].(string)
		n.passphrase, _ = c["passphrase"].(string)
	}
	files := n.certPath != "" || n.keyPath != "" || n.caPath != ""
	switch {
	case files && (n.certPath != "") != (n.keyPath != ""):
		p.Fail(missingField(n.certPath, "cert", "key"), "Certificate and private key both need to be provided for client authentication.")
	case !files && (n.certData != "") != (n.keyData != ""):
		p.Fail(missingField(n.certData, "certdata", "keydata"), "Certificate and private key both need to be provided for client authentication.")
	}
	return n, p.Err()
}

// missingField names the one of a pair that is missing.
func missingField(first, a, b string) string {
	if first == "" {
		return a
	}
	return b
}

// Start checks the files and PEM (reported under the node, as Node-RED's
// constructor does); users build on the same result.
func (n *tlsConfig) Start(ctx context.Context) error {
	_, err := n.Client()
	return err
}

// Close releases nothing: the node holds no resource.
func (n *tlsConfig) Close(ctx context.Context) error { return nil }

// Client is the TLS configuration of a client using this node (a copy the
// caller may change).
func (n *tlsConfig) Client() (*tls.Config, error) {
	n.once.Do(func() { n.conf, n.err = n.build() })
	if n.err != nil {
		return nil, n.err
	}
	return n.conf.Clone(), nil
}

// build reads the PEM, from files when any path is set (Node-RED's rule),
// from the credentials otherwise.
func (n *tlsConfig) build() (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: n.serverName, InsecureSkipVerify: !n.verify} //nolint:gosec // Node-RED's verifyservercert
	if n.alpn != "" {
		c.NextProtos = []string{n.alpn}
	}
	cert, key, ca := []byte(n.certData), []byte(n.keyData), []byte(n.caData)
	if n.certPath != "" || n.keyPath != "" || n.caPath != "" {
		read := func(field, path string) ([]byte, error) {
			if path == "" {
				return nil, nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return nil, fmt.Errorf("tls-config %s: %w", field, err)
			}
			return b, nil
		}
		var err error
		if cert, err = read("cert", n.certPath); err != nil {
			return nil, err
		}
		if key, err = read("key", n.keyPath); err != nil {
			return nil, err
		}
		if ca, err = read("ca", n.caPath); err != nil {
			return nil, err
		}
	}
	if len(cert) > 0 {
		key, err := decryptKey(key, n.passphrase)
		if err != nil {
			return nil, fmt.Errorf("tls-config key: %w", err)
		}
		pair, err := tls.X509KeyPair(cert, key)
		if err != nil {
			return nil, fmt.Errorf("tls-config cert/key: %w", err)
		}
		c.Certificates = []tls.Certificate{pair}
	}
	if len(ca) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(ca) {
			return nil, errors.New("tls-config ca: no PEM certificate found")
		}
		c.RootCAs = pool
	}
	return c, nil
}

// decryptKey decrypts a PEM key encrypted with a passphrase (the legacy
// "Proc-Type: 4,ENCRYPTED" form OpenSSL writes with -des3/-aes256).
func decryptKey(key []byte, passphrase string) ([]byte, error) {
	block, _ := pem.Decode(key)
	if block == nil {
		return nil, errors.New("no PEM key found")
	}
	//nolint:staticcheck // legacy PEM encryption is what openssl writes and Node-RED reads
	if !x509.IsEncryptedPEMBlock(block) {
		if block.Type == "ENCRYPTED PRIVATE KEY" {
			return nil, errors.New("PKCS#8 encrypted keys are not supported: decrypt it (openssl pkcs8) or use a legacy PEM passphrase")
		}
		return key, nil
	}
	if passphrase == "" {
		return nil, errors.New("the key is encrypted and no passphrase is set")
	}
	der, err := x509.DecryptPEMBlock(block, []byte(passphrase)) //nolint:staticcheck // see above
	if err != nil {
		return nil, fmt.Errorf("decrypting with the passphrase: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: block.Type, Bytes: der}), nil
}

// lookupTLS finds the tls-config node id.
func lookupTLS(res *engine.Resources, id string) (*tlsConfig, error) {
	node, ok := res.Lookup(id)
	if !ok {
		return nil, fmt.Errorf("tls-config %s not found", id)
	}
	t, ok := node.(*tlsConfig)
	if !ok {
		return nil, fmt.Errorf("node %s is not a tls-config", id)
	}
	return t, nil
}

// Server is the TLS configuration of a server using this node (tcp in
// and tcp out listening): its certificate and key, which it must have.
func (n *tlsConfig) Server() (*tls.Config, error) {
	c, err := n.Client()
	if err != nil {
		return nil, err
	}
	if len(c.Certificates) == 0 {
		return nil, errors.New("tls-config: a server needs a certificate and its key")
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: c.Certificates, NextProtos: c.NextProtos}, nil
}

// nodeTLS resolves a node's tls property at Start: nil for none; a
// problem is the node's error, and it goes on without TLS (as a node
// whose tls-config Node-RED finds invalid does).
func nodeTLS(res *engine.Resources, id string, server bool) *tls.Config {
	if id == "" {
		return nil
	}
	t, err := lookupTLS(res, id)
	var c *tls.Config
	if err == nil {
		if server {
			c, err = t.Server()
		} else {
			c, err = t.Client()
		}
	}
	if err != nil {
		res.Error(fmt.Errorf("tls: %w", err), nil)
		return nil
	}
	return c
}

// dialTCP connects to addr, over TLS with c when c is set (the server
// name defaults to addr's host).
func dialTCP(ctx context.Context, addr string, c *tls.Config) (net.Conn, error) {
	var d net.Dialer
	if c == nil {
		return d.DialContext(ctx, "tcp", addr)
	}
	return (&tls.Dialer{NetDialer: &d, Config: c}).DialContext(ctx, "tcp", addr)
}

// listenTCP listens on port, over TLS with c when c is set.
func listenTCP(ctx context.Context, port int, c *tls.Config) (net.Listener, error) {
	ln, err := new(net.ListenConfig).Listen(ctx, "tcp", ":"+strconv.Itoa(port))
	if err != nil || c == nil {
		return ln, err
	}
	return tls.NewListener(ln, c), nil
}

package network

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/nodes/internal/shutdown"
)

func emailSpec() engine.Spec {
	return engine.Spec{
		Type: "e-mail", Category: "social", Color: "#c7e9c0", Icon: "envelope.png", Align: "right",
		LabelProp: "dname", Inputs: 1, Outputs: 0,
		Props: []engine.Prop{
			{Name: "name", Label: "To", Kind: engine.KindString, Default: ""},
			{Name: "server", Label: "Server", Kind: engine.KindString, Default: "smtp.gmail.com", Required: true},
			{Name: "port", Label: "Port", Kind: engine.KindString, Default: "465", Required: true},
			{Name: "secure", Label: "Use secure connection", Kind: engine.KindBool, Default: true},
			{Name: "tls", Label: "Check server certificate is valid", Kind: engine.KindBool, Default: true},
			{Name: "authtype", Label: "Auth type", Kind: engine.KindSelect, Default: "BASIC", Options: []engine.Option{
				{Value: "BASIC", Label: "Basic"}, {Value: "NONE", Label: "None"}, {Value: "XOAUTH2", Label: "OAuth"}}},
			{Name: "saslformat", Label: "Format to SASL", Kind: engine.KindBool, Default: true},
			{Name: "token", Label: "Token", Kind: engine.KindString, Default: "oauth2Response.access_token"},
			{Name: "dname", Label: "Name", Kind: engine.KindString, Default: ""},
		},
		Credentials: []engine.Prop{
			{Name: "userid", Label: "Userid", Kind: engine.KindString},
			{Name: "password", Label: "Password", Kind: engine.KindString},
			{Name: "global", Label: "Use global credentials", Kind: engine.KindBool},
		},
		Help: help("e-mail"),
	}
}

// emailTimeout bounds one delivery: dial, TLS, SMTP dialogue.
const emailTimeout = 60 * time.Second

type emailNode struct {
	res      *engine.Resources
	log      nodeLog
	to       string // the node's "To" (name)
	addr     string // server:port
	server   string
	secure   bool // implicit TLS; otherwise STARTTLS when offered
	verify   bool // tls: check the server certificate
	authtype string
	userid   string
	password string
	hasUser  bool
	hasPass  bool

	ctx    context.Context // from Start; ends deliveries on close
	cancel context.CancelFunc
	sends  sync.WaitGroup // deliveries in flight
}

func newEmail(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &emailNode{res: res, log: nodeLog{res: res, cfg: cfg}}
	n.to = p.String("name", "")
	n.server = p.String("server", "smtp.gmail.com")
	port := p.String("port", "465")
	if v, err := strconv.Atoi(strings.TrimSpace(port)); err != nil || v <= 0 || v > 65535 {
		p.Fail("port", "must be a port number, got %q", port)
	}
	n.addr = net.JoinHostPort(n.server, strings.TrimSpace(port))
	n.secure = p.Bool("secure", true)
	n.verify = p.Bool("tls", true)
	n.authtype = p.String("authtype", "BASIC")
	switch n.authtype {
	case "BASIC", "NONE":
	case "XOAUTH2":
		p.Fail("authtype", "OAuth (XOAUTH2) is not supported, use Basic")
	default:
		p.Fail("authtype", "must be BASIC or NONE, got %q", n.authtype)
	}
	p.Bool("saslformat", true)
	p.String("token", "")
	p.String("dname", "")
	if c, ok := p.Any("credentials").(map[string]any); ok {
		n.userid, n.hasUser = c["userid"].(string)
		n.password, n.hasPass = c["password"].(string)
	}
	return n, p.Err()
}

// Start reports missing credentials as Node-RED does (an error, the node
// still deploys).
func (n *emailNode) Start(ctx context.Context) error {
	n.ctx, n.cancel = context.WithCancel(ctx)
	if n.authtype == "BASIC" {
		if !n.hasUser {
			n.res.Error(errors.New("No e-mail userid set"), nil)
		} else if !n.hasPass {
			n.res.Error(errors.New("No e-mail password set"), nil)
		}
	}
	return nil
}

// Close ends the deliveries in flight and waits for them.
func (n *emailNode) Close(ctx context.Context) error {
	if n.cancel != nil {
		n.cancel()
	}
	return shutdown.Wait(ctx, &n.sends)
}

// Handle builds the mail from the message and delivers it in the
// background; the message completes when the server accepted it.
func (n *emailNode) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	if _, ok := m["payload"]; !ok {
		n.log.warn("No payload to send")
		return nil
	}
	if to, _ := m["to"].(string); to != "" && n.to != "" && to != n.to {
		n.log.warn("Warning: msg properties can no longer override set node properties. See bit.ly/nr-override-msg-props")
	}
	mail, err := n.compose(m)
	if err != nil {
		n.res.Status(engine.Status{Fill: "red", Shape: "ring", Text: "send failed"})
		return err
	}
	n.res.Status(engine.Status{Fill: "blue", Shape: "dot", Text: "sending"})
	done := out.Defer()
	n.sends.Add(1)
	go func() {
		defer n.sends.Done()
		if err := n.deliver(n.ctx, mail); err != nil {
			n.res.Status(engine.Status{Fill: "red", Shape: "ring", Text: "send failed"})
			done(err)
			return
		}
		n.res.Status(engine.Status{})
		done(nil)
	}()
	return nil
}

// outMail is one composed message: envelope and RFC 5322 text.
type outMail struct {
	from string
	rcpt []string
	data []byte
}

// attachment is one part of msg.attachments (nodemailer's names).
type attachment struct {
	filename, contentType string
	content               []byte
}

var htmlTag = regexp.MustCompile(`(?i)<[a-z][\s\S]*>`)

// compose builds the mail the way node-red-node-email fills nodemailer's
// options from the message.
func (n *emailNode) compose(m engine.Msg) (*outMail, error) {
	from := mailStr(m["from"])
	if from == "" {
		from = n.userid
	}
	to := n.to
	if to == "" {
		to = mailStr(m["to"])
	}
	var cc, bcc, replyTo string
	if n.to == "" {
		cc, bcc, replyTo = addrList(m["cc"]), addrList(m["bcc"]), mailStr(m["replyTo"])
	}
	subject := "Message from Node-RED"
	if t, ok := m["topic"]; ok && t == "" {
		subject = ""
	} else if s := mailStr(m["topic"]); s != "" {
		subject = s
	} else if s := mailStr(m["title"]); s != "" {
		subject = s
	}
	var text, html string
	var atts []attachment
	if b, ok := m["payload"].([]byte); ok {
		fname := mailStr(m["filename"])
		if fname == "" {
			fname = "attachment." + sniffExt(b)
			m["filename"] = fname
		}
		if i := strings.LastIndexAny(fname, `\/`); i >= 0 {
			fname = fname[i+1:]
		}
		if fname == "" {
			fname = "attachment.bin"
		}
		a := attachment{filename: fname, content: b}
		if h, ok := engine.AsObject(m["headers"]); ok {
			a.contentType = mailStr(h.Value("content-type"))
		}
		atts = append(atts, a)
		text = "File from Node-RED is attached: " + fname
		if d, ok := m["description"]; ok {
			text = engine.ToString(d)
		}
	} else {
		payload := ensureString(m["payload"])
		text = payload
		if htmlTag.MatchString(payload) {
			html = payload
			if pt, ok := m["plaintext"]; ok {
				text = ensureString(pt)
			}
		}
		var err error
		if atts, err = msgAttachments(m["attachments"]); err != nil {
			return nil, err
		}
	}
	rcpt, err := recipients(to, cc, bcc)
	if err != nil {
		return nil, err
	}
	envFrom := bareAddr(from)
	if env, ok := engine.AsObject(m["envelope"]); ok {
		if f := mailStr(env.Value("from")); f != "" {
			envFrom = bareAddr(f)
		}
		if t := addrList(env.Value("to")); t != "" {
			if rcpt, err = recipients(t, "", ""); err != nil {
				return nil, err
			}
		}
	}
	if len(rcpt) == 0 {
		return nil, errors.New("No recipients defined")
	}

	var h bytes.Buffer
	header := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&h, "%s: %s\r\n", k, v)
		}
	}
	header("From", from)
	header("To", to)
	header("Cc", cc)
	header("Reply-To", replyTo)
	header("Subject", mime.QEncoding.Encode("utf-8", subject))
	if subject == "" {
		h.WriteString("Subject: \r\n")
	}
	header("In-Reply-To", mailStr(m["inReplyTo"]))
	header("References", mailStr(m["references"]))
	if hs, ok := engine.AsObject(m["headers"]); ok {
		for k, v := range hs.All() {
			if strings.EqualFold(k, "content-type") || strings.ContainsAny(k, ":\r\n") {
				continue
			}
			header(k, strings.NewReplacer("\r", "", "\n", "").Replace(engine.ToString(v)))
		}
	}
	header("Date", time.Now().Format(time.RFC1123Z))
	header("Message-ID", "<"+randomHex(16)+"@"+domainOf(envFrom)+">")
	h.WriteString("MIME-Version: 1.0\r\n")
	writeMailBody(&h, text, html, atts)
	return &outMail{from: envFrom, rcpt: rcpt, data: h.Bytes()}, nil
}

// deliver speaks SMTP to the server: implicit TLS when secure, else
// STARTTLS when the server offers it; AUTH when there is a userid.
func (n *emailNode) deliver(ctx context.Context, mail *outMail) error {
	ctx, cancel := context.WithTimeout(ctx, emailTimeout)
	defer cancel()
	tcfg := &tls.Config{ServerName: n.server, InsecureSkipVerify: !n.verify} //nolint:gosec // Node-RED's "tls" switch
	var conn net.Conn
	var err error
	d := &net.Dialer{}
	if n.secure {
		conn, err = (&tls.Dialer{NetDialer: d, Config: tcfg}).DialContext(ctx, "tcp", n.addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", n.addr)
	}
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	c, err := smtp.NewClient(conn, n.server)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if !n.secure {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tcfg); err != nil {
				return err
			}
		}
	}
	if n.authtype == "BASIC" && n.userid != "" {
		if ok, _ := c.Extension("AUTH"); ok {
			if err := c.Auth(smtp.PlainAuth("", n.userid, n.password, n.server)); err != nil {
				return err
			}
		}
	}
	if err := c.Mail(mail.from); err != nil {
		return err
	}
	for _, r := range mail.rcpt {
		if err := c.Rcpt(r); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(mail.data); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// writeMailBody writes the content headers and body: text, text+html as
// multipart/alternative, and attachments in multipart/mixed.
func writeMailBody(b *bytes.Buffer, text, html string, atts []attachment) {
	body := func(b *bytes.Buffer) {
		if html == "" {
			textPart(b, "text/plain", text)
			return
		}
		bd := randomHex(12)
		fmt.Fprintf(b, "Content-Type: multipart/alternative; boundary=%q\r\n\r\n", bd)
		fmt.Fprintf(b, "--%s\r\n", bd)
		textPart(b, "text/plain", text)
		fmt.Fprintf(b, "\r\n--%s\r\n", bd)
		textPart(b, "text/html", html)
		fmt.Fprintf(b, "\r\n--%s--\r\n", bd)
	}
	if len(atts) == 0 {
		body(b)
		return
	}
	bd := randomHex(12)
	fmt.Fprintf(b, "Content-Type: multipart/mixed; boundary=%q\r\n\r\n", bd)
	fmt.Fprintf(b, "--%s\r\n", bd)
	body(b)
	for _, a := range atts {
		ct := a.contentType
		if ct == "" {
			ct = mime.TypeByExtension(extOf(a.filename))
		}
		if ct == "" {
			ct = "application/octet-stream"
		}
		fmt.Fprintf(b, "\r\n--%s\r\n", bd)
		fmt.Fprintf(b, "Content-Type: %s\r\n", ct)
		fmt.Fprintf(b, "Content-Disposition: %s\r\n", mime.FormatMediaType("attachment", map[string]string{"filename": a.filename}))
		b.WriteString("Content-Transfer-Encoding: base64\r\n\r\n")
		enc := base64.StdEncoding.EncodeToString(a.content)
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n")
	}
	fmt.Fprintf(b, "\r\n--%s--\r\n", bd)
}

func textPart(b *bytes.Buffer, ct, s string) {
	fmt.Fprintf(b, "Content-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", ct)
	w := quotedprintable.NewWriter(b)
	_, _ = w.Write([]byte(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")))
	_ = w.Close()
}

// msgAttachments reads msg.attachments: one or a list of {filename,
// content (string or Buffer), contentType}.
func msgAttachments(v any) ([]attachment, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		list = []any{v}
	}
	var atts []attachment
	for _, item := range list {
		o, _ := engine.AsObject(item)
		a := attachment{filename: mailStr(o.Value("filename")), contentType: mailStr(o.Value("contentType"))}
		switch c := o.Value("content").(type) {
		case string:
			a.content = []byte(c)
			if mailStr(o.Value("encoding")) == "base64" {
				b, err := base64.StdEncoding.DecodeString(c)
				if err != nil {
					return nil, fmt.Errorf("attachment %s: %w", a.filename, err)
				}
				a.content = b
			}
		case []byte:
			a.content = c
		case nil:
			if o.Has("content") {
				return nil, errors.New("Invalid attachment content. Must be String or buffer")
			}
		default:
			return nil, errors.New("Invalid attachment content. Must be String or buffer")
		}
		if a.filename == "" {
			a.filename = "attachment-" + strconv.Itoa(len(atts)+1) + ".bin"
		}
		atts = append(atts, a)
	}
	return atts, nil
}

// recipients parses the comma separated address lists into bare addresses.
func recipients(lists ...string) ([]string, error) {
	var out []string
	for _, l := range lists {
		if strings.TrimSpace(l) == "" {
			continue
		}
		as, err := mail.ParseAddressList(l)
		if err != nil {
			return nil, fmt.Errorf("invalid address list %q: %w", l, err)
		}
		for _, a := range as {
			out = append(out, a.Address)
		}
	}
	return out, nil
}

// bareAddr is the address part of "Name <a@b>" (s when it does not parse).
func bareAddr(s string) string {
	if a, err := mail.ParseAddress(s); err == nil {
		return a.Address
	}
	return s
}

// addrList is a list of addresses as one comma separated string.
func addrList(v any) string {
	if l, ok := v.([]any); ok {
		parts := make([]string, 0, len(l))
		for _, x := range l {
			parts = append(parts, mailStr(x))
		}
		return strings.Join(parts, ", ")
	}
	return mailStr(v)
}

func mailStr(v any) string {
	if v == nil {
		return ""
	}
	return engine.ToString(v)
}

// ensureString is RED.util.ensureString: objects as JSON.
func ensureString(v any) string {
	switch v.(type) {
	case *engine.Object, map[string]any, []any:
		s, err := engine.JSONString(v, "")
		if err == nil {
			return s
		}
	case []byte:
		return string(v.([]byte))
	}
	return engine.ToString(v)
}

// sniffExt names a Buffer payload's attachment as node-red-node-email does.
func sniffExt(b []byte) string {
	if len(b) >= 2 {
		switch {
		case b[0] == 0xFF && b[1] == 0xD8:
			return "jpg"
		case b[0] == 0x47 && b[1] == 0x49:
			return "gif"
		case b[0] == 0x42 && b[1] == 0x4D:
			return "bmp"
		case b[0] == 0x89 && b[1] == 0x50:
			return "png"
		}
	}
	return "bin"
}

func extOf(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i:]
	}
	return ""
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 && i < len(addr)-1 {
		return addr[i+1:]
	}
	return "flowgate"
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

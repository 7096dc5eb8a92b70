package storage

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf16"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
)

// fileEncoding converts between text and a file's bytes for the file and
// file in nodes, by iconv-lite's encoding names as Node-RED's editor offers
// them ("none" means UTF-8 text and raw buffers).
type fileEncoding struct {
	name string
	enc  encoding.Encoding // nil for none, utf8 and the byte codings
}

// lookupEncoding resolves an encoding name ("" and "none": no conversion).
func lookupEncoding(name string) (fileEncoding, error) {
	key := strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(name))
	switch key {
	case "", "none":
		return fileEncoding{name: "none"}, nil
	case "utf8", "cesu8", "ascii", "base64", "hex", "ucs2", "utf16le":
		return fileEncoding{name: key}, nil
	case "binary", "latin1", "iso88591":
		return fileEncoding{name: key, enc: charmap.ISO8859_1}, nil
	}
	enc, err := htmlindex.Get(name)
	if err != nil {
		return fileEncoding{}, fmt.Errorf("unsupported encoding %q", name)
	}
	return fileEncoding{name: key, enc: enc}, nil
}

// encode turns text into the file's bytes; buffers pass unchanged.
func (e fileEncoding) encode(data any) ([]byte, error) {
	if b, ok := data.([]byte); ok {
		return b, nil
	}
	s, _ := data.(string)
	switch e.name {
	case "none", "utf8", "cesu8":
		return []byte(s), nil
	case "ascii":
		b := []byte(s)
		for i := range b {
			b[i] &= 0x7f
		}
		return b, nil
	case "base64":
		return base64.StdEncoding.DecodeString(s)
	case "hex":
		return hex.DecodeString(s)
	case "ucs2", "utf16le":
		units := utf16.Encode([]rune(s))
		b := make([]byte, 2*len(units))
		for i, u := range units {
			b[2*i], b[2*i+1] = byte(u), byte(u>>8)
		}
		return b, nil
	}
	return e.enc.NewEncoder().Bytes([]byte(s))
}

// decode turns the file's bytes into text.
func (e fileEncoding) decode(b []byte) string {
	switch e.name {
	case "none", "utf8", "cesu8":
		return strings.ToValidUTF8(string(b), "\uFFFD")
	case "ascii":
		out := make([]byte, len(b))
		for i, c := range b {
			out[i] = c & 0x7f
		}
		return string(out)
	case "base64":
		return base64.StdEncoding.EncodeToString(b)
	case "hex":
		return hex.EncodeToString(b)
	case "ucs2", "utf16le":
		units := make([]uint16, len(b)/2)
		for i := range units {
			units[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
		}
		return string(utf16.Decode(units))
	}
	s, err := e.enc.NewDecoder().Bytes(b)
	if err != nil {
		return string(b)
	}
	return string(s)
}

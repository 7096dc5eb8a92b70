package intl

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"io"
	"strings"
	"sync"
)

//go:embed locales.json.gz
var localesGz []byte

// table is the decoded locale data: read-only once loaded.
type table struct {
	Keys       []string           `json:"keys"`
	Currencies map[string]int     `json:"currencies"`
	Locales    map[string]*Locale `json:"locales"`
	keyIndex   map[string]int
	byLang     map[string]string // language → its first locale in the data
}

// Locale is one locale's data.
type Locale struct {
	Tag  string
	Date struct {
		Names map[string][]string `json:"names"`
		AM    string              `json:"am"`
		PM    string              `json:"pm"`
		Pats  []string            `json:"pats"`
		Idx   []int               `json:"idx"`
		HC    string              `json:"hc"`
		HC12  string              `json:"hc12"`
		HC24  string              `json:"hc24"`
	} `json:"date"`
	Num struct {
		Dec   string                         `json:"dec"`
		Grp   string                         `json:"grp"`
		Min2  bool                           `json:"min2"`
		Sec2  bool                           `json:"sec2"`
		Minus string                         `json:"minus"`
		Plus  string                         `json:"plus"`
		NaN   string                         `json:"nan"`
		Inf   string                         `json:"inf"`
		Pct   [2]string                      `json:"pct"`
		Cur   map[string]map[string]currency `json:"cur"`
	} `json:"num"`
	List map[string][3]string `json:"list"`
}

// currency is a pattern pair (positive, negative) or one pattern (names).
type currency []string

func (c *currency) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*c = currency{s}
		return nil
	}
	return json.Unmarshal(b, (*[]string)(c))
}

var (
	loadOnce sync.Once
	data     *table
)

// load decodes the embedded data on first use; it is never written after.
func load() *table {
	loadOnce.Do(func() {
		zr, err := gzip.NewReader(bytes.NewReader(localesGz))
		if err != nil {
			panic("intl: bad embedded data: " + err.Error())
		}
		raw, err := io.ReadAll(zr)
		if err != nil {
			panic("intl: bad embedded data: " + err.Error())
		}
		t := &table{}
		if err := json.Unmarshal(raw, t); err != nil {
			panic("intl: bad embedded data: " + err.Error())
		}
		t.keyIndex = make(map[string]int, len(t.Keys))
		for i, k := range t.Keys {
			t.keyIndex[k] = i
		}
		t.byLang = map[string]string{}
		for tag, l := range t.Locales {
			l.Tag = tag
		}
		// the first locale of each language in the capture order is its default
		for _, tag := range defaultOrder {
			lang, _, _ := strings.Cut(tag, "-")
			if _, ok := t.byLang[lang]; !ok {
				t.byLang[lang] = tag
			}
		}
		data = t
	})
	return data
}

// defaultOrder names the locale a bare language resolves to.
var defaultOrder = []string{"en-US", "de-DE", "fr-FR", "es-ES", "it-IT", "nl-NL", "pt-BR", "sv-SE", "da-DK", "nb-NO",
	"fi-FI", "pl-PL", "cs-CZ", "sk-SK", "hu-HU", "ro-RO", "el-GR", "ru-RU", "uk-UA", "tr-TR", "ja-JP", "zh-CN", "ko-KR",
	"he-IL", "id-ID", "th-TH", "vi-VN"}

// DefaultLocale is the locale used when a script names none (Node-RED's
// process usually runs with en-US).
const DefaultLocale = "en-US"

// Resolve picks the data for the first supported of the requested locale
// tags; it returns the locale and the tag to report (the request,
// canonicalised, as Node reports it). Unsupported tags fall back to
// DefaultLocale.
func Resolve(requested []string) (*Locale, string) {
	t := load()
	aliases := map[string]string{"no": "nb", "iw": "he", "in": "id"}
	for _, r := range requested {
		tag := canonical(r)
		if tag == "" {
			continue
		}
		if l, ok := t.Locales[tag]; ok {
			return l, tag
		}
		parts := strings.Split(tag, "-")
		lang := parts[0]
		if a, ok := aliases[lang]; ok {
			lang = a
		}
		// language-region, ignoring scripts and extensions
		for _, p := range parts[1:] {
			if len(p) == 2 || (len(p) == 3 && p[0] >= '0' && p[0] <= '9') {
				if l, ok := t.Locales[lang+"-"+p]; ok {
					return l, tag
				}
			}
		}
		if def, ok := t.byLang[lang]; ok {
			return t.Locales[def], tag
		}
	}
	return t.Locales[DefaultLocale], DefaultLocale
}

// canonical cases a BCP 47 tag as Intl does (en-us → en-US, zh-hant-tw →
// zh-Hant-TW); it drops Unicode extensions (-u-…).
func canonical(s string) string {
	s = strings.ReplaceAll(strings.TrimSpace(s), "_", "-")
	if i := strings.Index(strings.ToLower(s), "-u-"); i >= 0 {
		s = s[:i]
	}
	parts := strings.Split(s, "-")
	for i, p := range parts {
		switch {
		case i == 0:
			parts[i] = strings.ToLower(p)
		case len(p) == 2:
			parts[i] = strings.ToUpper(p)
		case len(p) == 4:
			parts[i] = strings.ToUpper(p[:1]) + strings.ToLower(p[1:])
		default:
			parts[i] = strings.ToLower(p)
		}
	}
	if parts[0] == "" {
		return ""
	}
	return strings.Join(parts, "-")
}

// Supported reports which of the requested tags have locale data.
func Supported(requested []string) []string {
	t := load()
	var out []string
	for _, r := range requested {
		tag := canonical(r)
		lang, _, _ := strings.Cut(tag, "-")
		if _, ok := t.Locales[tag]; ok {
			out = append(out, tag)
		} else if _, ok := t.byLang[lang]; ok {
			out = append(out, tag)
		}
	}
	return out
}

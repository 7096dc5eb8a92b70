package intl

import (
	"strconv"
	"strings"

	"golang.org/x/text/collate"
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// PluralSelect is the CLDR plural category ("zero", "one", "two", "few",
// "many", "other") of a number written as integer digits i and fraction
// digits fr (visible, with trailing zeros), cardinal or ordinal.
func PluralSelect(tag, i, fr string, ordinal bool) string {
	lt, _ := language.Parse(tag)
	iv, _ := strconv.Atoi(strings.TrimLeft(i, "0") + "0")
	iv /= 10
	fv, _ := strconv.Atoi(fr + "0")
	fv /= 10
	trimmed := strings.TrimRight(fr, "0")
	tv, _ := strconv.Atoi(trimmed + "0")
	tv /= 10
	rules := plural.Cardinal
	if ordinal {
		rules = plural.Ordinal
	}
	switch rules.MatchPlural(lt, iv, len(fr), len(trimmed), fv, tv) {
	case plural.Zero:
		return "zero"
	case plural.One:
		return "one"
	case plural.Two:
		return "two"
	case plural.Few:
		return "few"
	case plural.Many:
		return "many"
	}
	return "other"
}

// PluralRules is a compiled Intl.PluralRules.
type PluralRules struct {
	Tag     string
	Ordinal bool
	num     *NumberFormat
}

// NewPluralRules compiles plural rules; typ is "cardinal" or "ordinal".
func NewPluralRules(locales []string, typ string, o NumberOptions) (*PluralRules, error) {
	if typ != "" && typ != "cardinal" && typ != "ordinal" {
		return nil, rangeErr("Value %s out of range for Intl.PluralRules options property type", typ)
	}
	o.Style = "decimal"
	nf, err := NewNumberFormat(locales, o)
	if err != nil {
		return nil, err
	}
	return &PluralRules{Tag: nf.tag, Ordinal: typ == "ordinal", num: nf}, nil
}

// Select is the plural category of x.
func (p *PluralRules) Select(x float64) string {
	if x < 0 {
		x = -x
	}
	parts := p.num.FormatToParts(x)
	var i, fr string
	for _, q := range parts {
		switch q.Type {
		case "integer":
			i += q.Value
		case "fraction":
			fr = q.Value
		case "nan", "infinity":
			return "other"
		}
	}
	return PluralSelect(p.Tag, i, fr, p.Ordinal)
}

// Collator is a compiled Intl.Collator.
type Collator struct {
	Tag         string
	Sensitivity string
	Numeric     bool
	IgnorePunct bool
	c           *collate.Collator
}

// NewCollator compiles a collator. sensitivity is base, accent, case or
// variant (the default).
func NewCollator(locales []string, sensitivity string, numeric, ignorePunctuation bool) (*Collator, error) {
	_, tag := Resolve(locales)
	if len(locales) > 0 {
		if s := canonical(locales[0]); s != "" {
			tag = s
		}
	}
	var opts []collate.Option
	switch sensitivity {
	case "", "variant":
		sensitivity = "variant"
	case "base":
		opts = append(opts, collate.IgnoreCase, collate.IgnoreDiacritics)
	case "accent":
		opts = append(opts, collate.IgnoreCase)
	case "case":
		opts = append(opts, collate.IgnoreDiacritics)
	default:
		return nil, rangeErr("Value %s out of range for Intl.Collator options property sensitivity", sensitivity)
	}
	if numeric {
		opts = append(opts, collate.Numeric)
	}
	if ignorePunctuation {
		opts = append(opts, collate.IgnoreWidth)
	}
	lt, err := language.Parse(tag)
	if err != nil {
		lt = language.Und
	}
	return &Collator{Tag: tag, Sensitivity: sensitivity, Numeric: numeric, IgnorePunct: ignorePunctuation, c: collate.New(lt, opts...)}, nil
}

// Compare compares a and b: -1, 0 or 1.
func (c *Collator) Compare(a, b string) int {
	if c.IgnorePunct {
		a, b = stripPunct(a), stripPunct(b)
	}
	return c.c.CompareString(a, b)
}

func stripPunct(s string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(" \t\n!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", r) {
			return -1
		}
		return r
	}, s)
}

// ListFormat is a compiled Intl.ListFormat.
type ListFormat struct {
	Tag, Type, Style string
	pats             [3]string
}

// NewListFormat compiles a list format: typ conjunction, disjunction or
// unit; style long, short or narrow.
func NewListFormat(locales []string, typ, style string) (*ListFormat, error) {
	loc, tag := Resolve(locales)
	if typ == "" {
		typ = "conjunction"
	}
	if style == "" {
		style = "long"
	}
	p, ok := loc.List[typ+"/"+style]
	if !ok {
		return nil, rangeErr("Value %s out of range for Intl.ListFormat options property type", typ)
	}
	return &ListFormat{Tag: tag, Type: typ, Style: style, pats: p}, nil
}

// Format joins items. The captured patterns for two, three and four
// items give the pair, start, middle and end joiners.
func (l *ListFormat) Format(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	case 2:
		return fill(l.pats[0], items)
	}
	// the three-item pattern is start {0}…{1} end {1}…{2}; middle comes from four
	p3, p4 := l.pats[1], l.pats[2]
	start := between(p3, "{0}", "{1}")
	end := between(p3, "{1}", "{2}")
	middle := between(p4, "{1}", "{2}")
	prefix := p3[:strings.Index(p3, "{0}")]
	suffix := p3[strings.Index(p3, "{2}")+3:]
	var b strings.Builder
	b.WriteString(prefix + items[0] + start)
	for i := 1; i < len(items)-1; i++ {
		b.WriteString(items[i])
		if i < len(items)-2 {
			b.WriteString(middle)
		}
	}
	b.WriteString(end + items[len(items)-1] + suffix)
	return b.String()
}

func between(s, a, b string) string {
	i := strings.Index(s, a) + len(a)
	j := strings.Index(s, b)
	if i > j {
		return ""
	}
	return s[i:j]
}

func fill(p string, items []string) string {
	return strings.NewReplacer("{0}", items[0], "{1}", items[1]).Replace(p)
}

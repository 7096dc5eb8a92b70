package intl

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // zones for a machine without /usr/share/zoneinfo: 415 KB
)

// DateOptions are Intl.DateTimeFormat's options; empty strings are unset.
type DateOptions struct {
	Weekday, Era, Year, Month, Day          string
	Hour, Minute, Second, TimeZoneName      string
	HourCycle                               string
	Hour12                                  *bool
	DateStyle, TimeStyle                    string
	TimeZone                                string
	FractionalSecondDigits                  int
	dateDefaults, timeDefaults, needDefault bool
}

// Defaults names which fields ToDateTimeOptions fills in when none is
// given: "date" (toLocaleDateString, Intl.DateTimeFormat), "time"
// (toLocaleTimeString) or "all" (toLocaleString).
type Defaults string

// The defaults of the three Date methods and of Intl.DateTimeFormat.
const (
	DefaultsDate Defaults = "date"
	DefaultsTime Defaults = "time"
	DefaultsAll  Defaults = "all"
)

// Part is one piece of formatted text, as formatToParts reports it.
type Part struct{ Type, Value string }

// DateFormat is a compiled Intl.DateTimeFormat.
type DateFormat struct {
	loc      *Locale
	tag      string
	zone     *time.Location
	zoneName string
	opts     DateOptions
	hc       string
	pattern  []string
}

// RangeError is an error JavaScript reports as a RangeError.
type RangeError struct{ Msg string }

func (e *RangeError) Error() string { return e.Msg }

func rangeErr(format string, a ...any) error { return &RangeError{fmt.Sprintf(format, a...)} }

var dateValues = map[string][]string{
	"weekday": {"narrow", "short", "long"}, "era": {"narrow", "short", "long"},
	"year": {"2-digit", "numeric"}, "month": {"2-digit", "numeric", "narrow", "short", "long"},
	"day": {"2-digit", "numeric"}, "hour": {"2-digit", "numeric"}, "minute": {"2-digit", "numeric"},
	"second": {"2-digit", "numeric"}, "timeZoneName": {"short", "long", "shortOffset", "longOffset", "shortGeneric", "longGeneric"},
	"hourCycle": {"h11", "h12", "h23", "h24"}, "dateStyle": {"full", "long", "medium", "short"}, "timeStyle": {"full", "long", "medium", "short"},
}

func checkValue(name, v string) error {
	if v == "" {
		return nil
	}
	for _, ok := range dateValues[name] {
		if v == ok {
			return nil
		}
	}
	return rangeErr("Value %s out of range for Intl.DateTimeFormat options property %s", v, name)
}

// NewDateFormat compiles a format for the first supported locale of
// locales with options o, filling in the fields of d when none is given.
func NewDateFormat(locales []string, o DateOptions, d Defaults) (*DateFormat, error) {
	for name, v := range map[string]string{"weekday": o.Weekday, "era": o.Era, "year": o.Year, "month": o.Month, "day": o.Day,
		"hour": o.Hour, "minute": o.Minute, "second": o.Second, "timeZoneName": o.TimeZoneName, "hourCycle": o.HourCycle,
		"dateStyle": o.DateStyle, "timeStyle": o.TimeStyle} {
		if err := checkValue(name, v); err != nil {
			return nil, err
		}
	}
	loc, tag := Resolve(locales)
	f := &DateFormat{loc: loc, tag: tag}
	zone, name, err := LoadZone(o.TimeZone)
	if err != nil {
		return nil, err
	}
	f.zone, f.zoneName = zone, name
	styled := o.DateStyle != "" || o.TimeStyle != ""
	hasDate := o.Weekday != "" || o.Year != "" || o.Month != "" || o.Day != ""
	hasTime := o.Hour != "" || o.Minute != "" || o.Second != "" || o.FractionalSecondDigits > 0
	if styled && (hasDate || hasTime || o.Era != "" || o.TimeZoneName != "") {
		return nil, &TypeError{"Can't set option " + firstField(o) + " when dateStyle is used"}
	}
	if !styled {
		need := true
		if (d == DefaultsDate || d == DefaultsAll) && hasDate {
			need = false
		}
		if (d == DefaultsTime || d == DefaultsAll) && hasTime {
			need = false
		}
		if d == DefaultsDate && hasTime || d == DefaultsTime && hasDate {
			need = false
		}
		if need {
			if d == DefaultsDate || d == DefaultsAll {
				o.Year, o.Month, o.Day = "numeric", "numeric", "numeric"
			}
			if d == DefaultsTime || d == DefaultsAll {
				o.Hour, o.Minute, o.Second = "numeric", "numeric", "numeric"
			}
		}
	}
	f.opts = o
	f.hc = f.hourCycle()
	f.pattern = f.find()
	return f, nil
}

// TypeError is an error JavaScript reports as a TypeError.
type TypeError struct{ Msg string }

func (e *TypeError) Error() string { return e.Msg }

func firstField(o DateOptions) string {
	for _, p := range [][2]string{{"weekday", o.Weekday}, {"era", o.Era}, {"year", o.Year}, {"month", o.Month}, {"day", o.Day},
		{"hour", o.Hour}, {"minute", o.Minute}, {"second", o.Second}, {"timeZoneName", o.TimeZoneName}} {
		if p[1] != "" {
			return p[0]
		}
	}
	return "fractionalSecondDigits"
}

// hourCycle is the cycle the hour shows in: hour12 wins over hourCycle,
// which wins over the locale's default.
func (f *DateFormat) hourCycle() string {
	dd := &f.loc.Date
	switch {
	case f.opts.Hour12 != nil && *f.opts.Hour12:
		return dd.HC12
	case f.opts.Hour12 != nil:
		return dd.HC24
	case f.opts.HourCycle != "":
		return f.opts.HourCycle
	}
	return dd.HC
}

func twelve(hc string) bool { return hc == "h11" || hc == "h12" }

// find looks up the locale's pattern for the requested fields and adjusts
// its widths to the requested ones.
func (f *DateFormat) find() []string {
	t := load()
	o := f.opts
	var key string
	if o.DateStyle != "" || o.TimeStyle != "" {
		h := ""
		if o.TimeStyle != "" && (o.Hour12 != nil || o.HourCycle != "") {
			h = "24"
			if twelve(f.hc) {
				h = "12"
			}
		}
		key = "S" + o.DateStyle + "/" + o.TimeStyle + "/" + h
	} else {
		k := []byte{'-', '-', '-', '-', '-', '-', '-'}
		set := func(i int, v string, c byte) {
			if v != "" {
				k[i] = c
			}
		}
		switch o.Weekday {
		case "long":
			k[0] = 'l'
		case "short", "narrow":
			k[0] = 's'
		}
		set(1, o.Year, 'n')
		switch o.Month {
		case "numeric", "2-digit":
			k[2] = 'n'
		case "short", "narrow":
			k[2] = 's'
		case "long":
			k[2] = 'l'
		}
		set(3, o.Day, 'n')
		if o.Hour != "" {
			k[4] = '2'
			if twelve(f.hc) {
				k[4] = '1'
			}
		}
		set(5, o.Minute, 'n')
		set(6, o.Second, 'n')
		key = string(k)
		if o.TimeZoneName != "" && (o.Hour != "" || o.Minute != "" || o.Second != "") {
			if _, ok := t.keyIndex[key+"z"]; ok {
				key += "z"
			}
		}
	}
	var pat []string
	if i, ok := t.keyIndex[key]; ok && f.loc.Date.Idx[i] >= 0 {
		pat = strings.Split(f.loc.Date.Pats[f.loc.Date.Idx[i]], "\t")
	} else if i, ok := t.keyIndex[strings.TrimSuffix(key, "z")]; ok && f.loc.Date.Idx[i] >= 0 {
		pat = strings.Split(f.loc.Date.Pats[f.loc.Date.Idx[i]], "\t")
	} else {
		pat = []string{"y", "'-", "MM", "'-", "dd"}
	}
	if o.TimeZoneName != "" && !strings.HasSuffix(key, "z") && o.DateStyle == "" && o.TimeStyle == "" {
		pat = append(pat, "' ", "z")
	}
	out := make([]string, len(pat))
	for i, tok := range pat {
		out[i] = f.widen(tok)
	}
	return out
}

// widen applies the requested widths to a token of a pattern.
func (f *DateFormat) widen(tok string) string {
	o := f.opts
	if tok == "" || tok[0] == '\'' {
		return tok
	}
	two := func(v, one string) string {
		if v == "2-digit" {
			return one + one
		}
		return tok
	}
	switch tok {
	case "y":
		return two(o.Year, "y")
	case "M":
		return two(o.Month, "M")
	case "d":
		return two(o.Day, "d")
	case "h", "H", "K", "k":
		return two(o.Hour, tok)
	case "m":
		return two(o.Minute, "m")
	case "s":
		return two(o.Second, "s")
	case "MMM", "MMMM":
		if o.Month == "narrow" {
			return "MMMMM"
		}
	case "LLL", "LLLL":
		if o.Month == "narrow" {
			return "LLLLL"
		}
	case "E", "EEEE":
		if o.Weekday == "narrow" {
			return "EEEEE"
		}
	}
	return tok
}

// Format formats t. V8 writes ICU's narrow no-break spaces (U+202F) as
// plain spaces here, not in FormatToParts.
func (f *DateFormat) Format(t time.Time) string {
	var b strings.Builder
	for _, p := range f.FormatToParts(t) {
		b.WriteString(strings.ReplaceAll(p.Value, "\u202f", " "))
	}
	return b.String()
}

// FormatToParts formats t into typed parts.
func (f *DateFormat) FormatToParts(t time.Time) []Part {
	t = t.In(f.zone)
	dd := &f.loc.Date
	parts := make([]Part, 0, len(f.pattern))
	pad := func(n int, two bool) string {
		if two {
			return fmt.Sprintf("%02d", n)
		}
		return strconv.Itoa(n)
	}
	for _, tok := range f.pattern {
		if tok[0] == '\'' {
			parts = append(parts, Part{"literal", tok[1:]})
			continue
		}
		var p Part
		switch tok {
		case "y":
			p = Part{"year", strconv.Itoa(t.Year())}
		case "yy":
			p = Part{"year", fmt.Sprintf("%02d", t.Year()%100)}
		case "M", "MM":
			p = Part{"month", pad(int(t.Month()), tok == "MM")}
		case "MMM", "MMMM", "MMMMM", "LLL", "LLLL", "LLLLL":
			p = Part{"month", dd.Names[tok][t.Month()-1]}
		case "d", "dd":
			p = Part{"day", pad(t.Day(), tok == "dd")}
		case "E", "EEEE", "EEEEE":
			p = Part{"weekday", dd.Names[tok][t.Weekday()]}
		case "h", "hh":
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			p = Part{"hour", pad(h, tok == "hh")}
		case "K", "KK":
			p = Part{"hour", pad(t.Hour()%12, tok == "KK")}
		case "H", "HH":
			p = Part{"hour", pad(t.Hour(), tok == "HH")}
		case "k", "kk":
			h := t.Hour()
			if h == 0 {
				h = 24
			}
			p = Part{"hour", pad(h, tok == "kk")}
		case "m", "mm":
			p = Part{"minute", pad(t.Minute(), tok == "mm")}
		case "s", "ss":
			p = Part{"second", pad(t.Second(), tok == "ss")}
		case "a":
			v := dd.AM
			if t.Hour() >= 12 {
				v = dd.PM
			}
			p = Part{"dayPeriod", v}
		case "z":
			p = Part{"timeZoneName", f.zoneLabel(t)}
		case "G":
			p = Part{"era", "AD"}
		default:
			p = Part{"literal", tok}
		}
		parts = append(parts, p)
	}
	if n := f.opts.FractionalSecondDigits; n > 0 {
		// after the seconds, with the locale's decimal separator
		for i, p := range parts {
			if p.Type == "second" {
				ms := fmt.Sprintf("%03d", t.Nanosecond()/1e6)[:n]
				rest := append([]Part{{"literal", f.loc.Num.Dec}, {"fractionalSecond", ms}}, parts[i+1:]...)
				parts = append(parts[:i+1], rest...)
				break
			}
		}
	}
	return parts
}

// zoneLabel is a localised zone abbreviation, for zones whose name starts
// with zone ("" any).
type zoneLabel struct{ zone, label string }

// zoneLabels are the short zone names ICU gives for Go's abbreviations,
// per locale; other zones are GMT±h[:mm] (UTC±h in French).
var zoneLabels = func() map[string]map[string]zoneLabel {
	us := map[string]zoneLabel{}
	for _, a := range []string{"EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT", "AKST", "AKDT", "HST"} {
		us[a] = zoneLabel{"America/", a}
	}
	us["HST"] = zoneLabel{"Pacific/Honolulu", "HST"}
	cet := map[string]zoneLabel{"CET": {"", "CET"}, "CEST": {"", "CEST"}, "EET": {"", "EET"}, "EEST": {"", "EEST"}, "WET": {"", "WET"}, "WEST": {"", "WEST"}}
	gb := map[string]zoneLabel{"BST": {"Europe/London", "BST"}}
	for k, v := range cet {
		gb[k] = v
	}
	de := map[string]zoneLabel{"CET": {"", "MEZ"}, "CEST": {"", "MESZ"}, "EET": {"", "OEZ"}, "EEST": {"", "OESZ"}, "WET": {"", "WEZ"}, "WEST": {"", "WESZ"}}
	au := map[string]zoneLabel{"AEST": {"", "AEST"}, "AEDT": {"", "AEDT"}, "ACST": {"", "ACST"}, "ACDT": {"", "ACDT"}, "AWST": {"", "AWST"}}
	return map[string]map[string]zoneLabel{
		"en-US": us, "en-CA": us, "es-US": us, "en-GB": gb, "en-IE": cet, "en-AU": au,
		"en-IN": {"IST": {"Asia/Kolkata", "IST"}}, "ja-JP": {"JST": {"", "JST"}},
		"de-DE": de, "de-AT": de, "de-CH": de, "nl-NL": cet, "nl-BE": cet,
	}
}()

// zoneLabel is a short time-zone name: UTC, a US abbreviation in English,
// otherwise ICU's GMT±h[:mm] fallback.
func (f *DateFormat) zoneLabel(t time.Time) string {
	if f.zoneName == "UTC" || f.zoneName == "Etc/UTC" {
		return "UTC"
	}
	abbr, off := t.Zone()
	if l, ok := zoneLabels[f.loc.Tag][abbr]; ok && (l.zone == "" || strings.HasPrefix(f.zoneName, l.zone)) {
		return l.label
	}
	gmt := "GMT"
	if strings.HasPrefix(f.loc.Tag, "fr") {
		gmt = "UTC"
	}
	if off == 0 {
		return gmt
	}
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	s := gmt + sign + strconv.Itoa(off/3600)
	if m := off % 3600 / 60; m != 0 {
		s += fmt.Sprintf(":%02d", m)
	}
	return s
}

// Resolved lists resolvedOptions() in Node's order.
func (f *DateFormat) Resolved() [][2]any {
	o := f.opts
	r := [][2]any{{"locale", f.tag}, {"calendar", "gregory"}, {"numberingSystem", "latn"}, {"timeZone", f.zoneName}}
	if o.Hour != "" || o.TimeStyle != "" {
		r = append(r, [2]any{"hourCycle", f.hc}, [2]any{"hour12", twelve(f.hc)})
	}
	for _, p := range [][2]string{{"weekday", o.Weekday}, {"era", o.Era}, {"year", o.Year}, {"month", o.Month}, {"day", o.Day},
		{"hour", o.Hour}, {"minute", o.Minute}, {"second", o.Second}} {
		if p[1] != "" {
			v := p[1]
			// minutes and seconds next to an hour are always two digits
			if (p[0] == "minute" || p[0] == "second") && (o.Hour != "" || p[0] == "second" && o.Minute != "") {
				v = "2-digit"
			}
			r = append(r, [2]any{p[0], v})
		}
	}
	if o.FractionalSecondDigits > 0 {
		r = append(r, [2]any{"fractionalSecondDigits", o.FractionalSecondDigits})
	}
	if o.TimeZoneName != "" {
		r = append(r, [2]any{"timeZoneName", o.TimeZoneName})
	}
	if o.DateStyle != "" {
		r = append(r, [2]any{"dateStyle", o.DateStyle})
	}
	if o.TimeStyle != "" {
		r = append(r, [2]any{"timeStyle", o.TimeStyle})
	}
	return r
}

// LoadZone loads an IANA time zone; "" is the process's zone, named as
// Node names it (TZ, else /etc/localtime's target, else UTC).
func LoadZone(name string) (*time.Location, string, error) {
	if name == "" {
		return time.Local, LocalZoneName(), nil
	}
	if strings.EqualFold(name, "UTC") || strings.EqualFold(name, "GMT") || strings.EqualFold(name, "Etc/UTC") {
		return time.UTC, "UTC", nil
	}
	l, err := time.LoadLocation(name)
	if err != nil || strings.EqualFold(name, "Local") {
		return nil, "", rangeErr("Invalid time zone specified: %s", name)
	}
	return l, l.String(), nil
}

// LocalZoneName is the IANA name of the process's time zone.
func LocalZoneName() string {
	if tz, ok := os.LookupEnv("TZ"); ok {
		tz = strings.TrimPrefix(tz, ":")
		if tz == "" || strings.EqualFold(tz, "UTC") || tz == "Etc/UTC" || tz == "UTC0" {
			return "UTC"
		}
		return tz
	}
	if t, err := os.Readlink("/etc/localtime"); err == nil {
		if i := strings.Index(t, "zoneinfo/"); i >= 0 {
			return t[i+len("zoneinfo/"):]
		}
	}
	return "UTC"
}

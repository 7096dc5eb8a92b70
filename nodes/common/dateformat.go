package common

import (
	"fmt"
	"strings"
	"time"
)

// momentTokens are the moment.js format tokens formatMoment knows, longest
// first so that "YYYY" wins over "YY".
var momentTokens = []string{
	"YYYY", "MMMM", "dddd", "DDDD", "SSS",
	"YY", "MM", "MMM", "DD", "DDD", "Do", "dd", "ddd", "HH", "hh", "mm", "ss", "SS", "ZZ",
	"M", "D", "d", "H", "h", "m", "s", "S", "A", "a", "Z", "X", "x",
}

// formatMoment formats t with a moment.js format string, as Node-RED's date
// typed value with a custom format (moment().format(value)). Text in square
// brackets is literal; unknown letters are copied.
func formatMoment(t time.Time, layout string) string {
	var b strings.Builder
	for i := 0; i < len(layout); {
		if layout[i] == '[' {
			if j := strings.IndexByte(layout[i:], ']'); j > 0 {
				b.WriteString(layout[i+1 : i+j])
				i += j + 1
				continue
			}
		}
		tok := ""
		for _, cand := range momentTokens {
			if strings.HasPrefix(layout[i:], cand) && len(cand) > len(tok) {
				tok = cand
			}
		}
		if tok == "" {
			b.WriteByte(layout[i])
			i++
			continue
		}
		b.WriteString(momentToken(t, tok))
		i += len(tok)
	}
	return b.String()
}

func momentToken(t time.Time, tok string) string {
	h12 := t.Hour() % 12
	if h12 == 0 {
		h12 = 12
	}
	switch tok {
	case "YYYY":
		return fmt.Sprintf("%04d", t.Year())
	case "YY":
		return fmt.Sprintf("%02d", t.Year()%100)
	case "MMMM":
		return t.Month().String()
	case "MMM":
		return t.Month().String()[:3]
	case "MM":
		return fmt.Sprintf("%02d", int(t.Month()))
	case "M":
		return fmt.Sprint(int(t.Month()))
	case "DDDD":
		return fmt.Sprintf("%03d", t.YearDay())
	case "DDD":
		return fmt.Sprint(t.YearDay())
	case "DD":
		return fmt.Sprintf("%02d", t.Day())
	case "D":
		return fmt.Sprint(t.Day())
	case "Do":
		return ordinal(t.Day())
	case "dddd":
		return t.Weekday().String()
	case "ddd":
		return t.Weekday().String()[:3]
	case "dd":
		return t.Weekday().String()[:2]
	case "d":
		return fmt.Sprint(int(t.Weekday()))
	case "HH":
		return fmt.Sprintf("%02d", t.Hour())
	case "H":
		return fmt.Sprint(t.Hour())
	case "hh":
		return fmt.Sprintf("%02d", h12)
	case "h":
		return fmt.Sprint(h12)
	case "mm":
		return fmt.Sprintf("%02d", t.Minute())
	case "m":
		return fmt.Sprint(t.Minute())
	case "ss":
		return fmt.Sprintf("%02d", t.Second())
	case "s":
		return fmt.Sprint(t.Second())
	case "SSS":
		return fmt.Sprintf("%03d", t.Nanosecond()/1e6)
	case "SS":
		return fmt.Sprintf("%02d", t.Nanosecond()/1e7)
	case "S":
		return fmt.Sprint(t.Nanosecond() / 1e8)
	case "A":
		if t.Hour() < 12 {
			return "AM"
		}
		return "PM"
	case "a":
		if t.Hour() < 12 {
			return "am"
		}
		return "pm"
	case "ZZ":
		return t.Format("-0700")
	case "Z":
		return t.Format("-07:00")
	case "X":
		return fmt.Sprint(t.Unix())
	case "x":
		return fmt.Sprint(t.UnixMilli())
	}
	return tok
}

func ordinal(d int) string {
	suffix := "th"
	if d%100 < 11 || d%100 > 13 {
		switch d % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return fmt.Sprintf("%d%s", d, suffix)
}

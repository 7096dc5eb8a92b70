package intl

import (
	"math"
	"strconv"
	"strings"
)

// NumberOptions are Intl.NumberFormat's options; empty strings and -1 are unset.
type NumberOptions struct {
	Style, Currency, CurrencyDisplay, CurrencySign, SignDisplay string
	UseGrouping                                                 *bool
	MinInt, MinFrac, MaxFrac, MinSig, MaxSig                    int
}

// NoDigits marks an unset digit option.
const NoDigits = -1

// NumberFormat is a compiled Intl.NumberFormat.
type NumberFormat struct {
	loc  *Locale
	tag  string
	o    NumberOptions
	pats [2]string // positive, negative: # is the number
	name currency  // currencyDisplay name: one, other
}

// NewNumberFormat compiles a number format.
func NewNumberFormat(locales []string, o NumberOptions) (*NumberFormat, error) {
	loc, tag := Resolve(locales)
	f := &NumberFormat{loc: loc, tag: tag}
	if o.Style == "" {
		o.Style = "decimal"
	}
	if o.SignDisplay == "" {
		o.SignDisplay = "auto"
	}
	if o.MinInt == NoDigits {
		o.MinInt = 1
	}
	if o.MinInt < 1 || o.MinInt > 21 {
		return nil, rangeErr("minimumIntegerDigits value is out of range.")
	}
	defMin, defMax := 0, 3
	switch o.Style {
	case "decimal":
		f.pats = [2]string{"#", loc.Num.Minus + "#"}
	case "percent":
		defMax = 0
		f.pats = [2]string{loc.Num.Pct[0], loc.Num.Pct[1]}
	case "currency":
		if o.Currency == "" {
			return nil, &TypeError{"Currency code is required with currency style."}
		}
		if len(o.Currency) != 3 {
			return nil, rangeErr("Invalid currency code : %s", o.Currency)
		}
		o.Currency = strings.ToUpper(o.Currency)
		if o.CurrencyDisplay == "" {
			o.CurrencyDisplay = "symbol"
		}
		if o.CurrencySign == "" {
			o.CurrencySign = "standard"
		}
		digits, ok := load().Currencies[o.Currency]
		if !ok {
			digits = 2
		}
		defMin, defMax = digits, digits
		f.pats, f.name = loc.currency(o.Currency, o.CurrencyDisplay, o.CurrencySign)
	case "unit":
		return nil, rangeErr("Intl.NumberFormat style \"unit\" is not supported by Flowgate")
	default:
		return nil, rangeErr("Value %s out of range for Intl.NumberFormat options property style", o.Style)
	}
	for _, d := range []int{o.MinFrac, o.MaxFrac} {
		if d != NoDigits && (d < 0 || d > 100) {
			return nil, rangeErr("maximumFractionDigits value is out of range.")
		}
	}
	switch {
	case o.MinFrac == NoDigits && o.MaxFrac == NoDigits:
		o.MinFrac, o.MaxFrac = defMin, defMax
	case o.MinFrac == NoDigits:
		o.MinFrac = min(defMin, o.MaxFrac)
	case o.MaxFrac == NoDigits:
		o.MaxFrac = max(defMax, o.MinFrac)
	case o.MinFrac > o.MaxFrac:
		return nil, rangeErr("maximumFractionDigits value is out of range.")
	}
	if o.MinSig != NoDigits || o.MaxSig != NoDigits {
		if o.MinSig == NoDigits {
			o.MinSig = 1
		}
		if o.MaxSig == NoDigits {
			o.MaxSig = 21
		}
		if o.MinSig < 1 || o.MaxSig > 21 || o.MinSig > o.MaxSig {
			return nil, rangeErr("maximumSignificantDigits value is out of range.")
		}
	}
	f.o = o
	return f, nil
}

// currency finds a currency's patterns; a currency without data takes
// the locale's pattern for USD codes with its own code.
func (l *Locale) currency(code, display, sign string) ([2]string, currency) {
	c, ok := l.Num.Cur[code]
	if !ok {
		u := l.Num.Cur["USD"]["code"]
		r := [2]string{strings.ReplaceAll(u[0], "USD", code), strings.ReplaceAll(u[1], "USD", code)}
		return r, currency{"# " + code, "# " + code}
	}
	if display == "name" {
		one, other := c["one"][0], c["other"][0]
		return [2]string{other, l.Num.Minus + other}, currency{one, other}
	}
	p := c[display]
	if p == nil {
		p = c["symbol"]
	}
	if sign == "accounting" && display == "symbol" {
		p = c["acct"]
	}
	return [2]string{p[0], p[1]}, nil
}

// Format formats x.
func (f *NumberFormat) Format(x float64) string {
	var b strings.Builder
	for _, p := range f.FormatToParts(x) {
		b.WriteString(p.Value)
	}
	return b.String()
}

// FormatToParts formats x into typed parts.
func (f *NumberFormat) FormatToParts(x float64) []Part {
	n := &f.loc.Num
	neg := x < 0 || x == 0 && math.Signbit(x)
	var num []Part
	var zero bool
	switch {
	case math.IsNaN(x):
		num, neg = []Part{{"nan", n.NaN}}, false
	case math.IsInf(x, 0):
		num = []Part{{"infinity", n.Inf}}
	default:
		digits, exp := decimal(math.Abs(x))
		if f.o.Style == "percent" {
			exp += 2
		}
		var intPart, frac string
		intPart, frac, zero = f.round(digits, exp)
		num = f.group(intPart)
		if frac != "" {
			num = append(num, Part{"decimal", n.Dec}, Part{"fraction", frac})
		}
	}
	sign := ""
	switch f.o.SignDisplay {
	case "auto":
		if neg {
			sign = "-"
		}
	case "always":
		sign = "+"
		if neg {
			sign = "-"
		}
	case "exceptZero":
		if !zero && !math.IsNaN(x) {
			sign = "+"
			if neg {
				sign = "-"
			}
		}
	case "negative":
		if neg && !zero {
			sign = "-"
		}
	}
	pat := f.pats[0]
	if f.name != nil {
		pat = f.name[1]
		if f.plural(num) == "one" {
			pat = f.name[0]
		}
	}
	if sign != "" {
		pat = f.pats[1]
		if f.name != nil {
			pat = n.Minus + pat
		}
	}
	var out []Part
	lit := func(s string) {
		for s != "" {
			switch {
			case strings.HasPrefix(s, n.Minus) && n.Minus != "":
				if sign == "+" {
					out = append(out, Part{"plusSign", n.Plus})
				} else {
					out = append(out, Part{"minusSign", n.Minus})
				}
				s = s[len(n.Minus):]
			case s[0] == '%':
				out = append(out, Part{"percentSign", "%"})
				s = s[1:]
			default:
				end := len(s)
				for i, r := range s {
					if i > 0 && (r == '%' || strings.HasPrefix(s[i:], n.Minus)) {
						end = i
						break
					}
				}
				t := "literal"
				if f.o.Style == "currency" && strings.TrimSpace(strings.Trim(s[:end], "\u00a0\u202f()")) != "" {
					t = "currency"
				}
				out = append(out, splitSpace(t, s[:end])...)
				s = s[end:]
			}
		}
	}
	before, after, _ := strings.Cut(pat, "#")
	lit(before)
	out = append(out, num...)
	lit(after)
	return out
}

// splitSpace separates the spaces around a currency symbol into literals.
func splitSpace(t, s string) []Part {
	if t == "literal" {
		return []Part{{t, s}}
	}
	var out []Part
	core := strings.TrimFunc(s, func(r rune) bool { return r == ' ' || r == '\u00a0' || r == '\u202f' || r == '(' || r == ')' })
	i := strings.Index(s, core)
	if i > 0 {
		out = append(out, Part{"literal", s[:i]})
	}
	out = append(out, Part{t, core})
	if rest := s[i+len(core):]; rest != "" {
		out = append(out, Part{"literal", rest})
	}
	return out
}

// plural is the plural category of the formatted number (for currency names).
func (f *NumberFormat) plural(num []Part) string {
	var i, fr string
	for _, p := range num {
		switch p.Type {
		case "integer":
			i += p.Value
		case "fraction":
			fr = p.Value
		}
	}
	return PluralSelect(f.tag, i, fr, false)
}

// decimal returns x's shortest decimal digits and the position of the
// decimal point (x = 0.digits × 10^exp).
func decimal(x float64) (string, int) {
	s := strconv.FormatFloat(x, 'e', -1, 64)
	mant, e, _ := strings.Cut(s, "e")
	exp, _ := strconv.Atoi(e)
	digits := strings.Replace(mant, ".", "", 1)
	return digits, exp + 1
}

// round rounds 0.digits×10^exp half away from zero to the configured
// digits; it returns the integer and fraction digits and whether the
// result is zero.
func (f *NumberFormat) round(digits string, exp int) (string, string, bool) {
	o := f.o
	var keep int // digits kept after rounding, counted from the first
	minFrac := o.MinFrac
	if o.MinSig != NoDigits {
		keep = o.MaxSig
		minFrac = 0
	} else {
		keep = exp + o.MaxFrac
	}
	d := []byte(digits)
	if keep < len(d) {
		up := keep >= 0 && d[keep] >= '5' || keep < 0 && false
		if keep < 0 {
			d = nil
		} else {
			d = d[:keep]
		}
		if up {
			i := len(d) - 1
			for ; i >= 0 && d[i] == '9'; i-- {
				d[i] = '0'
			}
			if i < 0 {
				d = append([]byte{'1'}, d...)
				exp++
			} else {
				d[i]++
			}
		}
	}
	// place the point
	var ip, fp string
	switch {
	case exp <= 0:
		ip, fp = "0", strings.Repeat("0", -exp)+string(d)
	case exp >= len(d):
		ip, fp = string(d)+strings.Repeat("0", exp-len(d)), ""
	default:
		ip, fp = string(d[:exp]), string(d[exp:])
	}
	ip = strings.TrimLeft(ip, "0")
	zero := strings.Trim(ip+fp, "0") == ""
	fp = strings.TrimRight(fp, "0")
	if o.MinSig != NoDigits {
		sig := len(strings.TrimLeft(ip+fp, "0"))
		if ip == "" {
			sig = len(strings.TrimLeft(fp, "0"))
		}
		if zero {
			sig = 1
		}
		if sig < o.MinSig {
			fp += strings.Repeat("0", o.MinSig-sig)
		}
	}
	if len(fp) < minFrac {
		fp += strings.Repeat("0", minFrac-len(fp))
	}
	if len(ip) < o.MinInt {
		ip = strings.Repeat("0", o.MinInt-len(ip)) + ip
	}
	return ip, fp, zero
}

// group splits integer digits into groups with the locale's separator.
func (f *NumberFormat) group(ip string) []Part {
	n := &f.loc.Num
	if f.o.UseGrouping != nil && !*f.o.UseGrouping || len(ip) <= 3 || n.Min2 && len(ip) <= 4 {
		return []Part{{"integer", ip}}
	}
	var groups []string
	last := ip[len(ip)-3:]
	rest := ip[:len(ip)-3]
	size := 3
	if n.Sec2 {
		size = 2
	}
	for len(rest) > size {
		groups = append([]string{rest[len(rest)-size:]}, groups...)
		rest = rest[:len(rest)-size]
	}
	groups = append([]string{rest}, groups...)
	groups = append(groups, last)
	var out []Part
	for i, g := range groups {
		if i > 0 {
			out = append(out, Part{"group", n.Grp})
		}
		out = append(out, Part{"integer", g})
	}
	return out
}

// Resolved lists resolvedOptions() in Node's order.
func (f *NumberFormat) Resolved() [][2]any {
	o := f.o
	r := [][2]any{{"locale", f.tag}, {"numberingSystem", "latn"}, {"style", o.Style}}
	if o.Style == "currency" {
		r = append(r, [2]any{"currency", o.Currency}, [2]any{"currencyDisplay", o.CurrencyDisplay}, [2]any{"currencySign", o.CurrencySign})
	}
	r = append(r, [2]any{"minimumIntegerDigits", o.MinInt})
	if o.MinSig != NoDigits {
		r = append(r, [2]any{"minimumSignificantDigits", o.MinSig}, [2]any{"maximumSignificantDigits", o.MaxSig})
	} else {
		r = append(r, [2]any{"minimumFractionDigits", o.MinFrac}, [2]any{"maximumFractionDigits", o.MaxFrac})
	}
	var g any = "auto"
	if o.UseGrouping != nil && !*o.UseGrouping {
		g = false
	}
	r = append(r, [2]any{"useGrouping", g}, [2]any{"notation", "standard"}, [2]any{"signDisplay", o.SignDisplay},
		[2]any{"roundingMode", "halfExpand"}, [2]any{"roundingIncrement", 1}, [2]any{"trailingZeroDisplay", "auto"},
		[2]any{"roundingPriority", "auto"})
	return r
}

package transform

// Date functions. Layouts are written with German letters, as German
// accountants know them from Excel and Sage:
//
//	TT   day, two digits (01–31; parsing also takes 1–31)
//	MM   month, two digits (01–12; parsing also takes 1–12)
//	JJJJ year, four digits
//	JJ   year, two digits (69–99 → 1969–1999, 00–68 → 2000–2068)
//	hh   hour 00–23,  mm minute 00–59,  ss second 00–59
//
// Every other character stands for itself. A layout that contains "2006"
// is a Go reference layout (time.Parse) instead.
//
// Local dates belong to a zone: Europe/Berlin unless the call or
// Functions.Location says otherwise. The zone database is embedded
// (time/tzdata), so Windows machines without one give the same results.

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ferry-sync/ferry/formats"
)

type dateTok uint8

const (
	tokLit dateTok = iota
	tokDay
	tokMonth
	tokYear4
	tokYear2
	tokHour
	tokMinute
	tokSecond
)

// nextTok returns the token at the start of s and its length in bytes.
func nextTok(s string) (dateTok, int) {
	switch {
	case strings.HasPrefix(s, "JJJJ"):
		return tokYear4, 4
	case strings.HasPrefix(s, "JJ"):
		return tokYear2, 2
	case strings.HasPrefix(s, "TT"):
		return tokDay, 2
	case strings.HasPrefix(s, "MM"):
		return tokMonth, 2
	case strings.HasPrefix(s, "hh"):
		return tokHour, 2
	case strings.HasPrefix(s, "mm"):
		return tokMinute, 2
	case strings.HasPrefix(s, "ss"):
		return tokSecond, 2
	}
	_, n := utf8.DecodeRuneInString(s)
	return tokLit, n
}

func isGoLayout(layout string) bool { return strings.Contains(layout, "2006") }

// checkLayout rejects layouts that cannot be meant: no date parts at all,
// or the English letters of other tools (DD.MM.YYYY).
func checkLayout(fn, layout string) error {
	if isGoLayout(layout) {
		return nil
	}
	for _, en := range []string{"YYYY", "yyyy", "YY", "DD", "dd", "HH"} {
		if strings.Contains(layout, en) {
			return errf(fn, "%s: the date layout %s uses the letters %s; write dates with TT (day), MM (month), JJJJ (year), hh:mm:ss (time), e.g. TT.MM.JJJJ",
				fn, formats.Quote(layout), en)
		}
	}
	var hasYear, hasAny bool
	for s := layout; s != ""; {
		tok, n := nextTok(s)
		s = s[n:]
		hasAny = hasAny || tok != tokLit
		hasYear = hasYear || tok == tokYear4 || tok == tokYear2
	}
	if !hasAny {
		return errf(fn, "%s: the date layout %s has no date parts; write e.g. TT.MM.JJJJ (TT day, MM month, JJJJ year, hh:mm:ss time)", fn, formats.Quote(layout))
	}
	if fn == "parseDate" && !hasYear {
		return errf(fn, "%s: the date layout %s has no year; add JJJJ or JJ", fn, formats.Quote(layout))
	}
	return nil
}

// sampleTime illustrates a layout in messages.
func sampleTime() time.Time { return time.Date(2026, 3, 13, 9, 4, 7, 0, time.UTC) }

// parseLocal parses s by a German layout in loc. The message is empty on
// success.
func parseLocal(s, layout string, loc *time.Location) (time.Time, string) {
	year, month, day, hour, minute, second := -1, 1, 1, 0, 0, 0
	j := 0
	mismatch := func() (time.Time, string) {
		return time.Time{}, fmt.Sprintf("%s does not match the date layout %s (e.g. %s)", formats.Quote(s), layout, formatLocal(sampleTime(), layout))
	}
	if s == "" {
		return time.Time{}, fmt.Sprintf("empty value is not a date (layout %s)", layout)
	}
	for rest := layout; rest != ""; {
		tok, n := nextTok(rest)
		if tok == tokLit {
			if !strings.HasPrefix(s[j:], rest[:n]) {
				return mismatch()
			}
			j += n
			rest = rest[n:]
			continue
		}
		rest = rest[n:]
		width := 2
		if tok == tokYear4 {
			width = 4
		}
		k := j
		for k < len(s) && k-j < width && isDigit(s[k]) {
			k++
		}
		digits := s[j:k]
		if digits == "" || ((tok == tokYear4 || tok == tokYear2) && len(digits) != width) {
			return mismatch()
		}
		v := 0
		for i := 0; i < len(digits); i++ {
			v = v*10 + int(digits[i]-'0')
		}
		j = k
		switch tok {
		case tokDay:
			day = v
		case tokMonth:
			month = v
		case tokYear4:
			year = v
		case tokYear2:
			if v >= 69 {
				year = 1900 + v
			} else {
				year = 2000 + v
			}
		case tokHour:
			hour = v
		case tokMinute:
			minute = v
		case tokSecond:
			second = v
		}
	}
	if j != len(s) || year < 0 {
		return mismatch()
	}
	invalid := func(why string) (time.Time, string) {
		return time.Time{}, fmt.Sprintf("%s is not a valid date: %s", formats.Quote(s), why)
	}
	switch {
	case month < 1 || month > 12:
		return invalid(fmt.Sprintf("there is no month %d", month))
	case day < 1 || day > daysIn(year, month):
		return invalid(fmt.Sprintf("%02d/%04d has %d days", month, year, daysIn(year, month)))
	case hour > 23:
		return invalid(fmt.Sprintf("there is no hour %d", hour))
	case minute > 59:
		return invalid(fmt.Sprintf("there is no minute %d", minute))
	case second > 59:
		return invalid(fmt.Sprintf("there is no second %d", second))
	}
	t, msg := wallClock(year, time.Month(month), day, hour, minute, second, loc)
	if msg != "" {
		return time.Time{}, formats.Quote(s) + msg
	}
	return t, ""
}

// wallClock is time.Date that refuses a time the zone skips (when summer
// time begins) and takes the first of a time that happens twice (when it
// ends).
func wallClock(y int, mo time.Month, d, h, mi, s int, loc *time.Location) (time.Time, string) {
	t := time.Date(y, mo, d, h, mi, s, 0, loc)
	same := func(u time.Time) bool {
		uy, umo, ud := u.Date()
		return uy == y && umo == mo && ud == d && u.Hour() == h && u.Minute() == mi && u.Second() == s
	}
	if !same(t) {
		return time.Time{}, fmt.Sprintf(" does not exist in %s: the clocks skip that time when summer time begins", loc)
	}
	if e := t.Add(-time.Hour); same(e) {
		return e, ""
	}
	return t, ""
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// formatLocal writes t (already in its zone) by a German layout.
func formatLocal(t time.Time, layout string) string {
	var b strings.Builder
	b.Grow(len(layout) + 4)
	two := func(v int) {
		b.WriteByte(byte('0' + v/10%10))
		b.WriteByte(byte('0' + v%10))
	}
	for rest := layout; rest != ""; {
		tok, n := nextTok(rest)
		switch tok {
		case tokLit:
			b.WriteString(rest[:n])
		case tokDay:
			two(t.Day())
		case tokMonth:
			two(int(t.Month()))
		case tokYear4:
			if y := t.Year(); y >= 0 && y <= 9999 {
				two(y / 100)
				two(y % 100)
			} else {
				fmt.Fprintf(&b, "%04d", y)
			}
		case tokYear2:
			y := t.Year() % 100
			if y < 0 {
				y = -y
			}
			two(y)
		case tokHour:
			two(t.Hour())
		case tokMinute:
			two(t.Minute())
		case tokSecond:
			two(t.Second())
		}
		rest = rest[n:]
	}
	return b.String()
}

// zone returns the named time zone. "Local" is refused: it would make a
// pipeline depend on the machine it runs on.
func (l *lib) zone(fn, name string) (*time.Location, error) {
	return l.zones.get(name, func(name string) (*time.Location, error) {
		if name == "" || strings.EqualFold(name, "local") {
			return nil, errf(fn, "%s: name the time zone, e.g. \"Europe/Berlin\" or \"UTC\" (got %s)", fn, formats.Quote(name))
		}
		loc, err := time.LoadLocation(name)
		if err != nil {
			return nil, errf(fn, "%s: unknown time zone %s (expected a name like \"Europe/Berlin\" or \"UTC\")", fn, formats.Quote(name))
		}
		return loc, nil
	})
}

// zoneArg returns the zone of argument i of a, or the default zone.
func (l *lib) zoneArg(fn string, a []any, i int) (*time.Location, error) {
	if len(a) <= i {
		return l.loc, nil
	}
	name, err := strArg(fn, "time zone", a[i])
	if err != nil {
		return nil, err
	}
	return l.zone(fn, name)
}

// timeArg returns a time argument.
func timeArg(fn string, v any) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x, nil
	case *time.Time:
		if x != nil {
			return *x, nil
		}
	case string:
		return time.Time{}, errf(fn, "%s: %s is a text, not a date; convert it first with parseDate(x, \"TT.MM.JJJJ\") or parseISO(x)", fn, formats.Quote(x))
	case nil:
		return time.Time{}, errf(fn, "%s: the date is missing (nil)", fn)
	}
	return time.Time{}, errf(fn, "%s: expected a date, got %s", fn, show(v))
}

func (l *lib) fnParseDate(a []any) (any, error) {
	s, err := textArg("parseDate", a[0])
	if err != nil {
		return nil, err
	}
	layout, err := strArg("parseDate", "layout", a[1])
	if err != nil {
		return nil, err
	}
	loc, err := l.zoneArg("parseDate", a, 2)
	if err != nil {
		return nil, err
	}
	if isGoLayout(layout) {
		t, err := time.ParseInLocation(layout, s, loc)
		if err != nil {
			return nil, errf("parseDate", "%s does not match the date layout %s (e.g. %s)", formats.Quote(s), layout, sampleTime().Format(layout))
		}
		return t, nil
	}
	if err := checkLayout("parseDate", layout); err != nil {
		return nil, err
	}
	t, msg := parseLocal(s, layout, loc)
	if msg != "" {
		return nil, errf("parseDate", "%s", msg)
	}
	return t, nil
}

// parseISO parses an RFC 3339 date-time ("2026-03-13T09:04:07.537Z", any
// number of fraction digits, Z or an offset). Without offset the time is
// taken as UTC, as Smartstore's …Utc columns mean it.
func parseISO(s string) (time.Time, error) {
	if t, err := time.ParseInLocation(time.RFC3339, s, time.UTC); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05", s, time.UTC); err == nil {
		return t, nil
	}
	if s == "" {
		return time.Time{}, errf("parseISO", "empty value is not a date")
	}
	return time.Time{}, errf("parseISO", "%s is not an ISO date-time like 2026-03-13T09:04:07.537Z", formats.Quote(s))
}

func (l *lib) fnParseISO(a []any) (any, error) {
	if t, ok := a[0].(time.Time); ok {
		return t, nil
	}
	s, err := textArg("parseISO", a[0])
	if err != nil {
		return nil, err
	}
	t, err := parseISO(s)
	if err != nil {
		return nil, err
	}
	return t, nil
}

func (l *lib) fnFormatDate(a []any) (any, error) {
	t, err := timeArg("formatDate", a[0])
	if err != nil {
		return nil, err
	}
	layout, err := strArg("formatDate", "layout", a[1])
	if err != nil {
		return nil, err
	}
	loc, err := l.zoneArg("formatDate", a, 2)
	if err != nil {
		return nil, err
	}
	t = t.In(loc)
	if isGoLayout(layout) {
		return t.Format(layout), nil
	}
	if err := checkLayout("formatDate", layout); err != nil {
		return nil, err
	}
	return formatLocal(t, layout), nil
}

func (l *lib) fnToTZ(a []any) (any, error) {
	t, err := timeArg("toTZ", a[0])
	if err != nil {
		return nil, err
	}
	loc, err := l.zoneArg("toTZ", a, 1)
	if err != nil {
		return nil, err
	}
	return t.In(loc), nil
}

func (l *lib) fnToUTC(a []any) (any, error) {
	t, err := timeArg("toUTC", a[0])
	if err != nil {
		return nil, err
	}
	return t.UTC(), nil
}

func (l *lib) fnStartOfDay(a []any) (any, error) {
	t, err := timeArg("startOfDay", a[0])
	if err != nil {
		return nil, err
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location()), nil
}

func (l *lib) fnEndOfDay(a []any) (any, error) {
	t, err := timeArg("endOfDay", a[0])
	if err != nil {
		return nil, err
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 23, 59, 59, 999999999, t.Location()), nil
}

func (l *lib) fnAddDays(a []any) (any, error) {
	t, err := timeArg("addDays", a[0])
	if err != nil {
		return nil, err
	}
	n, err := intArg("addDays", "number of days", a[1], -1000000, 1000000)
	if err != nil {
		return nil, err
	}
	return t.AddDate(0, 0, n), nil
}

// isoLayout is what Smartstore's importer wants: UTC, whole seconds, "Z".
const isoLayout = "2006-01-02T15:04:05Z"

func (l *lib) fnIsoUTC(a []any) (any, error) {
	t, err := timeArg("isoUTC", a[0])
	if err != nil {
		return nil, err
	}
	return t.UTC().Format(isoLayout), nil
}

func (l *lib) fnNow([]any) (any, error) {
	now := time.Now
	if l.f.Now != nil {
		now = l.f.Now
	}
	return now().In(l.loc), nil
}

package transform

import (
	"testing"
	"time"
)

func TestDST(t *testing.T) {
	f := newFuncs()
	for _, c := range []struct{ src, want string }{
		// The brief's two cases.
		{`isoUTC(endOfDay(parseDate("31.03.2026", "TT.MM.JJJJ")))`, `"2026-03-31T21:59:59Z"`},
		{`isoUTC(startOfDay(parseDate("29.03.2026", "TT.MM.JJJJ")))`, `"2026-03-28T23:00:00Z"`},
		{`endOfDay(parseDate("31.03.2026", "TT.MM.JJJJ"))`, "2026-03-31T23:59:59.999999999+02:00"},
		// The switch days themselves: 23 and 25 hours long.
		{`isoUTC(endOfDay(parseDate("29.03.2026", "TT.MM.JJJJ")))`, `"2026-03-29T21:59:59Z"`},
		{`isoUTC(startOfDay(parseDate("25.10.2026", "TT.MM.JJJJ")))`, `"2026-10-24T22:00:00Z"`},
		{`isoUTC(endOfDay(parseDate("25.10.2026", "TT.MM.JJJJ")))`, `"2026-10-25T22:59:59Z"`},
		// A time the clocks skip, and one that happens twice (the first).
		{`parseDate("29.03.2026 02:30", "TT.MM.JJJJ hh:mm")`, "error: \"29.03.2026 02:30\" does not exist in Europe/Berlin: the clocks skip that time when summer time begins"},
		{`parseDate("29.03.2026 03:00", "TT.MM.JJJJ hh:mm")`, "2026-03-29T03:00:00+02:00"},
		{`parseDate("29.03.2026 01:59:59", "TT.MM.JJJJ hh:mm:ss")`, "2026-03-29T01:59:59+01:00"},
		{`parseDate("25.10.2026 02:30", "TT.MM.JJJJ hh:mm")`, "2026-10-25T02:30:00+02:00"},
		{`parseDate("25.10.2026 03:00", "TT.MM.JJJJ hh:mm")`, "2026-10-25T03:00:00+01:00"},
		// addDays keeps the wall clock across the switch.
		{`addDays(parseDate("28.03.2026 00:00", "TT.MM.JJJJ hh:mm"), 2)`, "2026-03-30T00:00:00+02:00"},
		{`addDays(parseDate("01.04.2026", "TT.MM.JJJJ"), -3)`, "2026-03-29T00:00:00+01:00"},
		// Other zones.
		{`parseDate("31.03.2026 23:59", "TT.MM.JJJJ hh:mm", "UTC")`, "2026-03-31T23:59:00Z"},
		{`isoUTC(parseDate("01.07.2026", "TT.MM.JJJJ", "America/New_York"))`, `"2026-07-01T04:00:00Z"`},
		{`formatDate(parseISO("2026-03-29T00:30:00Z"), "TT.MM.JJJJ hh:mm")`, `"29.03.2026 01:30"`},
		{`formatDate(parseISO("2026-03-29T01:30:00Z"), "TT.MM.JJJJ hh:mm")`, `"29.03.2026 03:30"`},
		{`toTZ(parseISO("2026-10-25T00:30:00Z"), "Europe/Berlin")`, "2026-10-25T02:30:00+02:00"},
		{`toTZ(parseISO("2026-10-25T01:30:00Z"), "Europe/Berlin")`, "2026-10-25T02:30:00+01:00"},
		{`startOfDay(toTZ(parseISO("2026-03-31T22:30:00Z"), "Europe/Berlin"))`, "2026-04-01T00:00:00+02:00"},
		{`startOfDay(parseISO("2026-03-31T22:30:00Z"))`, "2026-03-31T00:00:00Z"},
	} {
		check(t, f, c.src, nil, c.want)
	}
}

func TestParseDateLayouts(t *testing.T) {
	f := newFuncs()
	for _, c := range []struct {
		s, layout, want string
	}{
		{"13.03.2026", "TT.MM.JJJJ", "2026-03-13T00:00:00+01:00"},
		{"1.3.2026", "TT.MM.JJJJ", "2026-03-01T00:00:00+01:00"},
		{"13.03.26", "TT.MM.JJ", "2026-03-13T00:00:00+01:00"},
		{"13.03.69", "TT.MM.JJ", "1969-03-13T00:00:00+01:00"},
		{"13.03.68", "TT.MM.JJ", "2068-03-13T00:00:00+01:00"},
		{"20260313", "JJJJMMTT", "2026-03-13T00:00:00+01:00"},
		{"2026-03-13T09:04:07", "JJJJ-MM-TTThh:mm:ss", "2026-03-13T09:04:07+01:00"},
		{"03/14/2025 13:02:44", "MM/TT/JJJJ hh:mm:ss", "2025-03-14T13:02:44+01:00"},
		{"29.02.2028", "TT.MM.JJJJ", "2028-02-29T00:00:00+01:00"},
		{"03.2026", "MM.JJJJ", "2026-03-01T00:00:00+01:00"},
		{"Datum: 13.03.2026", "Datum: TT.MM.JJJJ", "2026-03-13T00:00:00+01:00"},
		{"13.03.2026", "02.01.2006", "2026-03-13T00:00:00+01:00"},
		{"29.02.2026", "TT.MM.JJJJ", `error: "29.02.2026" is not a valid date: 02/2026 has 28 days`},
		{"00.03.2026", "TT.MM.JJJJ", `error: "00.03.2026" is not a valid date: 03/2026 has 31 days`},
		{"13.13.2026", "TT.MM.JJJJ", `error: "13.13.2026" is not a valid date: there is no month 13`},
		{"13.03.2026 24:00", "TT.MM.JJJJ hh:mm", "error: there is no hour 24"},
		{"13.03.2026 12:60", "TT.MM.JJJJ hh:mm", "error: there is no minute 60"},
		{"13.03.2026 12:00:60", "TT.MM.JJJJ hh:mm:ss", "error: there is no second 60"},
		{"13.03.2026 ", "TT.MM.JJJJ", `error: "13.03.2026 " does not match the date layout TT.MM.JJJJ (e.g. 13.03.2026)`},
		{"13.03.202", "TT.MM.JJJJ", "error: does not match the date layout TT.MM.JJJJ"},
		{"13.3.26", "TT.MM.JJJJ", "error: does not match"},
		{"130.3.2026", "TT.MM.JJJJ", "error: does not match"},
		{"", "TT.MM.JJJJ", "error: empty value is not a date (layout TT.MM.JJJJ)"},
		{"2026-03-13", "02.01.2006", `error: "2026-03-13" does not match the date layout 02.01.2006 (e.g. 13.03.2026)`},
	} {
		check(t, f, `parseDate(s, layout)`, map[string]any{"s": c.s, "layout": c.layout}, c.want)
	}
}

func TestFormatDate(t *testing.T) {
	f := newFuncs()
	ts := map[string]any{"t": time.Date(2026, 3, 13, 9, 4, 7, 537000000, time.UTC)}
	for _, c := range []struct{ src, want string }{
		{`formatDate(t, "TT.MM.JJJJ hh:mm:ss")`, `"13.03.2026 10:04:07"`},
		{`formatDate(t, "TT.MM.JJ")`, `"13.03.26"`},
		{`formatDate(t, "JJJJMMTT")`, `"20260313"`},
		{`formatDate(t, "TT.MM.JJJJ", "UTC")`, `"13.03.2026"`},
		{`formatDate(t, "2006-01-02 15:04 MST")`, `"2026-03-13 10:04 CET"`},
		{`formatDate(t, "Stand: TT.MM.JJJJ, hh:mm Uhr")`, `"Stand: 13.03.2026, 10:04 Uhr"`},
		{`isoUTC(t)`, `"2026-03-13T09:04:07Z"`},
		{`toUTC(toTZ(t, "Asia/Tokyo"))`, "2026-03-13T09:04:07.537Z"},
		{`formatDate(parseDate("05.01.0999", "TT.MM.JJJJ"), "JJJJ|JJ")`, `"0999|99"`},
	} {
		check(t, f, c.src, ts, c.want)
	}
}

func TestParseISO(t *testing.T) {
	f := newFuncs()
	for _, c := range []struct{ s, want string }{
		{"2026-03-13T09:04:07.537Z", "2026-03-13T09:04:07.537Z"},
		{"2026-03-13T09:04:39.21Z", "2026-03-13T09:04:39.21Z"},
		{"2026-03-16T15:12:09.4Z", "2026-03-16T15:12:09.4Z"},
		{"2026-03-16T15:12:09.4000000Z", "2026-03-16T15:12:09.4Z"},
		{"2025-10-20T08:00:14Z", "2025-10-20T08:00:14Z"},
		{"2025-11-24T00:00:00", "2025-11-24T00:00:00Z"},
		{"2026-03-13T10:04:07+01:00", "2026-03-13T10:04:07+01:00"},
		{"2026-03-13", `error: "2026-03-13" is not an ISO date-time like 2026-03-13T09:04:07.537Z`},
		{"2026-02-30T00:00:00Z", "error: is not an ISO date-time"},
		{"", "error: empty value is not a date"},
	} {
		check(t, f, `parseISO(s)`, map[string]any{"s": c.s}, c.want)
	}
	// An offset is kept as a fixed zone whatever the machine's zone is.
	v, err := parseISO("2026-03-13T10:04:07+01:00")
	if err != nil {
		t.Fatal(err)
	}
	if name, off := v.Zone(); name != "" || off != 3600 {
		t.Errorf("zone = %q %d", name, off)
	}
}

func TestCheckLayout(t *testing.T) {
	for _, c := range []struct {
		fn, layout string
		ok         bool
	}{
		{"parseDate", "TT.MM.JJJJ", true},
		{"parseDate", "JJ", true},
		{"parseDate", "TT.MM.", false},
		{"formatDate", "hh:mm", true},
		{"formatDate", "Uhr", false},
		{"formatDate", "dd.MM.yyyy", false},
		{"formatDate", "HH:mm", false},
		{"formatDate", "2006-01-02", true},
	} {
		if err := checkLayout(c.fn, c.layout); (err == nil) != c.ok {
			t.Errorf("checkLayout(%s, %q) = %v", c.fn, c.layout, err)
		}
	}
}

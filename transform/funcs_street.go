package transform

// The German street / house-number split (shared/formats/dhl.md §5).
// Smartstore keeps street and number together in Address1; DHL's import
// wants them apart.
//
// The rule: the house number is the last group that starts with a digit
// and has no word of letters after it. The group may carry a letter
// suffix, a range or a fraction (5a, 12 b, 5-7a, 13/15, 7 1/2). Digits
// inside the street name stay there (Straße des 17. Juni, In den 30
// Morgen, Straße 133). Words after the number that name a flat, floor or
// recipient (Whg. 3, 2. OG, c/o …), or anything after a "/" or ",", are
// the addition (DHL puts it in Name 3). Mannheim's quadrates are a letter
// A–U without J and a digit 1–7 (C 4), then a comma or a space and the
// number. A line that does not fit (no number, or unknown words after it)
// is not split: all of it is the street and the number is empty, so the
// pipeline can flag the row. Nothing is ever dropped.

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// address is the split of one address line.
type address struct {
	street, number, addition string
}

type token struct {
	text       string
	start, end int // byte offsets in the trimmed line
}

func splitAddress(s string) address {
	t := strings.TrimSpace(s)
	whole := address{street: t}
	if t == "" {
		return whole
	}
	if street, rest, ok := quadrate(t); ok {
		toks := tokenize(rest)
		if len(toks) == 0 || !numberToken(toks[0].text) {
			return whole
		}
		g := groupEnd(toks, 0)
		if g+1 < len(toks) && !isAddition(toks[g+1:]) {
			return whole
		}
		off := len(t) - len(rest)
		a := address{street: street, number: t[off+toks[0].start : off+toks[g].end]}
		if g+1 < len(toks) {
			a.addition = strings.TrimLeft(t[off+toks[g+1].start:], " ,;/-")
		}
		return a
	}
	toks := tokenize(t)
	// A number directly followed by "," "/" or ";" ends the street: what
	// follows is the addition ("Hauptstraße 5, Hinterhof 2").
	for j := 1; j < len(toks); j++ {
		if g := groupEnd(toks, j); numberToken(toks[j].text) && g+1 < len(toks) && separator(toks[g+1].text) && toks[g+1].text != "-" {
			if a, ok := splitAt(t, toks, j); ok {
				return a
			}
		}
	}
	// Otherwise the last number group with nothing but an addition after it.
	for j := len(toks) - 1; j >= 1; j-- {
		// Use the whole group a number belongs to ("7 1/2", "5 - 7").
		for s := j - 1; s >= max(1, j-2); s-- {
			if numberToken(toks[s].text) && groupEnd(toks, s) >= j {
				j = s
			}
		}
		if a, ok := splitAt(t, toks, j); ok {
			return a
		}
	}
	return whole
}

// splitAt splits t before the house number that starts at toks[j], if
// that gives a street with a letter and nothing but an addition after
// the number.
func splitAt(t string, toks []token, j int) (address, bool) {
	if !numberToken(toks[j].text) || numberedAddition(toks[j-1].text) {
		return address{}, false
	}
	g := groupEnd(toks, j)
	if g+1 < len(toks) && !isAddition(toks[g+1:]) {
		return address{}, false
	}
	last := j - 1 // the last token of the street
	if numberPrefix(toks[last].text) {
		last--
	}
	for last >= 0 && separator(toks[last].text) {
		last--
	}
	if last < 0 {
		return address{}, false
	}
	street := strings.TrimRight(t[:toks[last].end], " ,;/-")
	if !hasLetter(street) {
		return address{}, false
	}
	if g+1 == len(toks) && numberedStreet(street) {
		// "Straße 133": Berlin's numbered streets; the number is the name.
		return address{}, false
	}
	a := address{street: street, number: t[toks[j].start:toks[g].end]}
	if g+1 < len(toks) {
		a.addition = strings.TrimLeft(t[toks[g+1].start:], " ,;/-")
	}
	return a, true
}

// quadrate recognises a Mannheim quadrate at the start of t ("C 4, 12",
// "C 3 54", "D6, 2") and returns it and what follows.
func quadrate(t string) (street, rest string, ok bool) {
	if len(t) < 2 || t[0] < 'A' || t[0] > 'U' || t[0] == 'J' {
		return "", "", false
	}
	i := 1
	if t[i] == ' ' {
		i++
	}
	if i >= len(t) || t[i] < '1' || t[i] > '7' {
		return "", "", false
	}
	i++
	if i < len(t) && t[i] != ',' && t[i] != ' ' {
		return "", "", false
	}
	street = t[:i]
	rest = strings.TrimLeft(t[i:], " ,")
	return street, rest, true
}

// tokenize splits a line at white space; a trailing "," or ";" becomes a
// token of its own, and "Heinestr.13" becomes "Heinestr." and "13".
func tokenize(t string) []token {
	var toks []token
	i := 0
	for i < len(t) {
		r, size := utf8.DecodeRuneInString(t[i:])
		if unicode.IsSpace(r) {
			i += size
			continue
		}
		j := i
		for j < len(t) {
			r, size := utf8.DecodeRuneInString(t[j:])
			if unicode.IsSpace(r) {
				break
			}
			j += size
		}
		end := j
		for end > i && (t[end-1] == ',' || t[end-1] == ';') {
			end--
		}
		if end > i {
			word := t[i:end]
			if k := glued(word); k > 0 {
				toks = append(toks, token{word[:k], i, i + k}, token{word[k:], i + k, end})
			} else {
				toks = append(toks, token{word, i, end})
			}
		}
		if end < j {
			toks = append(toks, token{t[end:j], end, j})
		}
		i = j
	}
	return toks
}

// glued returns where a number glued to a street name starts
// ("Heinestr.13" → 9), or 0: at least two letters, then a letter or a dot,
// then a digit.
func glued(w string) int {
	letters := 0
	for i, r := range w {
		switch {
		case unicode.IsLetter(r):
			letters++
		case r >= '0' && r <= '9':
			if letters >= 2 && i > 0 {
				prev, _ := utf8.DecodeLastRuneInString(w[:i])
				if unicode.IsLetter(prev) || prev == '.' {
					return i
				}
			}
			return 0
		case r == '.' || r == '-':
		default:
			return 0
		}
	}
	return 0
}

// numberToken reports a house number: digits with an optional letter, and
// further such parts after "-" or "/" (5, 5a, 5-7a, 13/15, 13-15/8/6); a
// trailing "-" or "/" continues in the next token.
func numberToken(s string) bool {
	i := 0
	for part := 0; ; part++ {
		d := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == d || i-d > 6 {
			return false
		}
		if i < len(s) && isLetter(s[i]) {
			i++
		}
		if i == len(s) {
			return true
		}
		if s[i] != '-' && s[i] != '/' {
			return false
		}
		i++
		if i == len(s) {
			return true
		}
	}
}

// groupEnd returns the index of the last token of the house number that
// starts at toks[j]: a letter suffix ("12 b"), a range ("5 - 7", "5 -7"),
// a fraction ("7 1/2").
func groupEnd(toks []token, j int) int {
	g := j
	for g+1 < len(toks) {
		cur, next := toks[g].text, toks[g+1].text
		switch {
		case strings.HasSuffix(cur, "-") || strings.HasSuffix(cur, "/"):
			if !numberToken(next) {
				return g
			}
			g++
		case len(next) == 1 && isLetter(next[0]) && isDigit(cur[len(cur)-1]):
			g++
		case (next == "-" || next == "/") && g+2 < len(toks) && numberToken(toks[g+2].text):
			g += 2
		case (next[0] == '-' || next[0] == '/') && len(next) > 1 && numberToken(next[1:]):
			g++
		case isFraction(next) && allDigits(cur):
			g++
		default:
			return g
		}
	}
	return g
}

func isFraction(s string) bool {
	a, b, ok := strings.Cut(s, "/")
	return ok && allDigits(a) && allDigits(b)
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func hasLetter(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

func separator(s string) bool {
	return s == "," || s == ";" || s == "/" || s == "-"
}

// isAddition reports whether the tokens after a house number are an
// addition: they start with a separator, a word like "Whg." or "c/o", or
// an ordinal and such a word ("2. OG", "3.Stock").
func isAddition(rest []token) bool {
	first := rest[0].text
	if separator(first) || strings.HasPrefix(first, "/") || additionWord(first) {
		return true
	}
	if d, word, ok := strings.Cut(first, "."); ok && allDigits(d) {
		if word != "" {
			return additionWord(word)
		}
		return len(rest) > 1 && additionWord(rest[1].text)
	}
	return false
}

// additionWord reports the words that begin an address addition.
func additionWord(w string) bool {
	switch strings.ToLower(strings.TrimRight(w, ".:")) {
	case "whg", "wohnung", "app", "apt", "appartement", "apartment", "zi", "zimmer",
		"stock", "etage", "et", "og", "eg", "ug", "dg", "obergeschoss", "erdgeschoss",
		"dachgeschoss", "untergeschoss", "souterrain", "c/o", "bei", "z.hd", "zhd",
		"hinterhaus", "hh", "vorderhaus", "vh", "seitenflügel", "sfl", "gartenhaus",
		"hinterhof", "hof", "gebäude", "geb", "haus", "aufgang", "eingang", "tür", "top",
		"raum", "büro", "halle", "tor", "links", "rechts", "li", "re", "mitte", "ecke":
		return true
	}
	return false
}

// numberedAddition reports the words of an addition that a number
// follows ("Whg. 3", "App. 12"): a number after them is not the house
// number. Words that also end street names ("Am Hof 5") are not among them.
func numberedAddition(w string) bool {
	switch strings.ToLower(strings.TrimRight(w, ".:")) {
	case "whg", "wohnung", "app", "apt", "appartement", "apartment", "zi", "zimmer",
		"etage", "et", "top", "tür", "aufgang", "eingang", "geb", "gebäude", "raum", "büro":
		return true
	}
	return false
}

// numberPrefix reports "Nr." and its kin before a house number.
func numberPrefix(w string) bool {
	switch strings.ToLower(strings.TrimRight(w, ".:")) {
	case "nr", "no", "nº", "hausnr", "hausnummer":
		return true
	}
	return false
}

// numberedStreet reports a street whose name is a word and a number
// ("Straße 133"), as Berlin has hundreds of; with no second number, the
// line has no house number.
func numberedStreet(street string) bool {
	switch strings.ToLower(street) {
	case "straße", "strasse", "str.":
		return true
	}
	return false
}

func (l *lib) streetArg(fn string, a []any) (address, error) {
	s, err := textArg(fn, a[0])
	if err != nil {
		return address{}, err
	}
	return splitAddress(s), nil
}

func (l *lib) fnStreet(a []any) (any, error) {
	ad, err := l.streetArg("street", a)
	return ad.street, err
}

func (l *lib) fnHouseNo(a []any) (any, error) {
	ad, err := l.streetArg("houseNo", a)
	return ad.number, err
}

func (l *lib) fnStreetAddition(a []any) (any, error) {
	ad, err := l.streetArg("streetAddition", a)
	return ad.addition, err
}

func (l *lib) fnSplitStreet(a []any) (any, error) {
	ad, err := l.streetArg("splitStreet", a)
	if err != nil {
		return nil, err
	}
	return []any{ad.street, ad.number}, nil
}

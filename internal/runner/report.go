package runner

// The texts ferry writes for people: the error report beside a failed input
// (<name>.error.txt) and the note beside an input archived as a duplicate
// (<name>.duplicate.txt), in German (the default) or English, rendered from
// one table of messages. The positioned problem lines that follow the
// summary come from the pipeline and are the same in every language.

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ferry-sync/ferry/formats"
	"github.com/ferry-sync/ferry/transform"
)

// Report languages (ferry.yaml report_language).
const (
	German  = "de"
	English = "en"
)

// reportMessages is one language's texts. Each %-verb's argument is named
// in the comment; the order is the same in every language.
type reportMessages struct {
	notProcessed string // file name, what was wrong (badRecord…)
	fixAndRetry  string
	ioProblem    string // file name
	badRecord    string
	badRecords   string // count
	problems     string // count
	moreThan     string // what
	duplicate    string // file name, date and time, journal entry, earlier file name
	earlierOuts  string
	dateTime     string // time layout of the duplicate note
}

// reportTable holds the texts of every report language; it is only read.
var reportTable = map[string]reportMessages{
	German: {
		notProcessed: "Die Datei %s wurde nicht verarbeitet: %s. Nichts wurde geschrieben.\n",
		fixAndRetry:  "Bitte die Datei korrigieren und erneut in den Eingangsordner legen.\n",
		ioProblem:    "Die Datei %s wurde nicht verarbeitet: ein Fehler beim Lesen oder Schreiben. Nichts wurde geschrieben.\n",
		badRecord:    "1 fehlerhafter Datensatz",
		badRecords:   "%d fehlerhafte Datensätze",
		problems:     "%d Fehler",
		moreThan:     "mehr als %s",
		duplicate:    "Die Datei %s wurde nicht noch einmal verarbeitet: derselbe Inhalt wurde schon am %s verarbeitet (Journal-Eintrag %d, Datei %s).\n",
		earlierOuts:  "Die Ausgabedateien von damals:\n",
		dateTime:     "02.01.2006 15:04:05",
	},
	English: {
		notProcessed: "The file %s was not processed: %s. Nothing was written.\n",
		fixAndRetry:  "Please correct the file and put it into the inbox again.\n",
		ioProblem:    "The file %s was not processed: an error while reading or writing. Nothing was written.\n",
		badRecord:    "1 bad record",
		badRecords:   "%d bad records",
		problems:     "%d error(s)",
		moreThan:     "more than %s",
		duplicate:    "The file %s was not processed again: the same content was already processed on %s (journal entry %d, file %s).\n",
		earlierOuts:  "The output files of that run:\n",
		dateTime:     "2006-01-02 15:04:05",
	},
}

// messagesFor returns the texts of lang; an unknown or empty language is
// German (the configuration schema allows only de and en).
func messagesFor(lang string) reportMessages {
	if m, ok := reportTable[lang]; ok {
		return m
	}
	return reportTable[German]
}

// Report is the German text of an error report; see ReportIn.
func Report(name string, err error) string { return ReportIn(German, name, err) }

// ReportIn is the text of an error report (<name>.error.txt) in lang (de
// or en): a short summary in plain words, then one line per problem as the
// pipeline reported it (file:line:column: field "X": …).
func ReportIn(lang, name string, err error) string {
	m := messagesFor(lang)
	var b strings.Builder
	var fe *transform.FileError
	if errors.As(err, &fe) {
		n := len(fe.Errors)
		records := true
		for _, e := range fe.Errors {
			if de := formats.AsDataError(e); de == nil || de.Pos.Line == 0 {
				records = false
			}
		}
		what := fmt.Sprintf(m.problems, n)
		switch {
		case records && n == 1:
			what = m.badRecord
		case records:
			what = fmt.Sprintf(m.badRecords, n)
		}
		if fe.More {
			what = fmt.Sprintf(m.moreThan, what)
		}
		fmt.Fprintf(&b, m.notProcessed, name, what)
		b.WriteString(m.fixAndRetry)
		b.WriteString("\n")
		b.WriteString(fe.Error())
		b.WriteString("\n")
		return b.String()
	}
	fmt.Fprintf(&b, m.ioProblem, name)
	b.WriteString("\n")
	b.WriteString(err.Error())
	b.WriteString("\n")
	return b.String()
}

// DuplicateNote is the text of the note beside an input archived as a
// duplicate (<name>.duplicate.txt) in lang: which earlier journal entry
// (id, original file, when it ended, in loc) had the same content, and
// the outputs it wrote.
func DuplicateNote(lang, name string, id int64, original string, ended time.Time, loc *time.Location, outputs []string) string {
	m := messagesFor(lang)
	var b strings.Builder
	fmt.Fprintf(&b, m.duplicate, name, ended.In(loc).Format(m.dateTime), id, original)
	if len(outputs) > 0 {
		b.WriteString(m.earlierOuts)
		for _, o := range outputs {
			b.WriteString("  " + o + "\n")
		}
	}
	return b.String()
}

// reportLanguage is the project's report language.
func (r *Runner) reportLanguage() string {
	if r.Project != nil {
		return r.Project.ReportLanguage
	}
	return German
}

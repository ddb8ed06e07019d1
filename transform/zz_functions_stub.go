package transform

import (
	"time"

	"github.com/expr-lang/expr"
)

type Functions struct {
	Now    func() time.Time
	Lookup func(table string, keys ...string) (any, bool, error)
}

func (f *Functions) Options() []expr.Option { return nil }

package storetest

import "io/fs"

var errNotExist = fs.ErrNotExist

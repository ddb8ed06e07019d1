package journal

// KeySentQueries are KeySent's statements (for journal_test's
// TestIndexesUsed): the query, and the index it must use.
var KeySentQueries = map[string]string{keySentPipeline: "once_keys_key", keySentAny: "once_keys_scope"}

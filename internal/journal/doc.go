// Package journal records every step ferry takes with every input file, so
// that a crash at any point can be finished or undone at restart ("nothing
// lost, nothing half-written, nothing twice"), and so that an accountant can
// ask which input produced an output, when, and with which configuration.
//
// # What is recorded
//
// Each claim of an input is one Entry: the pipeline, the input's original
// (inbox) path and its work path, size, modification time, SHA-256, the hash
// of the pipeline configuration and the claiming instance; then the staged
// outputs (final path, temp path, size, SHA-256), the times of every step
// (UTC, from the injected clock), the archive or error-folder path, the
// record counts, the duration and the error report.
//
// An input is identified by its pipeline and content hash. Every claim of
// it is a new entry with the next Attempt number (1, 2, ...).
//
// # States
//
//	             Staged              Published             Finish
//	claimed ───────────────▶ committing ───────────▶ committed ──────────▶ done
//	   │  │                   │      │
//	   │  │ Fail              │ Fail │ Release
//	   │  └──────────▶ failed ◀┘      │
//	   │ Release                      ▼
//	   └─────────────────────────▶ released
//
// Each arrow is one transaction, checked against the entry's current state
// and attempt; any other step is refused with ErrState. Steps of an attempt
// that no longer owns its input are refused with ErrStale:
//   - Staged and Fail of a claimed attempt, once a newer attempt of the same
//     input was claimed (a stale worker never publishes over a newer one);
//   - Staged while another attempt of the same input is committing or
//     committed (one input is never published by two attempts at once);
//   - any step but Release after recovery released the entry;
//   - a step with the wrong attempt number.
//
// Once an attempt has staged, it owns the commit of its input: Published,
// Finish and Fail proceed even if a newer claim exists.
//
// # Recovery (implemented by the runtime)
//
// At start the runtime lists Unfinished, oldest first, and for each entry of
// its own (see ClaimInfo.Owner):
//   - claimed: nothing was published. The work file goes back to the inbox
//     under its original name; Release. (If the work file is gone because a
//     bad input was already moved beside its report in the error folder,
//     Fail with that path and report instead.)
//   - committing: some outputs may be published, some may still be temp
//     files. If every output is either at its final path or a complete temp
//     file (size and SHA-256 match Entry.Outputs), publish the rest, then
//     Published and continue as committed. Otherwise no output can have been
//     published yet (publishing starts only after every temp file is
//     complete): remove the temp files, move the work file back to the
//     inbox, Release.
//   - committed: every output is published; archive the work file (if it is
//     still in the work folder; otherwise find where it was archived), then
//     Finish with the archive path.
//
// Outside recovery, an attempt whose outputs cannot be published (a full
// disk, a read-only outbox) takes back whatever it had published, and its
// entry goes from committing to released with the input back in its inbox.
//
// A released input is claimed again as a new attempt; DoneBySHA256 tells
// the runtime whether the same content was already processed (duplicate).
//
// The runtime records a step only after the file-system action it describes
// is durable for Published and Finish, and before the action for Staged
// (temp files complete and synced, nothing renamed yet), so that the journal
// never claims more than the file system holds, except in ways recovery can
// check (temp files by hash).
package journal

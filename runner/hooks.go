package runner

import (
	"context"

	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/trainer"
)

// IngestEvents reads the events file at path to its end into store, for
// the attempt with that ID, by the path a running attempt's events take:
// the same tailer, decoder and batched writes. It exists so that
// runner/runbench can time ingestion alone, without a worker or a
// scheduler around it.
func IngestEvents(ctx context.Context, store *results.Store, attempt int64, path string) error {
	r := &Runner{store: store}
	tl := &tailer{path: path}
	defer tl.close()
	in := &ingester{spec: &trainer.Spec{}}
	for {
		before := tl.offset
		if err := r.drain(ctx, attempt, tl, in); err != nil {
			return err
		}
		if tl.offset == before {
			return nil
		}
	}
}

package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tiedlora/tiedlora-sweep/analysis"
	"github.com/tiedlora/tiedlora-sweep/plots"
	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/serve"
)

func newServeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve [FILE]",
		Short: "A live web dashboard of the sweeps under --runs (or one sweep), read-only",
		Long: `serve shows sweeps in a browser while they run: every sweep under --runs
with its progress; a sweep's task × method × rank matrix, counts, ETA,
throughput, the running attempts' live curves, failures with their logs,
and its report; each trial's spec, attempts, events, curves, predictions
and logs. Pages update from a server-sent event stream and work as plain
HTML without JavaScript. It only reads the databases.

It listens on loopback (127.0.0.1:8321) unless --addr says otherwise; an
address beyond loopback needs --token or --token-file, and every request
must then carry it (Authorization: Bearer TOKEN, or ?token=TOKEN once,
which sets a cookie). See docs/serve.md.`,
		Args:              cobra.MaximumNArgs(1),
		RunE:              runServe,
		ValidArgsFunction: sweepFileArgs,
	}
	f := cmd.Flags()
	f.String("db", "", "serve one database (default: every sweep under --runs, or FILE's)")
	f.String("runs", "runs", "directory that holds one folder per sweep")
	f.String("addr", "127.0.0.1:8321", "address to listen on; beyond loopback it needs a token")
	f.String("token", "", "token every request must carry (visible in ps: prefer --token-file or SWEEP_TOKEN)")
	f.String("token-file", "", "file whose first line is the token")
	f.Duration("interval", time.Second, "how often a watched sweep's database is polled for changes")
	f.String("baseline", analysis.DefaultBaseline, "method the report compares the others with")
	return cmd
}

func runServe(cmd *cobra.Command, args []string) error {
	v, err := settings(cmd)
	if err != nil {
		return err
	}
	token, err := serveToken(v.GetString("token"), v.GetString("token-file"))
	if err != nil {
		return err
	}
	addr := v.GetString("addr")
	if err := serve.CheckAddr(addr, token); err != nil {
		return badInput(err)
	}
	if v.GetDuration("interval") <= 0 {
		return badInput(fmt.Errorf("--interval must be positive, got %s", v.GetDuration("interval")))
	}
	opt := serve.Options{Token: token, Interval: v.GetDuration("interval"),
		Analysis: analysis.Options{Baseline: v.GetString("baseline"), Epsilon: analysis.DefaultEpsilon},
		Source:   func(s *results.Store) plots.Source { return keyedSource{s} }}
	if v.GetString("db") != "" || len(args) > 0 {
		db, err := resolveDB(v, args)
		if err != nil {
			return err
		}
		store, err := openReader(db)
		if err != nil {
			return err
		}
		name, err := store.SweepName(cmd.Context())
		store.Close()
		if err != nil || name == "" {
			name = filepath.Base(filepath.Dir(db))
		}
		opt.Sweeps = map[string]string{name: db}
	} else {
		opt.Runs = v.GetString("runs")
		if st, err := os.Stat(opt.Runs); err != nil || !st.IsDir() {
			return badInput(fmt.Errorf("--runs %s is not a directory", opt.Runs))
		}
	}
	srv, err := serve.New(opt)
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	sig := catchSignals(cmd.Context())
	defer sig.stop()
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	fmt.Fprintf(cmd.OutOrStdout(), "serving on http://%s/ (Ctrl-C stops)\n", ln.Addr())
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-sig.ctx.Done():
	}
	// Live streams never end by themselves: close them with the server.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	srv.Close()
	if err := hs.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return sig.err()
}

// serveToken is --token, else the first line of --token-file; giving both
// is ambiguous.
func serveToken(token, file string) (string, error) {
	if file == "" {
		return token, nil
	}
	if token != "" {
		return "", badInput(errors.New("give --token or --token-file, not both"))
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", badInput(fmt.Errorf("--token-file: %w", err))
	}
	t, _, _ := strings.Cut(string(b), "\n")
	t = strings.TrimSpace(t)
	if t == "" {
		return "", badInput(fmt.Errorf("--token-file %s is empty", file))
	}
	return t, nil
}

package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tiedlora/tiedlora-sweep/trainer"
)

func newMethodsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "methods",
		Short: "List the method catalogue with each method's parameter formula",
		Long: `List the method catalogue: for each adapter component (A, B, u, v)
whether it is trained or frozen, tied across layers or per layer, and its
initialisation; the trainable-parameter formula for a fused-QKV target
(d hidden size, L layers, r rank); and its status: verified in the paper or
public code, reconstructed, or the reference (the base model alone). Under
the table, each method's notes say what is verified, by what source, and
what is reconstructed (the pattern, the init).`,
		Args: cobra.NoArgs,
		RunE: runMethods,
	}
	cmd.Flags().Bool("json", false, "print JSON")
	cmd.Flags().Bool("all-tied", false, "list the patterns that `methods: [all-tied]` expands to")
	return cmd
}

type methodRow struct {
	trainer.Method
	// Notes is trainer.Method.Notes, which trial IDs leave out.
	Notes   string `json:"notes,omitempty"`
	Formula string `json:"formula"`
}

func runMethods(cmd *cobra.Command, _ []string) error {
	v, err := settings(cmd)
	if err != nil {
		return err
	}
	cat, err := trainer.DefaultCatalogue()
	if err != nil {
		return err
	}
	ms := cat.Methods()
	if v.GetBool("all-tied") {
		ms = cat.AllTied()
	}
	rows := make([]methodRow, len(ms))
	for i, m := range ms {
		rows[i] = methodRow{m, m.Notes, m.Formula()}
	}
	out := cmd.OutOrStdout()
	if v.GetBool("json") {
		return writeJSON(out, rows)
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "METHOD\tSTATUS\tA\tB\tu\tv\tTRAINABLE")
	for _, r := range rows {
		a, b, u, v := component(r.A), component(r.B), component(r.U), component(r.V)
		if r.Reference {
			a, b, u, v = "-", "-", "-", "-" // no adapter at all
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.Status, a, b, u, v, r.Formula)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// The notes are long: one line each under the table keeps it readable.
	fmt.Fprintln(out, "\nStatus, what is verified and by what source:")
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	for _, r := range rows {
		note := r.Notes
		if note == "" {
			note = r.Description
		}
		fmt.Fprintf(tw, "  %s\t%s\n", r.Name, note)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(out, "\nComponents: trained or frozen, tied (one for all layers) or per layer, then the init.")
	fmt.Fprintln(out, "TRAINABLE is for one fused-QKV target without grouped-query attention: d hidden size, L layers, r rank.")
	return nil
}

// component prints a component compactly: "trained tied zeros".
func component(c trainer.Component) string {
	train, tie := "frozen", "layer"
	if c.Train {
		train = "trained"
	}
	if c.Tied {
		tie = "tied"
	}
	return fmt.Sprintf("%s %s %s", train, tie, c.Init)
}

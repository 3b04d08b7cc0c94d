package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
)

// settings resolves a command's flags: flags > SWEEP_* environment >
// settings file (--settings, else $SWEEP_SETTINGS) > defaults. Values
// from the environment and the file go through the flag's own parser
// (strconv.ParseBool for booleans, so "yes" is an error, not false), so
// each source is as strict as the command line. The returned viper
// instance only reads the flags; there is no global one.
func settings(cmd *cobra.Command) (*viper.Viper, error) {
	if err := applySettings(cmd, os.LookupEnv); err != nil {
		return nil, err
	}
	v := viper.New()
	var bindErr error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if err := v.BindPFlag(f.Name, f); err != nil && bindErr == nil {
			bindErr = err
		}
	})
	if bindErr != nil {
		return nil, bindErr
	}
	return v, nil
}

// envName is the variable that sets flag name: SWEEP_SLURM_POLL for
// --slurm-poll.
func envName(name string) string {
	return "SWEEP_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// applySettings sets each flag the command line left alone from the
// environment, else from the settings file. A value that does not parse is
// bad input (exit status 2), named by its variable or file:line:col.
func applySettings(cmd *cobra.Command, lookup func(string) (string, bool)) error {
	fs := cmd.Flags()
	path, _ := fs.GetString("settings")
	if path == "" {
		path, _ = lookup("SWEEP_SETTINGS")
	}
	var file map[string]*yaml.Node
	if path != "" {
		var err error
		if file, err = readSettings(path, knownSettings(cmd.Root())); err != nil {
			return badInput(err)
		}
	}
	var errs []string
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Changed || f.Name == "settings" {
			return
		}
		// An empty variable is unset, as it was for viper.
		if val, ok := lookup(envName(f.Name)); ok && val != "" {
			if err := setFlag(fs, f, splitList(f, val)); err != nil {
				errs = append(errs, fmt.Sprintf("%s=%q: %v", envName(f.Name), val, err))
			}
			return
		}
		n, ok := file[f.Name]
		if !ok {
			return
		}
		vals, err := nodeValues(f, n)
		if err == nil {
			err = setFlag(fs, f, vals)
		}
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s:%d:%d: %s: %v", path, n.Line, n.Column, f.Name, err))
		}
	})
	if len(errs) > 0 {
		return badInput(errors.New(strings.Join(errs, "\n")))
	}
	return nil
}

// isList reports whether a flag holds several values (StringSlice,
// IntSlice, StringArray…).
func isList(f *pflag.Flag) bool {
	t := f.Value.Type()
	return strings.HasSuffix(t, "Slice") || strings.HasSuffix(t, "Array")
}

// splitList splits a list flag's environment value on commas and spaces
// (SWEEP_TARGETS="q,v" or "q v"); other flags keep the value whole.
func splitList(f *pflag.Flag, val string) []string {
	if !isList(f) {
		return []string{val}
	}
	return strings.FieldsFunc(val, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })
}

// setFlag sets f to vals as the command line would and marks it changed.
// Slices take their values at once (a second Set would append to the
// first); arrays take one per Set, as repeated flags do.
func setFlag(fs *pflag.FlagSet, f *pflag.Flag, vals []string) error {
	var err error
	if strings.HasSuffix(f.Value.Type(), "Array") {
		for _, v := range vals {
			if err = fs.Set(f.Name, v); err != nil {
				break
			}
		}
	} else {
		err = fs.Set(f.Name, strings.Join(vals, ","))
	}
	if err == nil {
		return nil
	}
	switch f.Value.Type() {
	case "bool":
		return errors.New("want true or false (or 1, 0)")
	case "int", "intSlice":
		return errors.New("want an integer")
	case "duration":
		return errors.New("want a duration such as 90s, 5m or 1h30m")
	}
	return err
}

// nodeValues turns a settings file's value into flag values: a scalar, or a
// sequence of scalars for a list flag.
func nodeValues(f *pflag.Flag, n *yaml.Node) ([]string, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		return splitList(f, n.Value), nil
	case yaml.SequenceNode:
		if !isList(f) {
			return nil, errors.New("want a single value, got a list")
		}
		var out []string
		for _, e := range n.Content {
			if e.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: want a value in the list", e.Line)
			}
			out = append(out, e.Value)
		}
		return out, nil
	}
	return nil, errors.New("want a value, got a mapping")
}

// knownSettings is every flag name of every command: one settings file can
// serve all of them, so a key that only another command reads is not an
// error, but a key no command has is.
func knownSettings(root *cobra.Command) map[string]bool {
	known := map[string]bool{}
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		add := func(f *pflag.Flag) { known[f.Name] = true }
		c.Flags().VisitAll(add)
		c.PersistentFlags().VisitAll(add)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	// These are about the command line itself.
	for _, k := range []string{"settings", "help", "version"} {
		delete(known, k)
	}
	return known
}

// readSettings reads a YAML settings file: a mapping from flag names to
// values. Every unknown key is reported with its line.
func readSettings(path string, known map[string]bool) (map[string]*yaml.Node, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("settings file: %w", err)
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil // an empty file sets nothing
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d:%d: want a mapping of setting names to values", path, root.Line, root.Column)
	}
	out := map[string]*yaml.Node{}
	var errs []string
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, val := root.Content[i], root.Content[i+1]
		if !known[k.Value] {
			msg := fmt.Sprintf("%s:%d:%d: unknown setting %q", path, k.Line, k.Column, k.Value)
			if alt := strings.ReplaceAll(strings.ToLower(k.Value), "_", "-"); known[alt] {
				msg += fmt.Sprintf(" (did you mean %q?)", alt)
			}
			errs = append(errs, msg)
			continue
		}
		if _, dup := out[k.Value]; dup {
			errs = append(errs, fmt.Sprintf("%s:%d:%d: %q is set twice", path, k.Line, k.Column, k.Value))
			continue
		}
		if val.Kind == yaml.ScalarNode && val.Tag == "!!null" {
			continue // `key:` with no value leaves the default
		}
		out[k.Value] = val
	}
	if len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, "\n"))
	}
	return out, nil
}

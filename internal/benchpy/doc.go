// Package benchpy finds the Python interpreter a benchmark's anchor runs
// in (Optuna, HF PEFT): those packages live in the project's .venv
// (scripts/deps test), not in Debian's python3, so the search starts
// there, as scripts/test does.
package benchpy

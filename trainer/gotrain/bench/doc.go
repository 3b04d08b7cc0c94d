// Package bench measures the Go trainer's training throughput on the
// configuration of torch_tiny_reference.py (a copy of
// shared/bench/torch_tiny_reference.py, embedded) and, when a python3 with
// torch is at hand, runs that script in the same run for the ratio.
package bench

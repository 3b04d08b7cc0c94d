// Command sweep plans, runs and reports parameter-efficient fine-tuning
// sweeps over the Tied-LoRA method family. This package only wires the
// cobra commands to the packages that do the work; it is the only place
// that exits.
package main

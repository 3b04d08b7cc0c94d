// Command bench runs every benchmark of the project and writes the table
// of docs/performance.md: each figure with the command that produced it and
// its ratio to the anchor measured in the same run (or to the goal, where
// the goal is the anchor). Run it from the repository root:
//
//	go run ./bench [-out docs/performance.md] [-skip trainer,…]
package main

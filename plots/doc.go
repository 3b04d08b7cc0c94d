// Package plots turns a sweep's analysis (package results) into what the
// Tied-LoRA paper prints: comparison tables relative to a baseline in
// Markdown, LaTeX and CSV, the rank-stability report, Pareto fronts, and
// charts drawn with gonum/plot as SVG and PNG, gathered in one
// self-contained index.html and a report.md.
package plots

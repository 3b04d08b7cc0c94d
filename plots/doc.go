// Package plots turns a sweep's finished analysis (package analysis) into
// what the Tied-LoRA paper prints: comparison tables relative to a
// baseline in Markdown, LaTeX and CSV, the rank-stability report, Pareto
// fronts, and charts drawn with gonum/plot as SVG and PNG, gathered in one
// self-contained index.html and a report.md.
//
// Load reads everything a report needs from the store first (through the
// small Source interface); Write then renders that input and reads
// nothing else.
package plots

// Package analysis turns a sweep's records (results.Records) into what a
// report prints: the selection protocol (the best hyper-parameters of each
// task, method, rank and seed on the selection split), per-cell statistics
// over seeds, the comparison tables against a baseline, rank-stability
// verdicts and Pareto fronts of trainable parameters against score.
//
// It does no I/O: the same records give the same analysis, which the
// report (package plots) renders without coming back.
package analysis

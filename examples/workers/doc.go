// Package workers tests the example workers that users copy: the minimal
// shell and Python workers in this folder speak the worker protocol and
// run under the sweep in sweep.yaml.
package workers

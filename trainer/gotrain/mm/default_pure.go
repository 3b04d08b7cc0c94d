//go:build !openblas

package mm

// Default is the backend this binary was built with: pure Go. Build with
// -tags openblas (cgo and libopenblas-dev) for OpenBLAS.
func Default() Backend { return Gonum{} }

// Backends lists every backend compiled in, the default first.
func Backends() []Backend { return []Backend{Gonum{}} }

//go:build openblas

package mm

// Default is the backend this binary was built with: OpenBLAS.
func Default() Backend { return OpenBLAS{} }

// Backends lists every backend compiled in, the default first.
func Backends() []Backend { return []Backend{OpenBLAS{}, Gonum{}} }

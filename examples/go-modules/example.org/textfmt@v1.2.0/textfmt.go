// Package textfmt formats a program's version line. It stands in for a
// third-party module: the tests and the demo serve it from a file module
// proxy (GOPROXY=file://...), so that Go builds run without the network.
package textfmt

import "fmt"

// Banner is the line `<program> --version` prints.
func Banner(program, version string) string {
	return fmt.Sprintf("%s version %s", program, version)
}

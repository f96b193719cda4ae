// go_agent is the Guest OS example Go agent: shaped like guest-agent's
// google_guest_agent (a main package in a subfolder, its version stamped in
// at build time with -X main.version=...).
package main

import (
	"fmt"
	"os"

	"example.org/textfmt"
)

var version = "dev"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "--version" {
		fmt.Println(textfmt.Banner("go_agent", version))
		return
	}
	fmt.Println("go_agent: the Guest OS example agent; --version prints its version")
}

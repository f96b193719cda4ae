// go-agent-plugins is the second program of the Go example: it lives in its
// own repository, built with go-agent as its "extra repo" (as
// google-guest-agent is built with guest-agent).
package main

import (
	"fmt"
	"os"

	"example.org/textfmt"
)

var version = "dev"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "--version" {
		fmt.Println(textfmt.Banner("go-agent-plugins", version))
		return
	}
	fmt.Println("go-agent-plugins: the Guest OS example plugin manager; --version prints its version")
}

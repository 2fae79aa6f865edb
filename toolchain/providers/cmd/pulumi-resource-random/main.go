// Command pulumi-resource-random is switchyard's compatible random provider.
package main

import (
	"fmt"
	"os"

	"github.com/switchyard/toolchain/providers/internal/core"
	"github.com/switchyard/toolchain/providers/internal/random"
)

// version is set with -ldflags "-X main.version=4.21.2".
var version string

func main() {
	if err := core.New("random", version, random.Resources()).Serve(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// Command pulumi-resource-command is switchyard's compatible command provider.
package main

import (
	"fmt"
	"os"

	"github.com/switchyard/toolchain/providers/internal/command"
	"github.com/switchyard/toolchain/providers/internal/core"
)

// version is set with -ldflags "-X main.version=1.2.1".
var version string

func main() {
	if err := core.New("command", version, command.Resources()).Serve(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

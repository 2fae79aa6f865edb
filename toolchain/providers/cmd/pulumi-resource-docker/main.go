// Command pulumi-resource-docker is switchyard's compatible docker provider
// (the subset switchyard uses), talking to Docker through the docker CLI.
package main

import (
	"fmt"
	"os"

	"github.com/switchyard/toolchain/providers/internal/core"
	"github.com/switchyard/toolchain/providers/internal/docker"
)

// version is set with -ldflags "-X main.version=5.2.0".
var version string

func main() {
	if err := core.New("docker", version, docker.Resources(), "host").Serve(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// Command pulumi-language-nodejs is switchyard's own Pulumi language host for Node.js programs.
//
// The official host (module github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) is not
// available from the Go module proxy we can reach, so this is a small, independent implementation of the
// LanguageRuntime gRPC service that is sufficient for `pulumi preview/up/refresh/destroy` of a TypeScript
// program and for running Node.js policy packs (`--policy-pack`) through RunPlugin.
//
// Launch protocol (what the engine expects from every plugin): the engine starts us as
//
//	pulumi-language-nodejs [--logtostderr] [-v=N] [--tracing URL] ENGINE_ADDRESS
//
// and reads one line from our stdout: the TCP port our gRPC server listens on. Everything we print after
// that line (and everything on stderr) is shown to the user as plugin output.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// version is stamped at build time (-ldflags "-X main.version=..."). The "+switchyard" build metadata
// makes it visible in `pulumi about` that this is not the official host.
var version = "3.259.0+switchyard"

func main() {
	fs := flag.NewFlagSet("pulumi-language-nodejs", flag.ExitOnError)
	tracing := fs.String("tracing", "", "Zipkin-compatible tracing endpoint (accepted for compatibility, unused)")
	root := fs.String("root", "", "project root directory (accepted for compatibility, unused)")
	showVersion := fs.Bool("version", false, "print the plugin version and exit")
	// The engine forwards its own logging flags to plugins.
	logToStderr := fs.Bool("logtostderr", false, "log to stderr")
	verbose := fs.Int("v", 0, "log verbosity")
	_ = fs.Parse(os.Args[1:])
	_ = root

	if *showVersion {
		fmt.Println(version)
		return
	}
	logging.InitLogging(*logToStderr, *verbose, false)

	var engineAddress string
	if fs.NArg() > 0 {
		engineAddress = fs.Arg(0)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cancel := make(chan bool)
	go func() {
		<-ctx.Done()
		close(cancel)
	}()

	if engineAddress != "" {
		// Exit when the engine goes away, so we never outlive the CLI that started us.
		if err := rpcutil.Healthcheck(ctx, engineAddress, 5*time.Minute, stop); err != nil {
			fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: could not start engine health check: %v\n", err)
			os.Exit(1)
		}
	}

	host := newHost(engineAddress, *tracing)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: could not start gRPC server: %v\n", err)
		os.Exit(1)
	}

	// The single line the engine waits for.
	fmt.Printf("%d\n", handle.Port)

	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: gRPC server stopped: %v\n", err)
		os.Exit(1)
	}
}

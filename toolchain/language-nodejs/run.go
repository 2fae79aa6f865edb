package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"time"

	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

const (
	// Exit code with which @pulumi/pulumi's cmd/run says "I already reported the error to the user":
	// the engine must stop without printing anything more (RunResponse.Bail).
	exitCodeErrorAlreadyReported = 32

	defaultRunModule       = "@pulumi/pulumi/cmd/run"
	defaultRunPluginModule = "@pulumi/pulumi/cmd/run-plugin"
	defaultRunPolicyModule = "@pulumi/pulumi/cmd/run-policy-pack"
	runPathOverrideEnv     = "PULUMI_LANGUAGE_NODEJS_RUN_PATH"
	analyzerKind           = "analyzer"
	interruptGracePeriod   = 5 * time.Second
)

// Run executes the program with node through @pulumi/pulumi's cmd/run, which connects back to the
// engine's resource monitor. Program failures are reported in RunResponse (never as a gRPC error): the
// SDK has normally already logged the message through the engine, in which case it exits with code 32
// and we answer Bail so the engine does not print a second, generic message.
func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: "could not find node on $PATH: " + err.Error()}, nil
	}
	dir := programDir(req.GetInfo(), req.GetPwd())
	opts, err := parseOptions(req.GetInfo())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	runModule := os.Getenv(runPathOverrideEnv)
	if runModule == "" {
		runModule = defaultRunModule
	}
	runPath, err := locateModule(ctx, nodeBin, dir, runModule)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	env, err := runEnv(os.Environ(), req, opts)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	args := append(append([]string{}, opts.nodeargs...), runArgs(req, runPath, dir, h.engine(), h.tracing)...)

	cmdCtx, cancel := context.WithCancel(h.cancelCtx)
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()

	cmd := exec.CommandContext(cmdCtx, nodeBin, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = interruptGracePeriod
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout = plainWriter{os.Stdout}
	cmd.Stderr = plainWriter{os.Stderr}
	logging.V(5).Infof("language host running: %s %v (in %s)", nodeBin, args, dir)

	err = cmd.Run()
	_ = os.Stdout.Sync()
	_ = os.Stderr.Sync()
	return runResponseFor(err), nil
}

// runResponseFor turns the outcome of the node process into the engine's RunResponse.
func runResponseFor(err error) *pulumirpc.RunResponse {
	if err == nil {
		return &pulumirpc.RunResponse{}
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		switch code := exitErr.ExitCode(); code {
		case exitCodeErrorAlreadyReported:
			return &pulumirpc.RunResponse{Bail: true}
		case -1:
			return &pulumirpc.RunResponse{Error: "Program was terminated: " + exitErr.Error()}
		default:
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", code)}
		}
	}
	return &pulumirpc.RunResponse{Error: "Problem executing program (could not run node): " + err.Error()}
}

// runArgs builds the command line understood by @pulumi/pulumi/cmd/run (see its usage text).
func runArgs(req *pulumirpc.RunRequest, runPath, dir, engine, tracing string) []string {
	args := []string{runPath}
	add := func(flag, v string) {
		if v != "" {
			args = append(args, "--"+flag, v)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", engine)
	add("organization", req.GetOrganization())
	add("project", req.GetProject())
	add("root-directory", req.GetInfo().GetRootDirectory())
	add("stack", req.GetStack())
	add("pwd", dir)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if req.GetParallel() > 0 {
		add("parallel", strconv.Itoa(int(req.GetParallel())))
	}
	add("tracing", tracing)
	entry := req.GetInfo().GetEntryPoint()
	if entry == "" {
		entry = req.GetProgram() // deprecated field, older engines
	}
	if entry == "" {
		entry = "."
	}
	args = append(args, entry)
	return append(args, req.GetArgs()...)
}

// runEnv adds what @pulumi/pulumi reads from the environment: the stack configuration (a JSON object of
// "project:key" -> string value), the list of secret keys, and the TypeScript switches.
func runEnv(base []string, req *pulumirpc.RunRequest, opts nodeOptions) ([]string, error) {
	cfg := req.GetConfig()
	if cfg == nil {
		cfg = map[string]string{}
	}
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("serialising configuration: %w", err)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	keysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("serialising secret keys: %w", err)
	}
	env := append(append([]string{}, base...),
		"PULUMI_CONFIG="+string(cfgJSON),
		"PULUMI_CONFIG_SECRET_KEYS="+string(keysJSON))
	return append(env, typeScriptEnv(opts)...), nil
}

func typeScriptEnv(opts nodeOptions) []string {
	var env []string
	if opts.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}
	return env
}

// RunPlugin runs a plugin written in Node.js: a policy pack (kind "analyzer", through
// @pulumi/pulumi/cmd/run-policy-pack) or a provider/tool plugin (through cmd/run-plugin). The plugin's
// stdout/stderr are streamed back to the engine; the first stdout line is the plugin's gRPC port.
//
// Policy packs built on @pulumi/policy read the stack's project, stack name and configuration from the
// environment at start-up, but the engine only sends them later, through the analyzer's ConfigureStack
// call. So, as the official host does, we first serve a proxy analyzer (sdk.PolicyProxy) whose port is
// what the engine sees; once the engine has sent ConfigureStack we start node with that configuration in
// its environment, and the proxy forwards every further analyzer call to the real policy pack.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	ctx := server.Context()
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return fmt.Errorf("could not find node on $PATH: %w", err)
	}
	info := req.GetInfo()
	dir := programDir(info, req.GetPwd())
	opts, err := parseOptions(info)
	if err != nil {
		return err
	}
	isAnalyzer := req.GetKind() == analyzerKind

	module := defaultRunPluginModule
	if isAnalyzer {
		module = defaultRunPolicyModule
	} else if o := os.Getenv(runPathOverrideEnv); o != "" {
		module = o
	}
	runPath, err := locateModule(ctx, nodeBin, dir, module)
	if err != nil {
		return err
	}

	args := append(append([]string{}, opts.nodeargs...), runPath)
	if isAnalyzer {
		// run-policy-pack: <engine-address> <policy pack dir>; the engine's args end with its address.
		args = append(append(args, req.GetArgs()...), dir)
	} else {
		// run-plugin: <plugin dir> [plugin args...]
		args = append(append(args, dir), req.GetArgs()...)
	}
	env := append(append([]string{}, req.GetEnv()...), typeScriptEnv(opts)...)

	var proxy *sdk.PolicyProxy
	if isAnalyzer {
		proxy, stdout, err = sdk.NewPolicyProxy(ctx, stdout)
		if err != nil {
			return fmt.Errorf("starting policy pack proxy: %w", err)
		}
		stackCfg, err := proxy.AwaitConfiguration(ctx)
		if err != nil {
			return fmt.Errorf("waiting for the stack configuration from the engine: %w", err)
		}
		env, err = policyEnv(env, stackCfg)
		if err != nil {
			return err
		}
	}

	cmdCtx, cancel := context.WithCancel(h.cancelCtx)
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	cmd := exec.CommandContext(cmdCtx, nodeBin, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = interruptGracePeriod
	// Policy packs have always run from their own directory (so their node_modules are used).
	if isAnalyzer || req.GetPwd() == "" {
		cmd.Dir = dir
	} else {
		cmd.Dir = req.GetPwd()
	}
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = stdout, stderr
	logging.V(5).Infof("language host running plugin %q: %s %v (in %s)", req.GetName(), nodeBin, args, cmd.Dir)

	if proxy != nil {
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("starting policy pack: %w", err)
		}
		// Attach reads the pack's port, connects, replays ConfigureStack, then waits for the process.
		err = proxy.Attach(ctx, cmd)
	} else {
		err = cmd.Run()
	}
	return h.finishPlugin(server, closer, err)
}

// finishPlugin reports the plugin's exit code on the stream; an error is returned only when node could
// not be run at all.
func (h *host) finishPlugin(server pulumirpc.LanguageRuntime_RunPluginServer, closer io.Closer, err error) error {
	code := 0
	if err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return fmt.Errorf("problem running plugin with node: %w", err)
		}
		code = exitErr.ExitCode()
	}
	if cerr := closer.Close(); cerr != nil {
		return cerr
	}
	return server.Send(&pulumirpc.RunPluginResponse{
		Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(code)},
	})
}

// policyEnv passes the stack identity and configuration to a policy pack the way @pulumi/pulumi's
// runtime reads them (PULUMI_NODEJS_* and PULUMI_CONFIG*).
func policyEnv(env []string, c *pulumirpc.AnalyzerStackConfigureRequest) ([]string, error) {
	if c == nil {
		return env, nil
	}
	add := func(k, v string) {
		if v != "" {
			env = append(env, k+"="+v)
		}
	}
	add("PULUMI_NODEJS_ORGANIZATION", c.GetOrganization())
	add("PULUMI_NODEJS_PROJECT", c.GetProject())
	add("PULUMI_NODEJS_STACK", c.GetStack())
	add("PULUMI_NODEJS_DRY_RUN", strconv.FormatBool(c.GetDryRun()))
	if c.GetConfig() != nil {
		b, err := json.Marshal(c.GetConfig())
		if err != nil {
			return nil, fmt.Errorf("serialising stack configuration for the policy pack: %w", err)
		}
		add("PULUMI_CONFIG", string(b))
	}
	if keys := c.GetConfigSecretKeys(); len(keys) > 0 {
		b, err := json.Marshal(keys)
		if err != nil {
			return nil, err
		}
		add("PULUMI_CONFIG_SECRET_KEYS", string(b))
	}
	return env, nil
}

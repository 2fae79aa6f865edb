package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// host implements pulumirpc.LanguageRuntimeServer. Methods not defined here (GenerateProgram,
// GenerateProject, GeneratePackage, Pack, Link, Template, RuntimeOptionsPrompts, RunPlugin2) fall through
// to the embedded Unimplemented server and answer codes.Unimplemented.
type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	mu            sync.Mutex
	engineAddress string
	tracing       string

	// cancelled by the Cancel RPC; every child process we start is tied to it.
	cancelCtx  context.Context
	cancelFunc context.CancelFunc
}

func newHost(engineAddress, tracing string) *host {
	ctx, cancel := context.WithCancel(context.Background())
	return &host{engineAddress: engineAddress, tracing: tracing, cancelCtx: ctx, cancelFunc: cancel}
}

func (h *host) engine() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.engineAddress
}

// Handshake is only sent when the engine attaches to an already running host (PULUMI_DEBUG_LANGUAGES);
// it carries the engine address that we otherwise get on the command line.
func (h *host) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.engineAddress = req.GetEngineAddress()
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// Cancel stops every node process started by Run or RunPlugin (SIGINT, then SIGKILL after a grace period).
func (h *host) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	h.cancelFunc()
	return &emptypb.Empty{}, nil
}

// GetRequiredPlugins is deprecated; the engine falls back to it only when GetRequiredPackages answers
// Unimplemented, which ours never does. We still answer it from the same scan.
func (h *host) GetRequiredPlugins(
	_ context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	dir := programDir(req.GetInfo(), req.GetPwd())
	pkgs := scanPackagesLogged(dir)
	out := make([]*pulumirpc.PluginDependency, 0, len(pkgs))
	for _, p := range pkgs {
		out = append(out, &pulumirpc.PluginDependency{Name: p.Name, Kind: "resource", Version: p.Version, Server: p.Server})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: out}, nil
}

func (h *host) GetRequiredPackages(
	_ context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	dir := programDir(req.GetInfo(), "")
	pkgs := scanPackagesLogged(dir)
	out := make([]*pulumirpc.PackageDependency, 0, len(pkgs))
	for _, p := range pkgs {
		dep := &pulumirpc.PackageDependency{Name: p.Name, Kind: "resource", Version: p.Version, Server: p.Server}
		if p.Parameterization != nil {
			dep.Parameterization = &pulumirpc.PackageParameterization{
				Name: p.Parameterization.Name, Version: p.Parameterization.Version, Value: p.Parameterization.Value,
			}
		}
		out = append(out, dep)
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: out}, nil
}

// scanPackagesLogged returns what the scan found; unreadable or malformed package.json files are logged
// (visible with -v=3 --logflow) rather than failing the whole operation, as one broken package should not
// stop a deployment that may not even use it.
func scanPackagesLogged(dir string) []requiredPackage {
	pkgs, err := scanPackages(dir)
	if err != nil {
		logging.V(3).Infof("one or more errors while scanning %s for Pulumi packages: %v", dir, err)
	}
	return pkgs
}

// About reports the node binary and its version.
func (h *host) About(ctx context.Context, _ *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, status.Errorf(codes.FailedPrecondition, "could not find node on $PATH: %v", err)
	}
	out, err := exec.CommandContext(ctx, node, "--version").Output()
	if err != nil {
		return nil, status.Errorf(codes.Internal, "running %s --version: %v", node, err)
	}
	return &pulumirpc.AboutResponse{
		Executable: node,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
		Metadata:   map[string]string{"languageHost": "switchyard pulumi-language-nodejs " + version},
	}, nil
}

// GetProgramDependencies lists the npm dependencies declared in the program's package.json with the
// versions actually installed in node_modules (or every installed package when transitive is requested).
func (h *host) GetProgramDependencies(
	_ context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir := programDir(req.GetInfo(), req.GetPwd())
	deps, err := programDependencies(dir, req.GetTransitiveDependencies())
	if err != nil {
		return nil, status.Errorf(codes.FailedPrecondition, "%v", err)
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}

// InstallDependencies runs `npm install` in the program directory unless node_modules is already
// present there (or in a parent directory, which Node's resolution would use), in which case it says so
// and does nothing: switchyard installs its npm packages once, at the repository root.
func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()

	dir := programDir(req.GetInfo(), req.GetDirectory())
	opts, err := parseOptions(req.GetInfo())
	if err != nil {
		return err
	}
	if opts.packageManager != "" && opts.packageManager != "npm" && opts.packageManager != "auto" {
		return fmt.Errorf("packagemanager %q is not supported by switchyard's language host (only npm)",
			opts.packageManager)
	}
	if nm, ok := findNodeModules(dir); ok {
		fmt.Fprintf(stdout, "node_modules already present at %s; skipping npm install\n", nm)
		return closer.Close()
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return fmt.Errorf("no node_modules under %s and npm is not on $PATH: %w", dir, err)
	}
	fmt.Fprintf(stdout, "Installing dependencies in %s with npm install...\n", dir)
	cmd := exec.CommandContext(server.Context(), npm, "install")
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm install in %s failed: %w", dir, err)
	}
	fmt.Fprintln(stdout, "Finished installing dependencies")
	return closer.Close()
}

// programDir picks the program directory from ProgramInfo, falling back to the deprecated pwd field.
func programDir(info *pulumirpc.ProgramInfo, fallback string) string {
	if info != nil && info.GetProgramDirectory() != "" {
		return info.GetProgramDirectory()
	}
	if fallback != "" {
		return fallback
	}
	wd, _ := os.Getwd()
	return wd
}

// findNodeModules returns the first node_modules directory at or above dir.
func findNodeModules(dir string) (string, bool) {
	d, err := filepath.Abs(dir)
	if err != nil {
		return "", false
	}
	for {
		nm := filepath.Join(d, "node_modules")
		if fi, err := os.Stat(nm); err == nil && fi.IsDir() {
			return nm, true
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", false
		}
		d = parent
	}
}

// nodeOptions are the `runtime.options` of Pulumi.yaml / PulumiPolicy.yaml that we honour.
type nodeOptions struct {
	typescript     bool
	tsconfig       string
	nodeargs       []string
	packageManager string
}

func parseOptions(info *pulumirpc.ProgramInfo) (nodeOptions, error) {
	opts := nodeOptions{typescript: true}
	if info == nil || info.GetOptions() == nil {
		return opts, nil
	}
	m := info.GetOptions().AsMap()
	if v, ok := m["typescript"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return opts, fmt.Errorf("runtime option 'typescript' must be a boolean, got %T", v)
		}
		opts.typescript = b
	}
	if v, ok := m["tsconfig"]; ok {
		s, isString := v.(string)
		if !isString {
			return opts, fmt.Errorf("runtime option 'tsconfig' must be a string, got %T", v)
		}
		opts.tsconfig = s
	}
	if v, ok := m["nodeargs"]; ok {
		s, isString := v.(string)
		if !isString {
			return opts, fmt.Errorf("runtime option 'nodeargs' must be a string, got %T", v)
		}
		args, err := splitArgs(s)
		if err != nil {
			return opts, fmt.Errorf("runtime option 'nodeargs': %w", err)
		}
		opts.nodeargs = args
	}
	if v, ok := m["packagemanager"]; ok {
		s, isString := v.(string)
		if !isString {
			return opts, fmt.Errorf("runtime option 'packagemanager' must be a string, got %T", v)
		}
		opts.packageManager = s
	}
	return opts, nil
}

// splitArgs splits a command line on blanks, honouring single and double quotes (no escapes inside
// single quotes, backslash escapes elsewhere).
func splitArgs(s string) ([]string, error) {
	var args []string
	var cur strings.Builder
	inWord := false
	var quote rune
	escaped := false
	for _, r := range s {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\\':
			escaped, inWord = true, true
		case quote == '"':
			if r == '"' {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				args = append(args, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 || escaped {
		return nil, fmt.Errorf("unterminated quote or escape in %q", s)
	}
	if inWord {
		args = append(args, cur.String())
	}
	return args, nil
}

// locateModule asks node itself where a module resolves from dir, so that symlinked or hoisted
// node_modules work exactly as they will when the program runs.
func locateModule(ctx context.Context, nodeBin, dir, module string) (string, error) {
	script := fmt.Sprintf(`try { console.log(require.resolve(%q)); } catch (e) { `+
		`console.error(e.code === "MODULE_NOT_FOUND" ? "cannot find module %s from %s: is @pulumi/pulumi installed (npm install)?" : e.message); process.exit(1); }`,
		module, module, dir)
	cmd := exec.CommandContext(ctx, nodeBin, "-e", script)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return "", errors.New(msg)
	}
	return strings.TrimSpace(string(out)), nil
}

// plainWriter hides the *os.File behind an io.Writer so that exec copies child output through a pipe:
// node may switch an inherited stdout/stderr fd to non-blocking mode, which breaks our own later writes.
type plainWriter struct{ w io.Writer }

func (p plainWriter) Write(b []byte) (int, error) { return p.w.Write(b) }

// packageJSON holds the package.json fields we read.
type packageJSON struct {
	Name            string            `json:"name"`
	Version         string            `json:"version"`
	Dependencies    map[string]string `json:"dependencies"`
	DevDependencies map[string]string `json:"devDependencies"`
	Pulumi          *pulumiField      `json:"pulumi"`
}

type pulumiField struct {
	Resource         bool                `json:"resource"`
	Name             string              `json:"name"`
	Version          string              `json:"version"`
	Server           string              `json:"server"`
	Parameterization *parameterizationJS `json:"parameterization"`
}

type parameterizationJS struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Value   []byte `json:"value"` // base64 in JSON, decoded by encoding/json
}

func readPackageJSON(path string) (*packageJSON, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p packageJSON
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path, err)
	}
	return &p, nil
}

func programDependencies(dir string, transitive bool) ([]*pulumirpc.DependencyInfo, error) {
	nm, ok := findNodeModules(dir)
	if !ok {
		return nil, fmt.Errorf("no node_modules at or above %s: run npm install", dir)
	}
	installed := func(name string) string {
		p, err := readPackageJSON(filepath.Join(nm, filepath.FromSlash(name), "package.json"))
		if err != nil {
			return ""
		}
		return p.Version
	}
	var names []string
	if transitive {
		entries, err := os.ReadDir(nm)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			n := e.Name()
			if strings.HasPrefix(n, ".") {
				continue
			}
			if strings.HasPrefix(n, "@") {
				scoped, err := os.ReadDir(filepath.Join(nm, n))
				if err != nil {
					continue
				}
				for _, s := range scoped {
					names = append(names, n+"/"+s.Name())
				}
				continue
			}
			names = append(names, n)
		}
	} else {
		pj, err := findPackageJSON(dir)
		if err != nil {
			return nil, err
		}
		for n := range pj.Dependencies {
			names = append(names, n)
		}
		for n := range pj.DevDependencies {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	out := make([]*pulumirpc.DependencyInfo, 0, len(names))
	for _, n := range names {
		v := installed(n)
		if v == "" {
			if transitive {
				continue // not a package directory
			}
			v = "(not installed)"
		}
		out = append(out, &pulumirpc.DependencyInfo{Name: n, Version: v})
	}
	return out, nil
}

// findPackageJSON returns the closest package.json at or above dir.
func findPackageJSON(dir string) (*packageJSON, error) {
	d, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	for {
		p := filepath.Join(d, "package.json")
		if _, err := os.Stat(p); err == nil {
			return readPackageJSON(p)
		}
		parent := filepath.Dir(d)
		if parent == d {
			return nil, fmt.Errorf("no package.json at or above %s", dir)
		}
		d = parent
	}
}

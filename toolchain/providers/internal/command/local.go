// Package command implements command:local:Command compatibly with
// pulumi-command 1.2.x: triggers replace, every other input change is an
// in-place update that runs `update` (or `create` again when `update` is not
// set), delete runs `delete` with the previous outputs in the environment,
// any secret input makes stdout/stderr secret.
package command

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/switchyard/toolchain/providers/internal/core"
)

// Token is the resource type token.
const Token = "command:local:Command"

// Fields are the inputs of local.Command; only triggers replaces.
var Fields = []core.Field{
	{Name: "triggers", ForceNew: true},
	{Name: "create"},
	{Name: "update"},
	{Name: "delete"},
	{Name: "environment"},
	{Name: "dir"},
	{Name: "interpreter"},
	{Name: "stdin"},
	{Name: "logging"},
	{Name: "addPreviousOutputInEnv", Default: true},
	{Name: "assetPaths"},
	{Name: "archivePaths"},
}

// Local is the command:local:Command resource.
type Local struct{}

// Inputs are the decoded inputs.
type Inputs struct {
	Create                 *string           `json:"create"`
	Update                 *string           `json:"update"`
	Delete                 *string           `json:"delete"`
	Environment            map[string]string `json:"environment"`
	Dir                    *string           `json:"dir"`
	Interpreter            []string          `json:"interpreter"`
	Stdin                  *string           `json:"stdin"`
	Logging                *string           `json:"logging"`
	AddPreviousOutputInEnv *bool             `json:"addPreviousOutputInEnv"`
}

var loggingValues = map[string]bool{"stdout": true, "stderr": true, "stdoutAndStderr": true, "none": true}

// Check validates and fills addPreviousOutputInEnv's default.
func (Local) Check(_ core.Ctx, _, news resource.PropertyMap) (resource.PropertyMap, []core.CheckFailure, error) {
	out := news.Copy()
	var failures []core.CheckFailure
	if !core.Has(out, "addPreviousOutputInEnv") {
		out["addPreviousOutputInEnv"] = resource.NewBoolProperty(true)
	}
	if core.Has(news, "logging") && !core.IsUnknown(news, "logging") {
		if l := core.Str(news, "logging", ""); !loggingValues[l] {
			failures = append(failures, core.CheckFailure{Property: "logging",
				Reason: fmt.Sprintf("logging must be one of stdout, stderr, stdoutAndStderr, none; got %q", l)})
		}
	}
	for _, k := range []string{"assetPaths", "archivePaths"} {
		if core.Has(news, k) {
			failures = append(failures, core.CheckFailure{Property: k,
				Reason: k + " is not supported by switchyard's command provider; read the files in the program instead"})
		}
	}
	return out, failures, nil
}

// Diff compares inputs only; triggers replace, the rest update.
func (Local) Diff(_ core.Ctx, _ string, olds, news, _ resource.PropertyMap) (core.DiffResult, error) {
	return core.DiffFields(Fields, olds, news), nil
}

func decode(m resource.PropertyMap) (Inputs, error) {
	var in Inputs
	if err := core.Decode(m, &in); err != nil {
		return in, fmt.Errorf("decoding command inputs: %w", err)
	}
	return in, nil
}

// outputs builds the state: the inputs as given plus stdout/stderr, which
// are secret when any input is.
func outputs(news resource.PropertyMap, stdout, stderr resource.PropertyValue) resource.PropertyMap {
	secret := core.AnySecret(news)
	outs := news.Copy()
	outs["stdout"] = core.Secretify(stdout, secret)
	outs["stderr"] = core.Secretify(stderr, secret)
	return outs
}

// Create runs `create` (nothing in preview).
func (Local) Create(ctx core.Ctx, news resource.PropertyMap, preview bool) (string, resource.PropertyMap, error) {
	id, err := resource.NewUniqueHex(string(ctx.URN.Name()), 8, 0)
	if err != nil {
		return "", nil, err
	}
	if preview {
		return id, outputs(news, core.Computed(), core.Computed()), nil
	}
	in, err := decode(news)
	if err != nil {
		return "", nil, err
	}
	var stdout, stderr string
	if in.Create != nil {
		stdout, stderr, err = Run(ctx, *in.Create, in, "", "")
		if err != nil {
			return "", nil, err
		}
	}
	return id, outputs(news, resource.NewStringProperty(stdout), resource.NewStringProperty(stderr)), nil
}

// Read returns the state unchanged (a local command has nothing to refresh).
func (Local) Read(_ core.Ctx, id string, state, inputs resource.PropertyMap) (string, resource.PropertyMap, resource.PropertyMap, error) {
	if len(inputs) == 0 {
		inputs = resource.PropertyMap{}
		for _, f := range Fields {
			if v, ok := state[resource.PropertyKey(f.Name)]; ok {
				inputs[resource.PropertyKey(f.Name)] = v
			}
		}
	}
	return id, state, inputs, nil
}

// Update runs `update`, or `create` when update is not set.
func (Local) Update(ctx core.Ctx, _ string, olds, news, _ resource.PropertyMap, preview bool) (resource.PropertyMap, error) {
	if preview {
		return outputs(news, core.Computed(), core.Computed()), nil
	}
	in, err := decode(news)
	if err != nil {
		return nil, err
	}
	prevOut, prevErr := core.Str(olds, "stdout", ""), core.Str(olds, "stderr", "")
	cmd := in.Create
	if in.Update != nil {
		cmd = in.Update
	}
	if cmd == nil {
		return outputs(news, resource.NewStringProperty(prevOut), resource.NewStringProperty(prevErr)), nil
	}
	stdout, stderr, err := Run(ctx, *cmd, in, prevOut, prevErr)
	if err != nil {
		return nil, err
	}
	return outputs(news, resource.NewStringProperty(stdout), resource.NewStringProperty(stderr)), nil
}

// Delete runs `delete` with the previous outputs in the environment.
func (Local) Delete(ctx core.Ctx, _ string, state resource.PropertyMap) error {
	in, err := decode(state)
	if err != nil {
		return err
	}
	if in.Delete == nil {
		return nil
	}
	_, _, err = Run(ctx, *in.Delete, in, core.Str(state, "stdout", ""), core.Str(state, "stderr", ""))
	return err
}

// Run runs command through the interpreter (default /bin/sh -c) and returns
// stdout and stderr without their final newline. A failure returns an error
// that carries the command's combined output.
func Run(ctx core.Ctx, command string, in Inputs, prevStdout, prevStderr string) (string, string, error) {
	args := []string{"/bin/sh", "-c"}
	if len(in.Interpreter) > 0 {
		args = append([]string{}, in.Interpreter...)
	}
	args = append(args, command)
	c := exec.CommandContext(ctx.Context, args[0], args[1:]...)
	if in.Dir != nil {
		c.Dir = *in.Dir
	} else if wd, err := os.Getwd(); err == nil {
		c.Dir = wd
	}
	c.Env = os.Environ()
	keys := make([]string, 0, len(in.Environment))
	for k := range in.Environment {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		c.Env = append(c.Env, k+"="+in.Environment[k])
	}
	if in.AddPreviousOutputInEnv == nil || *in.AddPreviousOutputInEnv {
		if prevStdout != "" {
			c.Env = append(c.Env, "PULUMI_COMMAND_STDOUT="+prevStdout)
		}
		if prevStderr != "" {
			c.Env = append(c.Env, "PULUMI_COMMAND_STDERR="+prevStderr)
		}
	}
	if in.Stdin != nil && *in.Stdin != "" {
		c.Stdin = strings.NewReader(*in.Stdin)
	}
	logging := "stdoutAndStderr"
	if in.Logging != nil {
		logging = *in.Logging
	}
	var stdout, stderr bytes.Buffer
	combined := &lockedBuffer{}
	logR, logW := io.Pipe()
	outW := []io.Writer{&stdout, combined}
	errW := []io.Writer{&stderr, combined}
	if logging == "stdout" || logging == "stdoutAndStderr" {
		outW = append(outW, logW)
	}
	if logging == "stderr" || logging == "stdoutAndStderr" {
		errW = append(errW, logW)
	}
	c.Stdout = io.MultiWriter(outW...)
	c.Stderr = io.MultiWriter(errW...)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(logR)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			ctx.Log(diag.Info, sc.Text())
		}
		_, _ = io.Copy(io.Discard, logR)
	}()
	err := c.Run()
	_ = logW.Close()
	<-done
	if err != nil {
		return "", "", fmt.Errorf("%w: running %q:\n%s", err, command, combined.String())
	}
	return strings.TrimSuffix(stdout.String(), "\n"), strings.TrimSuffix(stderr.String(), "\n"), nil
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Resources maps the type token.
func Resources() map[string]core.Resource {
	return map[string]core.Resource{Token: Local{}}
}

var _ = context.Background

// Package docker implements the subset of the pulumi-docker 5.2.0 resources
// switchyard uses. It speaks the Docker Engine API through the docker CLI
// (`docker system dial-stdio`), so DOCKER_HOST may be unix://, tcp:// or
// ssh://user@host exactly as for the CLI; images are pulled with `docker pull`.
package docker

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

const apiVersion = "v1.41" // Docker 20.10+

// Client talks to one Docker daemon.
type Client struct {
	Host string // DOCKER_HOST value, "" for the CLI default
	http *http.Client
}

// NewClient returns a client for host ("" = the docker CLI's default).
func NewClient(host string) *Client {
	c := &Client{Host: host}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return dialStdio(host)
		},
		MaxIdleConns:        4,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
		MaxIdleConnsPerHost: 4,
	}
	c.http = &http.Client{Transport: tr}
	return c
}

// env is the environment for docker CLI processes.
func (c *Client) env() []string {
	env := os.Environ()
	if c.Host != "" {
		env = append(env, "DOCKER_HOST="+c.Host)
	}
	return env
}

// CLI runs the docker CLI with args and returns its combined output.
func (c *Client) CLI(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Env = c.env()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("docker %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

type stdioConn struct {
	cmd    *exec.Cmd
	r      io.ReadCloser
	w      io.WriteCloser
	stderr *bytes.Buffer
	once   sync.Once
}

func dialStdio(host string) (net.Conn, error) {
	cmd := exec.Command("docker", "system", "dial-stdio")
	cmd.Env = os.Environ()
	if host != "" {
		cmd.Env = append(cmd.Env, "DOCKER_HOST="+host)
	}
	w, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	r, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot run the docker CLI (is it installed and on PATH?): %w", err)
	}
	return &stdioConn{cmd: cmd, r: r, w: w, stderr: &stderr}, nil
}

func (c *stdioConn) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err == io.EOF && n == 0 && c.stderr.Len() > 0 {
		return 0, fmt.Errorf("docker system dial-stdio: %s", strings.TrimSpace(c.stderr.String()))
	}
	return n, err
}
func (c *stdioConn) Write(p []byte) (int, error) { return c.w.Write(p) }
func (c *stdioConn) Close() error {
	c.once.Do(func() {
		_ = c.w.Close()
		_ = c.r.Close()
		if c.cmd.Process != nil {
			_ = c.cmd.Process.Kill()
		}
		_ = c.cmd.Wait()
	})
	return nil
}
func (c *stdioConn) LocalAddr() net.Addr                { return dummyAddr{} }
func (c *stdioConn) RemoteAddr() net.Addr               { return dummyAddr{} }
func (c *stdioConn) SetDeadline(t time.Time) error      { return nil }
func (c *stdioConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *stdioConn) SetWriteDeadline(t time.Time) error { return nil }

type dummyAddr struct{}

func (dummyAddr) Network() string { return "docker" }
func (dummyAddr) String() string  { return "docker" }

// APIError is an error answer of the Engine API.
type APIError struct {
	Status  int
	Message string
	Op      string
}

func (e *APIError) Error() string { return fmt.Sprintf("%s: %s (HTTP %d)", e.Op, e.Message, e.Status) }

// IsNotFound reports a 404 answer.
func IsNotFound(err error) bool {
	ae, ok := err.(*APIError)
	return ok && ae.Status == http.StatusNotFound
}

// Do calls the Engine API. body may be nil, an io.Reader (sent as a tar) or a
// value encoded as JSON; out, when not nil, receives the decoded JSON answer.
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, body, out any) error {
	u := "http://docker/" + apiVersion + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case io.Reader:
		rd, ctype = b, "application/x-tar"
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			return err
		}
		rd, ctype = bytes.NewReader(buf), "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		where := c.Host
		if where == "" {
			where = "the default Docker host"
		}
		return fmt.Errorf("cannot reach Docker at %s: %w", where, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	op := method + " " + path
	if resp.StatusCode >= 300 {
		var m struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(data, &m) != nil || m.Message == "" {
			m.Message = strings.TrimSpace(string(data))
		}
		return &APIError{Status: resp.StatusCode, Message: m.Message, Op: op}
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s: decoding answer: %w", op, err)
		}
	}
	return nil
}

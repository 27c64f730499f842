package live

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

// maxOutput bounds what one command's output may be, as read.
const maxOutput = 256 << 20

// run runs path with fixed arguments, no shell: directly as root, else
// through "sudo -n" (packaging/sudoers/guardrail grants exactly these
// commands). Its output is read up to maxOutput, its stderr up to 4 KiB.
func run(ctx context.Context, path string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, path, args...)
	if os.Geteuid() != 0 {
		cmd = exec.CommandContext(ctx, "/usr/bin/sudo", append([]string{"-n", path}, args...)...)
	}
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}
	var stderr bytes.Buffer
	cmd.Stderr = &limitWriter{w: &stderr, n: 4096}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %v (give --iptables FILE, or install iptables)", path, err)
	}
	data, rerr := io.ReadAll(io.LimitReader(stdout, maxOutput+1))
	if len(data) > maxOutput {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("%s: output larger than %d MiB", path, maxOutput>>20)
	}
	werr := cmd.Wait()
	if rerr != nil {
		return nil, fmt.Errorf("%s: %v", path, rerr)
	}
	if werr != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = werr.Error()
		}
		return nil, fmt.Errorf("%s: %s (needs root: see the sudoers example)", path, msg)
	}
	return data, nil
}

// limitWriter keeps the first n bytes written to it and drops the rest, so
// a chatty command cannot fill memory through its stderr.
type limitWriter struct {
	w io.Writer
	n int
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		q := p
		if len(q) > l.n {
			q = q[:l.n]
		}
		l.n -= len(q)
		_, _ = l.w.Write(q)
	}
	return len(p), nil
}

package runner

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// GPU is one device as nvidia-smi reports it.
type GPU struct {
	Index    int
	TotalMiB int
	UsedMiB  int
}

// detectGPUs asks nvidia-smi for the GPUs; no nvidia-smi means none.
func detectGPUs(ctx context.Context) ([]GPU, error) {
	path, err := exec.LookPath("nvidia-smi")
	if err != nil {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--query-gpu=index,memory.total,memory.used", "--format=csv,noheader").Output()
	if err != nil {
		return nil, fmt.Errorf("nvidia-smi: %w", err)
	}
	return parseGPUs(string(out))
}

// parseGPUs reads nvidia-smi's CSV: "0, 81920 MiB, 3 MiB" per line (with
// or without units).
func parseGPUs(text string) ([]GPU, error) {
	var gpus []GPU
	sc := bufio.NewScanner(strings.NewReader(text))
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		f := strings.Split(sc.Text(), ",")
		if len(f) != 3 {
			return nil, fmt.Errorf("nvidia-smi line %d: want index, memory.total, memory.used; got %q", line, sc.Text())
		}
		var nums [3]int
		for i, s := range f {
			s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "MiB"))
			n, err := strconv.Atoi(s)
			if err != nil {
				return nil, fmt.Errorf("nvidia-smi line %d: %q is not a number", line, strings.TrimSpace(f[i]))
			}
			nums[i] = n
		}
		gpus = append(gpus, GPU{Index: nums[0], TotalMiB: nums[1], UsedMiB: nums[2]})
	}
	return gpus, sc.Err()
}

package sweeps

import "testing"

// TestCheckSlurmAccepts: what sbatch accepts passes; the refusals are in
// testdata/bad/slurm-*.yaml with their places in the file.
func TestCheckSlurmAccepts(t *testing.T) {
	var execs []Executor
	for _, v := range []string{"30", "30:00", "12:00:00", "1-0", "1-02:00", "2-00:00:00", "UNLIMITED", "infinite"} {
		execs = append(execs, Executor{Time: v})
	}
	for _, v := range []string{"gpu", "gpu:1", "gpu:a100:2", "gpu:a100_3g.20gb:1", "gres/gpu:2", "gpu:1,shard:2", "tmp:10G", "none"} {
		execs = append(execs, Executor{Gres: v})
	}
	for _, v := range []string{"64G", "16000", "0", "512m", "64GB"} {
		execs = append(execs, Executor{Mem: v})
	}
	for _, v := range []string{"--exclude=node13", "--exclude node13", "-w node1", "-wnode1", "--wait-all-nodes=1",
		"--export=NONE", "--dependency=afterok:1", "-A lab", "-d afterok:1", "--signal=B:USR1@60", "--hold"} {
		execs = append(execs, Executor{SBatch: []string{v}})
	}
	execs = append(execs,
		Executor{Gres: "shard:1", GPUsPerTrial: 1}, // no GPUs in gres
		Executor{Partition: "it's; $(x)", Account: "a b", Constraint: "a100|h100", Setup: []string{"module load cuda; echo $X"}},
	)
	for _, e := range execs {
		if got := e.CheckSlurm(); len(got) > 0 {
			t.Errorf("%+v: got %v, want no problem", e, got)
		}
	}
}

// TestCheckSlurmRefuses: each setting sbatch would refuse or that would
// break the script is named by its key.
func TestCheckSlurmRefuses(t *testing.T) {
	tests := []struct {
		e   Executor
		key string
	}{
		{Executor{Time: "12 hours"}, "executor.time"},
		{Executor{Time: "1:2:3:4"}, "executor.time"},
		{Executor{Gres: "gpu 2"}, "executor.gres"},
		{Executor{Gres: "gpu:1,"}, "executor.gres"},
		{Executor{Gres: "gpu:a100:1", GPUsPerTrial: 1}, "executor.gres"},
		{Executor{Mem: "lots"}, "executor.mem"},
		{Executor{Mem: "-1G"}, "executor.mem"},
		{Executor{QOS: "a\nb"}, "executor.qos"},
		{Executor{Constraint: "a\x00"}, "executor.constraint"},
		{Executor{SBatch: []string{"--exclude=a", "exclude=b"}}, "executor.sbatch[1]"},
		{Executor{SBatch: []string{"--error=e.log"}}, "executor.sbatch[0]"},
		{Executor{SBatch: []string{"-o out"}}, "executor.sbatch[0]"},
		{Executor{SBatch: []string{"-D /tmp"}}, "executor.sbatch[0]"},
		{Executor{SBatch: []string{"--open-mode=truncate"}}, "executor.sbatch[0]"},
		{Executor{SBatch: []string{"--test-only"}}, "executor.sbatch[0]"},
		{Executor{SBatch: []string{"-W"}}, "executor.sbatch[0]"},
		{Executor{SBatch: []string{"--outp=x"}}, "executor.sbatch[0]"},
		{Executor{Setup: []string{"ok", "a\x00"}}, "executor.setup[1]"},
	}
	for _, tt := range tests {
		got := tt.e.CheckSlurm()
		if len(got) != 1 || got[0].Key != tt.key {
			t.Errorf("%+v: got %v, want one problem at %s", tt.e, got, tt.key)
		}
	}
}

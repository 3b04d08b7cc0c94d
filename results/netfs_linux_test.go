package results

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

func TestNetworkByMagic(t *testing.T) {
	tests := []struct {
		magic int64
		want  string
	}{
		{0x6969, "NFS"},
		{0x0BD00BD0, "Lustre"},
		{0x47504653, "GPFS"},
		{0xFF534D42, "CIFS/SMB"},
		{int64(int32(-0x00ACB2BE)), "CIFS/SMB"}, // 0xFF534D42 as a signed 32-bit f_type
		{0x517B, "SMB"},
		{0xFE534D42, "SMB2"},
		{0x00C36400, "CephFS"},
		{0x19830326, "BeeGFS"},
		{0xEF53, ""},     // ext2/3/4
		{0x58465342, ""}, // XFS
		{0x9123683E, ""}, // Btrfs
		{0x01021994, ""}, // tmpfs
		{0x794C7630, ""}, // overlayfs
		{0x65735546, ""}, // FUSE: local as often as not
	}
	for _, tt := range tests {
		if got := networkByMagic(tt.magic); got != tt.want {
			t.Errorf("networkByMagic(%#x) = %q, want %q", tt.magic, got, tt.want)
		}
	}
}

// fakeStatfs answers statfs for the paths in types and ENOENT for the rest.
func fakeStatfs(t *testing.T, types map[string]int64, asked *[]string) {
	t.Helper()
	old := statfs
	t.Cleanup(func() { statfs = old })
	statfs = func(path string, st *unix.Statfs_t) error {
		*asked = append(*asked, path)
		ftype, ok := types[path]
		if !ok {
			return unix.ENOENT
		}
		st.Type = ftype
		return nil
	}
}

// TestNetworkFS: a database that does not exist yet is judged by its
// nearest existing parent; an error other than ENOENT says nothing.
func TestNetworkFS(t *testing.T) {
	var asked []string
	fakeStatfs(t, map[string]int64{"/shared": 0x6969, "/local": 0xEF53}, &asked)
	if got := NetworkFS("/shared/runs/s/sweep.db"); got != "NFS" {
		t.Errorf("got %q, want NFS", got)
	}
	if want := []string{"/shared/runs/s/sweep.db", "/shared/runs/s", "/shared/runs", "/shared"}; !slices.Equal(asked, want) {
		t.Errorf("asked statfs for %q, want %q", asked, want)
	}
	if got := NetworkFS("/local/s.db"); got != "" {
		t.Errorf("ext4: got %q, want \"\"", got)
	}
	if got := NetworkFS("/nowhere/s.db"); got != "" {
		t.Errorf("nothing exists: got %q, want \"\"", got)
	}
	statfs = func(string, *unix.Statfs_t) error { return unix.EACCES }
	if got := NetworkFS("/shared/s.db"); got != "" {
		t.Errorf("EACCES: got %q, want \"\"", got)
	}
}

// TestNetworkFSReal: the test's own temporary directory is judged by the
// real statfs, which must answer for it (whatever filesystem it is).
func TestNetworkFSReal(t *testing.T) {
	dir := t.TempDir()
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	want := networkByMagic(int64(st.Type))
	if got := NetworkFS(filepath.Join(dir, "not", "yet", "sweep.db")); got != want {
		t.Errorf("got %q, want %q (f_type %#x)", got, want, st.Type)
	}
	if _, err := os.Stat(filepath.Join(dir, "not")); err == nil {
		t.Error("NetworkFS made a directory")
	}
}

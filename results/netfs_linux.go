package results

import (
	"errors"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// networkMagic names the network filesystems by the f_type that statfs(2)
// reports. The constants of golang.org/x/sys/unix are used where they
// exist; the others are written out with their source.
var networkMagic = map[uint32]string{
	unix.NFS_SUPER_MAGIC:  "NFS",
	unix.CIFS_SUPER_MAGIC: "CIFS/SMB",
	unix.SMB_SUPER_MAGIC:  "SMB",
	unix.SMB2_SUPER_MAGIC: "SMB2",
	unix.CEPH_SUPER_MAGIC: "CephFS",
	// LL_SUPER_MAGIC of Lustre's lustre/include/uapi/linux/lustre/lustre_user.h
	// (coreutils' stat.c: S_MAGIC_LUSTRE).
	0x0BD00BD0: "Lustre",
	// "GPFS" in ASCII: IBM Spectrum Scale (coreutils' stat.c: S_MAGIC_GPFS).
	0x47504653: "GPFS",
	// BEEGFS_MAGIC of the BeeGFS client, FhGFS before its rename
	// (coreutils' stat.c: S_MAGIC_FHGFS).
	0x19830326: "BeeGFS",
}

// networkByMagic names the network filesystem of a statfs f_type, or "".
// f_type is 32 bits wide in the kernel; Statfs_t.Type is signed, and of
// different widths on different architectures, so it is compared as such.
func networkByMagic(ftype int64) string { return networkMagic[uint32(ftype)] }

// statfs is unix.Statfs; tests stand in for it.
var statfs = unix.Statfs

func networkFS(path string) string {
	path = filepath.Clean(path)
	for {
		var st unix.Statfs_t
		err := statfs(path, &st)
		if err == nil {
			return networkByMagic(int64(st.Type))
		}
		parent := filepath.Dir(path)
		if !errors.Is(err, unix.ENOENT) || parent == path {
			return ""
		}
		path = parent
	}
}

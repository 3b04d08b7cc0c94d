package results

// SQLite's WAL mode keeps its index in shared memory (the -shm file, mapped
// by every connection) and relies on POSIX locks; network filesystems give
// neither reliably across machines, and SQLite's documentation says WAL
// "does not work over a network filesystem". A database there can be
// corrupted or stay locked. The orchestrator is the only writer and runs on
// one machine, so the database belongs on that machine's local disk, while
// the attempts' directories (which the compute nodes write) stay on the
// shared filesystem.

// NetworkFS names the network filesystem that holds path ("NFS", "Lustre",
// "GPFS", …), or returns "" for a local one or when statfs cannot tell. A
// path that does not exist yet (a database about to be made) is judged by
// its nearest existing parent.
func NetworkFS(path string) string { return networkFS(path) }

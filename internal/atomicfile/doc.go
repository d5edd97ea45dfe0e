// Package atomicfile writes files atomically: a reader of the target path
// sees either the old file or the complete new one, never a partial file,
// and a failed write leaves no temporary file behind (one left by a killed
// process is removed by [RemoveStale]).
//
// The scheme is the usual one for POSIX file systems:
//
//	create  dir/.<base>.tmp-<pid>-<random>   (in the target's own directory)
//	write, flush, fsync, close
//	rename  dir/.<base>.tmp-<pid>-<random> → dir/<base>
//	fsync   dir                              (best effort)
//
// A rename within one directory is atomic, which is why the temporary file
// lives next to the target rather than in os.TempDir. A process killed
// mid-write (kill -9) cannot remove its temporary file; the file names the
// process, so that [RemoveStale], run by the next program to use the folder,
// removes it once that process is gone.
//
// Every layer of Vigor that writes a file (dataset caches and CSV output,
// VAE checkpoints, the command's JSON, CSV and PNG output) goes through
// [Write]. The package imports nothing but the standard library, so any
// package, however low, may use it.
package atomicfile

#pragma once

// The POSIX shell scripts SshExecutor runs on the host, each as `sh -c SCRIPT NAME ARGS...`
// through shell_command_line(): the scripts are constants, and every path, name and option reaches
// them as a positional parameter ("$1"), never pasted into their text. They need sh, the
// util-linux programs setsid and flock, and coreutils (GNU stat's -c): any Linux host.
//
// A run directory on the host holds, beside the trainer's files (training/README.md):
//   input/SPEC_NAME (and the corpus beside it)  the spec as submitted
//   trainer.log   the trainer's stdout and stderr, appended
//   trainer.job   the supervising shell's pid (the job's process group), then the local spec path
//   trainer.exit  the trainer's exit status, written when it exits
//   .trainer.lock held (flock) by every process of the job while it lives: unlike a process id,
//                 which a dead job's zombie or a new process may still answer to, a lock is
//                 released by the kernel when the last holder dies.

namespace moescope::ssh_scripts {

// Writes stdin to a file atomically (temporary file, then rename), creating its folder.
// $1 the folder, $2 the file.
inline constexpr const char* kUpload =
    "mkdir -p -- \"$1\" && cat >\"$2.tmp\" && mv -f -- \"$2.tmp\" \"$2\"";

// Runs the trainer under the job's lock and records its exit status; started by kLaunch in a
// session of its own (setsid), so that it outlives the connection, with SIGHUP ignored as nohup
// does. $1 the run directory, $2 the local spec path (for running_job), then the trainer's words.
inline constexpr const char* kSupervisor =
    "dir=$1; spec=$2; shift 2\n"
    "exec 9>>\"$dir/.trainer.lock\"\n"
    "flock -n 9 || exit 75\n"
    "trap '' HUP\n"
    "printf '%s\\n%s\\n' \"$$\" \"$spec\" >\"$dir/trainer.job.tmp\" &&"
    " mv -f \"$dir/trainer.job.tmp\" \"$dir/trainer.job\"\n"
    "\"$@\"\n"
    "code=$?\n"
    "printf '%s\\n' \"$code\" >\"$dir/trainer.exit.tmp\" &&"
    " mv -f \"$dir/trainer.exit.tmp\" \"$dir/trainer.exit\"\n";

// Starts kSupervisor detached, or finds the job already running in the run directory, and prints
// "started PGID" or "running PGID" then the running job's local spec path. Exits 127 when the
// trainer is not found on the host, 126 when setsid or flock is missing, 1 when the job does not
// record itself. $1 the run directory, $2 the local spec path, $3 kSupervisor, then the trainer's
// words.
inline constexpr const char* kLaunch =
    "dir=$1; spec=$2; supervisor=$3; shift 3\n"
    "for tool in setsid flock; do\n"
    "  command -v \"$tool\" >/dev/null 2>&1 ||"
    " { echo \"$tool (util-linux) is not installed on the host\" >&2; exit 126; }\n"
    "done\n"
    "command -v \"$1\" >/dev/null 2>&1 || { echo \"$1 not found\" >&2; exit 127; }\n"
    "mkdir -p -- \"$dir\" || exit 1\n"
    "if ! flock -n \"$dir/.trainer.lock\" true; then\n"
    "  printf 'running %s\\n' \"$(head -n 1 \"$dir/trainer.job\")\"\n"
    "  tail -n +2 \"$dir/trainer.job\"\n"
    "  exit 0\n"
    "fi\n"
    "rm -f -- \"$dir/trainer.exit\" \"$dir/trainer.job\"\n"
    "setsid sh -c \"$supervisor\" moescope-job \"$dir\" \"$spec\" \"$@\""
    " </dev/null >>\"$dir/trainer.log\" 2>&1 &\n"
    "i=0\n"
    "while [ ! -s \"$dir/trainer.job\" ]; do\n"
    "  i=$((i + 1))\n"
    "  [ \"$i\" -gt 300 ] && { echo 'the job did not start within 30 s' >&2; exit 1; }\n"
    "  sleep 0.1\n"
    "done\n"
    "printf 'started %s\\n' \"$(head -n 1 \"$dir/trainer.job\")\"\n";

// Reports the job's state and sends the new bytes of the files named, for SshExecutor's copy of
// the run directory. Prints "state running", "state exited CODE", "state gone" (no process, no
// exit status) or "state missing" (no run directory); "free KIB" (free space there); then per
// file that exists "file NAME INODE SIZE OFFSET LENGTH", LENGTH bytes from OFFSET, and
// "\nend NAME". The bytes start at the OFFSET asked for when the file is still the one of INODE and
// at least that long (it was appended to), else at 0 (it was replaced); LENGTH is at most CHUNK.
// The file is opened once, so that its size and bytes are of one file even if it is replaced
// meanwhile. $1 the run directory, $2 CHUNK, then NAME INODE OFFSET per file.
inline constexpr const char* kPoll =
    "dir=$1; chunk=$2; shift 2\n"
    "[ -d \"$dir\" ] || { echo 'state missing'; exit 0; }\n"
    "if ! flock -n \"$dir/.trainer.lock\" true 2>/dev/null; then echo 'state running'\n"
    "elif [ -f \"$dir/trainer.exit\" ]; then echo \"state exited $(cat \"$dir/trainer.exit\")\"\n"
    "else echo 'state gone'; fi\n"
    "echo \"free $(df -Pk \"$dir\" | awk 'NR == 2 { print $4 }')\"\n"
    "while [ \"$#\" -ge 3 ]; do\n"
    "  name=$1; inode=$2; offset=$3; shift 3\n"
    "  [ -f \"$dir/$name\" ] || continue\n"
    "  exec 3<\"$dir/$name\" || continue\n"
    "  meta=$(stat -L -c '%i %s' /dev/fd/3) || continue\n"
    "  ino=${meta% *}; size=${meta#* }\n"
    "  { [ \"$ino\" = \"$inode\" ] && [ \"$offset\" -le \"$size\" ]; } || offset=0\n"
    "  length=$((size - offset))\n"
    "  [ \"$length\" -gt \"$chunk\" ] && length=$chunk\n"
    "  echo \"file $name $ino $size $offset $length\"\n"
    "  tail -c +$((offset + 1)) <&3 | head -c \"$length\"\n"
    "  printf '\\nend %s\\n' \"$name\"\n"
    "  exec 3<&-\n"
    "done\n";

// Prints the pid (process group) and local spec path of the job that holds the run directory's
// lock; nothing when none does. $1 the run directory.
inline constexpr const char* kRunningJob =
    "dir=$1\n"
    "[ -d \"$dir\" ] || exit 0\n"
    "flock -n \"$dir/.trainer.lock\" true 2>/dev/null && exit 0\n"
    "cat \"$dir/trainer.job\" 2>/dev/null\n";

// Stops the job's process group: SIGTERM, then SIGKILL after GRACE seconds, and waits for its
// lock; exits 3 when it outlives SIGKILL. Nothing is sent when the job's record names another
// group (a later job's), or nothing holds the lock. $1 the run directory, $2 PGID, $3 GRACE.
inline constexpr const char* kCancel =
    "dir=$1; pg=$2; grace=$3\n"
    "alive() { ! flock -n \"$dir/.trainer.lock\" true 2>/dev/null; }\n"
    "alive || exit 0\n"
    "[ \"$(head -n 1 \"$dir/trainer.job\" 2>/dev/null)\" = \"$pg\" ] || exit 0\n"
    "kill -TERM \"-$pg\" 2>/dev/null\n"
    "i=0\n"
    "while alive; do\n"
    "  i=$((i + 1))\n"
    "  if [ \"$i\" -eq $((grace * 10)) ]; then kill -KILL \"-$pg\" 2>/dev/null; fi\n"
    "  if [ \"$i\" -gt $((grace * 10 + 50)) ]; then exit 3; fi\n"
    "  sleep 0.1\n"
    "done\n";

}  // namespace moescope::ssh_scripts

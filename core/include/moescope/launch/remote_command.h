#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moescope {

// Programs run by the remote executors (ssh, scp, sbatch, squeue, sacct, scancel, ...), without a
// shell on this machine: the words of `argv` reach the program as they are. A shell command line
// is only ever built for the remote shell that OpenSSH hands its command to, and only by
// shell_command_line(), which quotes every word: no user data (spec names, paths, options) is
// pasted into a command.

// What a program printed and how it ended.
struct CommandResult {
  int exit_code = -1;      // the program's exit status; -1 when it did not exit normally
  std::string out;         // standard output (at most kMaxCommandOutput bytes kept)
  std::string err;         // standard error (likewise)
  bool timed_out = false;  // it ran past the timeout and was killed (SIGKILL, its process group)
  bool started = true;     // false when the program could not be started (not found); `err` says
};
inline constexpr std::size_t kMaxCommandOutput = 1 << 20;

// Runs argv[0] (looked up in PATH) with argv[1..], stdin `input` (then closed), in a process group
// of its own, and waits up to `timeout`. Never throws for the program's failure; throws
// std::invalid_argument for an empty argv.
CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          std::string_view input = {});

// One word quoted for a POSIX shell: 'word', with each ' written as '\''. Every byte but NUL
// passes through unchanged ($, `, ;, ", \, newlines, spaces, a leading -); a word holding NUL is
// refused (std::invalid_argument), as no shell can receive one.
std::string shell_quote(std::string_view word);
// The words as one shell command line, each quoted: what `ssh HOST -- LINE` runs.
std::string shell_command_line(const std::vector<std::string>& words);

// Where and how to reach an SSH host: OpenSSH's own client, key authentication only.
struct SshTarget {
  std::string user;  // empty: the local user's name
  std::string host;  // a name or an address; never starts with '-'
  int port = 22;
  std::filesystem::path identity;     // the private key (-i); empty: ssh's defaults
  std::filesystem::path known_hosts;  // UserKnownHostsFile; empty: the user's ~/.ssh/known_hosts

  // Parses "[USER@]HOST[:PORT]"; nullopt with `problem` set when it is not one.
  static std::optional<SshTarget> parse(std::string_view text, std::string* problem = nullptr);
  std::string to_string() const;              // "[USER@]HOST[:PORT]" (the port only when not 22)
  std::vector<std::string> validate() const;  // one message per invalid field
  bool operator==(const SshTarget&) const = default;
};

// The options every ssh and scp call carries: BatchMode=yes (never a password prompt),
// StrictHostKeyChecking=yes against known_hosts (a host whose key is not known is refused, never
// added), PasswordAuthentication=no, KbdInteractiveAuthentication=no, IdentitiesOnly=yes with an
// identity, ConnectTimeout, ServerAliveInterval/CountMax (a cut connection ends the call), and
// ControlMaster=auto, ControlPath in `control_dir`, ControlPersist (one connection reused).
std::vector<std::string> ssh_options(const SshTarget& target,
                                     const std::filesystem::path& control_dir);
// argv for running `remote_words` on the host: ssh OPTIONS -p PORT [-l USER] -- HOST LINE, LINE
// being shell_command_line(remote_words), which the host's login shell (any POSIX shell) splits
// back into exactly those words. ControlPath lies in `control_dir`, which the caller creates
// (0700); a folder too long for a socket's path turns connection reuse off.
std::vector<std::string> ssh_argv(const SshTarget& target, const std::filesystem::path& control_dir,
                                  const std::vector<std::string>& remote_words);

}  // namespace moescope

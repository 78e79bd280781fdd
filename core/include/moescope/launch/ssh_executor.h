#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "moescope/launch/executor.h"
#include "moescope/launch/remote_command.h"

namespace moescope {

struct SshExecutorOptions {
  std::string name;  // the host's name in the registry: kind() "ssh:NAME", the runs' origin
  SshTarget target;
  // Where ssh keeps the connection it reuses (ControlPath); created 0700 if missing.
  std::filesystem::path control_dir;
  // The folder on the host holding one run directory per job, REMOTE_DIR/<name of the job's run
  // directory>; relative to the home folder there unless absolute ('~' is not expanded).
  std::string remote_dir;
  // moescope-train on the host, then any arguments before --spec. It replaces the request's
  // trainer, which names this machine's.
  std::vector<std::string> trainer = {"moescope-train"};
  std::string data_dir;  // the trainer's --data on the host; empty: its default
  // How long a running job's host may stay unreachable before poll() reports the job failed; the
  // job may still run there, and launching its spec again follows or resumes it.
  std::chrono::seconds unreachable_grace{60};
  // How long cancel() waits after SIGTERM before it sends SIGKILL.
  std::chrono::seconds termination_grace{5};

  // One message per invalid field; empty when usable.
  std::vector<std::string> validate() const;
};

// Runs each job on an SSH host, through OpenSSH's own ssh program. Chosen over a library: key
// authentication, agents, BatchMode, known_hosts checking, ProxyJump and the user's ~/.ssh/config,
// and connection reuse (ControlMaster) come as the user already uses and trusts them, with no
// second SSH implementation to audit or keep patched. Every call is an argument list without a
// local shell; the remote shell receives one command line built by shell_command_line(), over
// constant scripts whose data are positional parameters (src/launch/ssh_scripts.h). Files travel
// through ssh's standard streams (not scp, whose SFTP mode glob-expands remote paths).
//
// submit() copies the spec (and its corpus, when the spec names a file relative to its folder) to
// RUN/input/ on the host, RUN being REMOTE_DIR/<name of the job's run directory>, and starts the
// trainer there detached from the connection (setsid; SIGHUP ignored), under a supervising shell
// that holds the run directory's lock and records the trainer's exit status, as LocalExecutor
// does. Its output goes to RUN/trainer.log. Submitting a request whose job still runs there (the
// connection was cut, then the spec launched again) follows that job; otherwise the trainer
// starts again in RUN and resumes from its checkpoint. The handle is "PGID@NAME:RUN".
//
// poll() is one ssh call: the job's state and the new bytes of metrics.jsonl and trainer.log,
// appended to the local run directory (the live loss curve); once the job has ended, also
// spec.json, result.json and run.json, all complete before the end is reported. The checkpoint
// stays on the host, where a resumed run needs it. A host that cannot be reached is reported
// running until it has been unreachable for `unreachable_grace`, then failed.
class SshExecutor : public Executor {
 public:
  // Throws std::invalid_argument with validate()'s messages.
  explicit SshExecutor(SshExecutorOptions options);

  std::string kind() const override { return "ssh:" + options_.name; }
  std::string host() const override { return options_.name; }
  Provenance provenance() const override { return Provenance::kRemote; }

  // Throws ExecutorError saying what went wrong: the host cannot be reached (ssh's words), the
  // trainer is not found there, the spec cannot be written there (e.g. the disk is full), or
  // another spec's job holds the run directory.
  std::string submit(const JobRequest& request) override;
  JobStatus poll(const JobRequest& request, const std::string& handle) override;
  // Throws ExecutorError when the host cannot be reached or the job outlives SIGKILL.
  void cancel(const JobRequest& request, const std::string& handle) override;
  // The job holding the run directory's lock on the host, when its record names this request's
  // spec; nullopt also when the host cannot be reached, so that submit() reports that.
  std::optional<std::string> running_job(const JobRequest& request) override;

  // The run directory of a request on the host: REMOTE_DIR/<name of the request's out_dir>.
  std::string remote_run_dir(const JobRequest& request) const;

 private:
  CommandResult ssh(const std::vector<std::string>& words, std::chrono::milliseconds timeout,
                    std::string_view input = {}) const;
  std::string unreachable(const CommandResult& result) const;
  void upload(const std::string& folder, const std::string& file, const std::string& content,
              const JobRequest& request) const;

  SshExecutorOptions options_;
};

}  // namespace moescope

#include "moescope/launch/slurm_executor.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "launch/log_tail.h"
#include "launch/remote_mirror.h"
#include "launch/spec_inputs.h"
#include "launch/ssh_scripts.h"
#include "moescope/trainer/train_records.h"
#include "moescope/trainer/train_spec.h"

namespace moescope {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

// How long one Slurm command (or its ssh) may take: a busy controller answers within seconds.
constexpr seconds kCommandLimit{60};
// How long cancel() waits for a job to leave squeue: Slurm's default KillWait (30 s) between
// SIGTERM and SIGKILL, and the epilogue.
constexpr seconds kCancelLimit{90};

constexpr const char* kJobScript = "slurm-job.sh";
constexpr const char* kExitFile = "trainer.exit";  // the trainer's exit status, by the script
constexpr const char* kClusterSpec = "spec.json";  // the spec's copy in a remote run directory

// Since when (seconds since the epoch) poll() has had no answer from the controller.
fs::path unanswered_file(const fs::path& out_dir) {
  return out_dir / ".slurm-unanswered";
}

// The run directory's files copied back while the job runs (progress, the live loss curve, the
// log), and, at its end, with the rest of the trainer's records (training/README.md). The
// checkpoint stays on the cluster, where a job launched again resumes from it.
std::vector<std::string> files_to_copy(bool at_end) {
  if (!at_end)
    return {"trainer.log", "metrics.jsonl"};
  return {"trainer.log", "metrics.jsonl", "result.json", "run.json", kExitFile};
}
// The most bytes of one file that one poll brings over ssh (run_command keeps 1 MiB of output);
// the end of a longer one takes more rounds.
constexpr std::int64_t kChunkBytes = 256 * 1024;
constexpr int kMaxCopyRounds = 16;

// Slurm's job states (squeue's %T, sacct's State): waiting for resources, and on a node.
bool is_waiting(const std::string& state) {
  return state == "PENDING" || state == "CONFIGURING" || state == "REQUEUED" ||
         state == "REQUEUE_HOLD" || state == "REQUEUE_FED" || state == "RESV_DEL_HOLD";
}
bool is_active(const std::string& state) {
  return is_waiting(state) || state == "RUNNING" || state == "COMPLETING" || state == "SUSPENDED" ||
         state == "STOPPED" || state == "SIGNALING" || state == "STAGE_OUT" || state == "RESIZING";
}

std::string trim(std::string text) {
  const auto not_space = [](unsigned char c) { return !std::isspace(c); };
  text.erase(text.begin(), std::find_if(text.begin(), text.end(), not_space));
  text.erase(std::find_if(text.rbegin(), text.rend(), not_space).base(), text.end());
  return text;
}

std::string first_line(const std::string& text) {
  return trim(text.substr(0, text.find('\n')));
}

// A command's complaint, for a message: its error output, else its output, else its status.
std::string complaint(const CommandResult& result) {
  if (result.timed_out)
    return "no answer within " + std::to_string(kCommandLimit.count()) + " s";
  if (const std::string err = trim(result.err); !err.empty())
    return err;
  if (const std::string out = trim(result.out); !out.empty())
    return out;
  return "exit status " + std::to_string(result.exit_code);
}

// Slurm's output file name is a pattern: "%" starts a replacement, "%%" is a "%".
std::string slurm_file_pattern(const fs::path& file) {
  std::string pattern;
  for (const char c : file.string())
    pattern += c == '%' ? std::string("%%") : std::string(1, c);
  return pattern;
}

const std::string& job_id(const std::string& handle, const JobRequest& request) {
  const bool digits =
      !handle.empty() &&
      std::all_of(handle.begin(), handle.end(), [](unsigned char c) { return std::isdigit(c); });
  if (!digits)
    throw ExecutorError(request.out_dir.string() + ": not a Slurm job's handle: '" + handle + "'");
  return handle;
}

std::optional<int> read_exit_status(const fs::path& out_dir) {
  std::ifstream in(out_dir / kExitFile);
  int code = 0;
  if (in >> code)
    return code;
  return std::nullopt;
}

// sacct's ExitCode "STATUS:SIGNAL", as a shell reports it: the signal's 128 + N, else the status.
std::optional<int> parse_exit_code(const std::string& text) {
  int status = 0;
  int signal = 0;
  char colon = 0;
  std::istringstream in(text);
  if (!(in >> status >> colon >> signal) || colon != ':')
    return std::nullopt;
  return signal != 0 ? 128 + signal : status;
}

std::string with_log_tail(const std::string& what, const JobRequest& request) {
  const fs::path log = trainer_log_file(request.out_dir);
  const std::string tail = read_log_tail(log);
  if (tail.empty())
    return what + " (" + log.string() + " is empty)";
  return what + "; the end of " + log.string() + ":\n" + tail;
}

// A stable short name for a run directory, so that runs of different folders with one name never
// share a remote folder; FNV-1a, which unlike std::hash is the same in every build.
std::string directory_key(const fs::path& out_dir) {
  std::uint64_t hash = 14695981039346656037ull;
  for (const char c : out_dir.string()) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  std::ostringstream key;
  key << "run-" << std::hex << hash;
  return key.str();
}

// The processes a job's trainer runs as (the spec's nodes, and ranks or gpus per node): one, or
// srun's tasks, each a rank that reads its place from SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID.
struct JobRanks {
  int nodes = 1;
  int tasks_per_node = 1;
  int gpus_per_node = 0;
  int world() const { return nodes * tasks_per_node; }
};

JobRanks job_ranks(const fs::path& spec_file) {
  try {
    const SpecSummary summary = read_spec_summary(spec_file);
    return {summary.nodes, summary.ranks_per_node, summary.gpus_per_node};
  } catch (const std::runtime_error&) {
    return {};  // the trainer refuses the spec itself, with a better message
  }
}

// The job script: the trainer in the background, SIGTERM passed on to it, its exit status
// recorded. `wait` returns early when the trap runs; the loop waits on until the trainer is gone.
// A run of several ranks starts them with srun, which ends them all when one fails
// (--kill-on-bad-exit) and prefixes each output line with its rank (--label); they meet at the
// job's first node, on a port taken from the job id.
std::string job_script(const std::vector<std::string>& sbatch_lines,
                       const std::vector<std::string>& trainer, const std::string& exit_file,
                       const JobRanks& ranks) {
  std::string script = "#!/bin/sh\n";
  for (const std::string& line : sbatch_lines)
    script += "#SBATCH " + line + "\n";
  script +=
      "# Written by MoEScope: runs the trainer, passes SIGTERM on to it, records its exit\n"
      "# status. Run again after a requeue, the trainer resumes from its checkpoint.\n";
  script += "exit_file=" + shell_quote(exit_file) + "\n";
  script += "rm -f \"$exit_file\"\n";
  script += std::string("export ") + kNvlinkMulticastVariable + "=\"${" + kNvlinkMulticastVariable +
            ":-0}\"\n";
  if (ranks.world() > 1) {
    script +=
        "MASTER_ADDR=$(scontrol show hostnames \"$SLURM_JOB_NODELIST\" | head -n 1)\n"
        "MASTER_PORT=$((20000 + SLURM_JOB_ID % 20000))\n"
        "export MASTER_ADDR MASTER_PORT\n";
    std::vector<std::string> launched = {"srun", "--label", "--kill-on-bad-exit=1",
                                         "--ntasks=" + std::to_string(ranks.world())};
    launched.insert(launched.end(), trainer.begin(), trainer.end());
    script += shell_command_line(launched) + " </dev/null &\n";
  } else {
    script += shell_command_line(trainer) + " </dev/null &\n";
  }
  script +=
      "trainer=$!\n"
      "trap 'kill -TERM \"$trainer\" 2>/dev/null' TERM\n"
      "wait \"$trainer\"\n"
      "code=$?\n"
      "while kill -0 \"$trainer\" 2>/dev/null; do wait \"$trainer\"; code=$?; done\n"
      "printf '%s\\n' \"$code\" >\"$exit_file.tmp\" && mv -f \"$exit_file.tmp\" \"$exit_file\"\n"
      "exit \"$code\"\n";
  return script;
}

void write_file(const fs::path& file, const std::string& text, const JobRequest& request) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out)
    throw ExecutorError(request.out_dir.string() + ": cannot write " + file.string());
}

// A value placed on an #SBATCH line: no spaces or line breaks, which would end or add options.
bool is_plain_word(const std::string& text) {
  return std::none_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isspace(c) || std::iscntrl(c) || c == '#';
  });
}

bool is_variable_name(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front())))
    return false;
  return std::all_of(name.begin(), name.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

}  // namespace

std::vector<std::string> SlurmExecutorOptions::validate() const {
  std::vector<std::string> problems;
  if (name.empty() || !is_plain_word(name))
    problems.push_back("name must be a word without spaces, got '" + name + "'");
  for (const auto& [field, value] :
       {std::pair<const char*, const std::string&>{"partition", partition},
        {"account", account},
        {"gres", gres},
        {"time", time}}) {
    if (!is_plain_word(value) || (!value.empty() && value.front() == '-'))
      problems.push_back(std::string(field) + " must be one word, got '" + value + "'");
  }
  if (via) {
    for (const std::string& problem : via->validate())
      problems.push_back("via: " + problem);
  }
  if (!remote_dir.empty() && remote_dir.front() != '/')
    problems.push_back("remote_dir must be an absolute path, got '" + remote_dir + "'");
  if (via && remote_dir.empty())
    problems.push_back(
        "remote_dir is needed with via: the login node does not see this machine's files");
  if (trainer.empty() || trainer.front().empty())
    problems.push_back("trainer must name a program");
  if (unreachable_grace.count() < 0)
    problems.push_back("unreachable_grace: must be >= 0 s");
  for (const auto& [variable, value] : environment) {
    if (!is_variable_name(variable))
      problems.push_back("environment: '" + variable + "' is not a variable name");
  }
  return problems;
}

SlurmExecutor::SlurmExecutor(SlurmExecutorOptions options) : options_(std::move(options)) {
  refuse_invalid_options(options_.validate(), "Slurm executor");
}

std::string SlurmExecutor::origin(const std::string& handle) const {
  if (handle.empty())
    return options_.name;
  return options_.name + " (slurm job " + handle + ")";
}

// `words` on the login node: prefixed by env(1) with the options' variables, through ssh with via.
std::vector<std::string> SlurmExecutor::command(std::vector<std::string> words) const {
  if (!options_.environment.empty()) {
    std::vector<std::string> with_environment = {"env"};
    for (const auto& [variable, value] : options_.environment)
      with_environment.push_back(variable + "=" + value);
    with_environment.insert(with_environment.end(), words.begin(), words.end());
    words = std::move(with_environment);
  }
  if (options_.via)
    return ssh_argv(*options_.via, options_.control_dir, words);
  return words;
}

CommandResult SlurmExecutor::run(std::vector<std::string> words) const {
  return run_command(command(std::move(words)), kCommandLimit);
}

fs::path SlurmExecutor::cluster_dir(const JobRequest& request) const {
  if (options_.remote_dir.empty())
    return request.out_dir;
  return fs::path(options_.remote_dir) / directory_key(request.out_dir);
}

// Puts the spec and the job script (written in the run directory here) into the cluster's run
// directory, where that is another: through ssh's standard input with via (ssh_scripts::kUpload,
// as SshExecutor does).
void SlurmExecutor::stage_in(const JobRequest& request) const {
  const fs::path remote = cluster_dir(request);
  if (remote == request.out_dir)
    return;
  const std::string where = request.out_dir.string() + ": ";
  // The spec, its job script, and a corpus it names beside it (as `corpus` relative to the spec,
  // which the cluster reads as spec.json in the remote folder).
  std::vector<std::pair<fs::path, fs::path>> files = {{request.spec_file, kClusterSpec},
                                                      {request.out_dir / kJobScript, kJobScript}};
  if (const std::optional<fs::path> corpus = relative_corpus(request.spec_file))
    files.insert(files.begin(), {request.spec_file.parent_path() / *corpus, *corpus});
  for (const auto& [local, name] : files) {
    if (!options_.via) {
      std::error_code error;
      fs::create_directories((remote / name).parent_path(), error);
      if (!error)
        fs::copy_file(local, remote / name, fs::copy_options::overwrite_existing, error);
      if (error)
        throw ExecutorError(where + "cannot copy " + local.string() + " to " + remote.string() +
                            ": " + error.message());
      continue;
    }
    std::ifstream in(local, std::ios::binary);
    std::ostringstream contents;
    contents << in.rdbuf();
    if (!in)
      throw ExecutorError(where + "cannot read " + local.string());
    const CommandResult copied =
        run_command(ssh_argv(*options_.via, options_.control_dir,
                             {"sh", "-c", ssh_scripts::kUpload, "moescope-upload",
                              (remote / name).parent_path().string(), (remote / name).string()}),
                    kCommandLimit, contents.str());
    if (copied.exit_code != 0)
      throw ExecutorError(where + "cannot copy " + local.string() + " to " + remote.string() +
                          " on " + options_.via->to_string() + ": " + complaint(copied));
  }
}

// Copies the run's files from the cluster's run directory, where that is another: the live ones
// while it runs, the records at its end. False when not all could be (the login node unreachable,
// or more to copy than a few rounds bring): poll() then reports the end at a later call.
bool SlurmExecutor::copy_back(const JobRequest& request, bool at_end) const {
  const fs::path remote = cluster_dir(request);
  if (remote == request.out_dir)
    return true;
  const std::vector<std::string> names = files_to_copy(at_end);
  if (!options_.via) {
    for (const std::string& name : names) {
      std::error_code ignored;  // not written (yet)
      fs::copy_file(remote / name, request.out_dir / name, fs::copy_options::overwrite_existing,
                    ignored);
    }
    return true;
  }
  // Only the files' part of kPoll's answer matters here: Slurm tells how the job stands.
  RemoteMirror mirror(request.out_dir);
  for (int round = 0; round < kMaxCopyRounds; ++round) {
    std::vector<std::string> words = {"sh",
                                      "-c",
                                      ssh_scripts::kPoll,
                                      "moescope-poll",
                                      remote.string(),
                                      std::to_string(kChunkBytes)};
    const std::vector<std::string> files = mirror.poll_arguments(names);
    words.insert(words.end(), files.begin(), files.end());
    const CommandResult answer =
        run_command(ssh_argv(*options_.via, options_.control_dir, words), kCommandLimit);
    if (answer.exit_code != 0)
      return false;
    try {
      if (mirror.apply(answer.out).caught_up)
        return true;
    } catch (const std::runtime_error&) {
      return false;  // a cut connection's half answer; what came before it is kept
    }
  }
  return false;
}

std::string SlurmExecutor::submit(const JobRequest& request) {
  const fs::path& out = request.out_dir;
  std::error_code error;
  fs::create_directories(out, error);
  if (error)
    throw ExecutorError(out.string() + ": cannot create the run directory: " + error.message());
  const fs::path remote = cluster_dir(request);
  const fs::path spec = remote == out ? request.spec_file : remote / kClusterSpec;

  std::vector<std::string> sbatch_lines = {"--requeue", "--signal=B:TERM@60", "--open-mode=append"};
  for (const auto& [option, value] :
       {std::pair<const char*, const std::string&>{"--partition", options_.partition},
        {"--account", options_.account},
        {"--gres", options_.gres},
        {"--time", options_.time}}) {
    if (!value.empty())
      sbatch_lines.push_back(std::string(option) + "=" + value);
  }
  std::vector<std::string> trainer = options_.trainer;
  if (!options_.data_dir.empty())
    trainer.insert(trainer.end(), {"--data", options_.data_dir});
  trainer.insert(trainer.end(), {"--spec", spec.string(), "--out", remote.string()});
  const JobRanks ranks = job_ranks(request.spec_file);
  if (ranks.world() > 1) {
    sbatch_lines.push_back("--nodes=" + std::to_string(ranks.nodes));
    sbatch_lines.push_back("--ntasks-per-node=" + std::to_string(ranks.tasks_per_node));
  }
  if (ranks.gpus_per_node > 0)
    sbatch_lines.push_back("--gpus-per-node=" + std::to_string(ranks.gpus_per_node));
  write_file(out / kJobScript,
             job_script(sbatch_lines, trainer, (remote / kExitFile).string(), ranks), request);
  stage_in(request);

  // Paths and the name travel as words of their own (quoted for the login node's shell with via),
  // never on #SBATCH lines, where a line break in a folder's name would add an option.
  const CommandResult submitted =
      run({"sbatch", "--parsable", "--job-name=moescope-" + out.filename().string(),
           "--chdir=" + remote.string(), "--output=" + slurm_file_pattern(trainer_log_file(remote)),
           "--", (remote / kJobScript).string()});
  // --parsable prints "ID" or "ID;CLUSTER".
  const std::string answer = first_line(submitted.out);
  const std::string id = answer.substr(0, answer.find(';'));
  if (submitted.exit_code != 0 || id.empty() ||
      !std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isdigit(c); })) {
    throw ExecutorError(out.string() + ": sbatch refused the job" +
                        (options_.partition.empty() ? "" : " for partition " + options_.partition) +
                        ": " + complaint(submitted));
  }
  return id;
}

// The controller (or the login node) does not answer: the job counts as running until it has not
// for unreachable_grace, noted in OUT/.slurm-unanswered (seconds since the epoch) so that the
// count survives the driver; then failed, with what squeue said and the end of the log.
JobStatus SlurmExecutor::unanswered(const JobRequest& request, const std::string& id,
                                    const CommandResult& queued) const {
  const std::time_t now = std::time(nullptr);
  std::time_t since = now;
  if (std::ifstream in(unanswered_file(request.out_dir)); !(in >> since)) {
    since = now;
    std::ofstream(unanswered_file(request.out_dir)) << now << '\n';
  }
  if (now - since < options_.unreachable_grace.count())
    return {};
  JobStatus status;
  status.state = JobState::kFailed;
  status.message = with_log_tail(
      "cannot reach the Slurm controller of " + options_.name + " for job " + id + " since " +
          std::to_string(now - since) + " s (squeue: " + complaint(queued) +
          "). The job may still run there: launching the same spec again resumes it from its "
          "last checkpoint",
      request);
  return status;
}

JobStatus SlurmExecutor::poll(const JobRequest& request, const std::string& handle) {
  const std::string& id = job_id(handle, request);
  const CommandResult queued = run({"squeue", "-h", "-t", "all", "-j", id, "-o", "%T|%r"});
  const std::string line = first_line(queued.out);
  if (queued.exit_code == 0 && !line.empty()) {
    std::error_code ignored;
    fs::remove(unanswered_file(request.out_dir), ignored);
    const std::string state = line.substr(0, line.find('|'));
    const std::string reason =
        line.find('|') == std::string::npos ? "" : line.substr(line.find('|') + 1);
    if (is_active(state)) {
      copy_back(request, false);
      JobStatus status;
      status.state = is_waiting(state) ? JobState::kQueued : JobState::kRunning;
      return status;
    }
    if (!copy_back(request, true))
      return {};  // the end is reported once the run's records are here
    return finished(request, id, state, reason, std::nullopt);
  }
  // squeue knows jobs until the controller forgets them (MinJobAge, 5 min by default); past that,
  // "Invalid job id" (or nothing), and the accounting database has the end.
  const bool forgotten = (queued.exit_code == 0 && line.empty()) ||
                         queued.err.find("Invalid job id") != std::string::npos;
  if (!forgotten)
    return unanswered(request, id, queued);
  const CommandResult accounted =
      run({"sacct", "-n", "-P", "-X", "-j", id, "-o", "State,ExitCode"});
  const std::string record = first_line(accounted.out);
  if (accounted.exit_code == 0 && !record.empty()) {
    // "CANCELLED by 1000|0:15"
    const std::string state = record.substr(0, record.find_first_of(" |"));
    if (is_active(state))
      return {};  // the database lags behind the controller
    if (!copy_back(request, true))
      return {};
    const std::size_t bar = record.find('|');
    return finished(
        request, id, state, "",
        bar == std::string::npos ? std::nullopt : parse_exit_code(record.substr(bar + 1)));
  }
  if (!copy_back(request, true))
    return {};
  if (const std::optional<int> code = read_exit_status(request.out_dir))
    return finished(request, id, *code == 0 ? "COMPLETED" : "FAILED", "", code);
  JobStatus status;
  status.state = JobState::kFailed;
  status.message = with_log_tail("Slurm knows no job " + id + " (squeue: " + complaint(queued) +
                                     "; sacct: " + complaint(accounted) + ")",
                                 request);
  return status;
}

// The end of a job Slurm reports in `state`: done when the trainer exited with status 0 and left
// result.json; otherwise a message naming the state and the trainer's exit status.
JobStatus SlurmExecutor::finished(const JobRequest& request, const std::string& id,
                                  const std::string& state, const std::string& reason,
                                  std::optional<int> exit_code) const {
  JobStatus status;
  // The script's record is the trainer's own status; Slurm's is the script's.
  if (const std::optional<int> recorded = read_exit_status(request.out_dir))
    exit_code = recorded;
  status.exit_code = exit_code;
  if (state == "COMPLETED" && exit_code.value_or(0) == 0 &&
      fs::exists(result_file(request.out_dir))) {
    status.state = JobState::kDone;
    return status;
  }
  std::string what = "Slurm job " + id + " ended " + state;
  if (!reason.empty() && reason != "None")
    what += " (" + reason + ")";
  const std::string trainer = fs::path(options_.trainer.front()).filename().string();
  if (exit_code)
    what += ": " + options_.trainer.front() + " exited with status " + std::to_string(*exit_code);
  else if (state == "COMPLETED")
    what += ", but " + trainer + " wrote no " + result_file(request.out_dir).string();
  else
    what += " before " + trainer + " exited";
  if (state == "CANCELLED") {
    status.state = JobState::kCancelled;
    status.message = with_log_tail(what + " (scancel outside this queue)", request);
    return status;
  }
  status.state = JobState::kFailed;
  status.message = with_log_tail(what, request);
  return status;
}

void SlurmExecutor::cancel(const JobRequest& request, const std::string& handle) {
  const std::string& id = job_id(handle, request);
  const auto in_queue = [&] {
    return !first_line(run({"squeue", "-h", "-j", id, "-o", "%T"}).out).empty();
  };
  if (!in_queue())
    return;
  const CommandResult cancelled = run({"scancel", id});
  if (cancelled.exit_code != 0)
    throw ExecutorError(request.out_dir.string() + ": scancel " + id +
                        " failed: " + complaint(cancelled));
  const auto deadline = std::chrono::steady_clock::now() + kCancelLimit;
  while (in_queue()) {
    if (std::chrono::steady_clock::now() >= deadline)
      throw ExecutorError(request.out_dir.string() + ": Slurm job " + id + " is still in squeue " +
                          std::to_string(kCancelLimit.count()) + " s after scancel");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  copy_back(request, true);  // best effort: the job's end is the queue's news, not its files
}

std::optional<std::string> SlurmExecutor::running_job(const JobRequest& request) {
  const CommandResult listed = run({"squeue", "-h", "-o", "%i %o"});
  if (listed.exit_code != 0)
    throw ExecutorError(request.out_dir.string() + ": squeue failed: " + complaint(listed));
  const std::string script = (cluster_dir(request) / kJobScript).string();
  std::istringstream lines(listed.out);
  std::string line;
  while (std::getline(lines, line)) {
    const std::size_t space = line.find(' ');
    if (space != std::string::npos && line.substr(space + 1) == script)
      return line.substr(0, space);
  }
  return std::nullopt;
}

}  // namespace moescope

#include "launch/queue_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "moescope/io/atomic_file.h"
#include "moescope/io/json_limits.h"
#include "moescope/launch/run_queue.h"

namespace moescope {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kFormat = "moescope-queue";
constexpr int kVersion = 1;

fs::path state_file(const fs::path& directory) {
  return directory / "jobs.json";
}

json job_json(const Job& job) {
  json object = {
      {"id", job.id},
      {"name", job.name},
      {"state", to_string(job.state)},
      {"spec", job.request.spec_file.string()},
      {"out_dir", job.request.out_dir.string()},
      {"trainer", job.request.trainer},
      {"store", job.store.string()},
      {"executor", job.executor},
      {"planned_steps", job.planned_steps},
      {"queued_at", job.queued_at},
  };
  if (!job.handle.empty())
    object["handle"] = job.handle;
  if (job.started_at)
    object["started_at"] = *job.started_at;
  if (job.finished_at)
    object["finished_at"] = *job.finished_at;
  if (job.exit_code)
    object["exit_code"] = *job.exit_code;
  if (!job.message.empty())
    object["message"] = job.message;
  if (!job.run_id.empty())
    object["run_id"] = job.run_id;
  return object;
}

// A whole number of the queue's file within T's range. nlohmann's get<int>() converts a float
// such as 1e10 by a cast whose result is undefined out of range, so the type and range are checked
// first; the caller's catch names the file and job (std::invalid_argument, caught there).
template <typename T>
T whole_number(const json& object, const char* key) {
  const json& value = object.at(key);
  if (!value.is_number_integer())
    throw std::invalid_argument(std::string(key) + ": not a whole number: " + value.dump());
  const bool in_range =
      value.is_number_unsigned()
          ? value.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<T>::max())
          : value.get<std::int64_t>() >= std::numeric_limits<T>::min() &&
                value.get<std::int64_t>() <= std::numeric_limits<T>::max();
  if (!in_range)
    throw std::invalid_argument(std::string(key) + ": out of range: " + value.dump());
  return static_cast<T>(value.get<std::int64_t>());
}

// A text of the queue's file, or `fallback` where the key is absent; another type is refused.
std::string text_or(const json& object, const char* key, const std::string& fallback) {
  const auto found = object.find(key);
  if (found == object.end())
    return fallback;
  if (!found->is_string())
    throw std::invalid_argument(std::string(key) + ": not a text: " + found->dump());
  return found->get<std::string>();
}

// Reads one job, naming the file and the job's position in every complaint.
Job parse_job(const json& object, const std::string& where) {
  auto fail = [&](const std::string& why) -> QueueError { return QueueError(where + ": " + why); };
  if (!object.is_object())
    throw fail("not a JSON object");
  try {
    Job job;
    job.id = whole_number<int>(object, "id");
    job.name = object.at("name").get<std::string>();
    const std::optional<JobState> state = parse_job_state(object.at("state").get<std::string>());
    if (!state)
      throw fail("unknown state " + object.at("state").dump());
    job.state = *state;
    job.request.spec_file = object.at("spec").get<std::string>();
    job.request.out_dir = object.at("out_dir").get<std::string>();
    job.request.trainer = object.at("trainer").get<std::vector<std::string>>();
    job.store = object.at("store").get<std::string>();
    job.executor = object.at("executor").get<std::string>();
    job.planned_steps = whole_number<std::int64_t>(object, "planned_steps");
    job.queued_at = object.at("queued_at").get<double>();
    job.handle = text_or(object, "handle", "");
    if (object.contains("started_at"))
      job.started_at = object.at("started_at").get<double>();
    if (object.contains("finished_at"))
      job.finished_at = object.at("finished_at").get<double>();
    if (object.contains("exit_code"))
      job.exit_code = whole_number<int>(object, "exit_code");
    job.message = text_or(object, "message", "");
    job.run_id = text_or(object, "run_id", "");
    return job;
  } catch (const json::exception& error) {
    throw fail(error.what());
  } catch (const std::invalid_argument& error) {
    throw fail(error.what());
  }
}

}  // namespace

QueueLock::QueueLock(const fs::path& directory) {
  const fs::path file = directory / "queue.lock";
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw QueueError(file.string() + ": cannot open the queue's lock: " + std::strerror(errno));
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno != EINTR) {
      const std::string why = std::strerror(errno);
      ::close(fd_);
      throw QueueError(file.string() + ": cannot lock the queue: " + why);
    }
  }
}

QueueLock::~QueueLock() {
  ::close(fd_);
}

QueueState read_queue_state(const fs::path& directory) {
  const fs::path file = state_file(directory);
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return {};
  std::ostringstream text;
  text << in.rdbuf();
  if (const std::optional<std::string> problem = json_depth_problem(text.str()))
    throw QueueError(file.string() + ": " + *problem);
  if (const std::optional<std::string> problem = json_nul_problem(text.str()))
    throw QueueError(file.string() + ": " + *problem);
  const json root = json::parse(text.str(), nullptr, false);
  const auto format = root.is_object() ? root.find("format") : root.end();
  if (!root.is_object() || format == root.end() || *format != kFormat)
    throw QueueError(file.string() + ": not a MoEScope queue (format \"" + kFormat + "\")");
  const auto version = root.find("version");
  if (version == root.end() || !version->is_number_integer() || *version != kVersion) {
    throw QueueError(file.string() + ": queue version " +
                     (version == root.end() ? std::string("none") : version->dump()) +
                     ", this MoEScope reads version " + std::to_string(kVersion));
  }
  QueueState state;
  try {
    state.concurrency_limit = whole_number<int>(root, "concurrency_limit");
    state.next_id = whole_number<int>(root, "next_id");
    const json& jobs = root.at("jobs");
    for (std::size_t i = 0; i < jobs.size(); ++i)
      state.jobs.push_back(parse_job(jobs[i], file.string() + ": job " + std::to_string(i + 1)));
  } catch (const json::exception& error) {
    throw QueueError(file.string() + ": " + error.what());
  } catch (const std::invalid_argument& error) {
    throw QueueError(file.string() + ": " + error.what());
  }
  return state;
}

void write_queue_state(const fs::path& directory, const QueueState& state) {
  json jobs = json::array();
  for (const Job& job : state.jobs)
    jobs.push_back(job_json(job));
  const json root = {{"format", kFormat},
                     {"version", kVersion},
                     {"concurrency_limit", state.concurrency_limit},
                     {"next_id", state.next_id},
                     {"jobs", jobs}};
  // One writer at a time (the queue's lock); on disk before it replaces the old file, so that a
  // crash leaves the old file or the new one, whole.
  try {
    write_file_atomically(state_file(directory), root.dump(2) + "\n", 0644);
  } catch (const std::runtime_error& error) {
    throw QueueError(error.what());
  }
}

}  // namespace moescope

#include "moescope/launch/hosts.h"

#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>

#include "moescope/io/json_file.h"
#include "moescope/launch/slurm_executor.h"
#include "moescope/launch/ssh_executor.h"

namespace moescope {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using nlohmann::ordered_json;

// The registry's format; a later one is refused rather than misread.
constexpr int kHostsVersion = 1;

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

SshExecutorOptions ssh_options_of(const Host& host, const fs::path& control_dir) {
  SshExecutorOptions options;
  options.name = host.name;
  options.target = host.ssh;
  options.control_dir = control_dir;
  options.remote_dir = host.remote_dir;
  options.trainer = {host.trainer};
  options.data_dir = host.data_dir;
  return options;
}

SlurmExecutorOptions slurm_options_of(const Host& host, const fs::path& control_dir) {
  SlurmExecutorOptions options;
  options.name = host.name;
  options.partition = host.partition;
  options.account = host.account;
  options.gres = host.gres;
  options.time = host.time;
  options.via = host.via;
  options.control_dir = control_dir;
  options.remote_dir = host.remote_dir;
  options.trainer = {host.trainer};
  options.data_dir = host.data_dir;
  return options;
}

ordered_json target_json(const SshTarget& target) {
  return {{"user", target.user},
          {"host", target.host},
          {"port", target.port},
          {"identity", target.identity.string()},
          {"known_hosts", target.known_hosts.string()}};
}

}  // namespace

ordered_json to_json(const Host& host) {
  ordered_json entry = {{"name", host.name}, {"kind", to_string(host.kind)}};
  if (host.kind == HostKind::kSsh) {
    entry["ssh"] = target_json(host.ssh);
  } else {
    entry["partition"] = host.partition;
    entry["account"] = host.account;
    entry["gres"] = host.gres;
    entry["time"] = host.time;
    entry["via"] = host.via ? target_json(*host.via) : ordered_json(nullptr);
  }
  entry["remote_dir"] = host.remote_dir;
  entry["trainer"] = host.trainer;
  entry["data_dir"] = host.data_dir;
  entry["jobs"] = host.jobs;
  return entry;
}

namespace {

// Reads the fields of one JSON object, noting every problem with the path of the field.
class FieldReader {
 public:
  FieldReader(const json& object, std::string where, std::vector<std::string>& problems)
      : object_(object), where_(std::move(where)), problems_(problems) {
    if (!object_.is_object())
      problem(where_, "must be an object");
  }

  void text(const char* key, std::string& into, bool required = false) {
    const json* value = field(key, required);
    if (!value)
      return;
    if (value->is_string())
      into = value->get<std::string>();
    else
      problem(path(key), "must be a string");
  }
  void path_text(const char* key, fs::path& into) {
    std::string text_value;
    text(key, text_value);
    into = text_value;
  }
  void integer(const char* key, int& into) {
    const json* value = field(key, false);
    if (!value)
      return;
    if (value->is_number_integer() && value->get<std::int64_t>() >= -(1LL << 31) &&
        value->get<std::int64_t>() < (1LL << 31))
      into = value->get<int>();
    else
      problem(path(key), "must be an integer");
  }
  const json* field(const char* key, bool required) {
    seen_.insert(key);
    if (!object_.is_object())
      return nullptr;
    const auto found = object_.find(key);
    if (found == object_.end() || (found->is_null() && !required)) {
      if (required)
        problem(path(key), "missing");
      return nullptr;
    }
    return &*found;
  }
  // After every field has been read: the keys nobody asked for.
  void refuse_unknown_keys() {
    if (!object_.is_object())
      return;
    for (const auto& [key, value] : object_.items()) {
      if (!seen_.count(key))
        problem(path(key.c_str()), "unknown key");
    }
  }
  std::string path(const char* key) const { return where_ + "." + key; }
  void problem(const std::string& field, const std::string& what) {
    problems_.push_back(field + ": " + what);
  }

 private:
  const json& object_;
  std::string where_;
  std::vector<std::string>& problems_;
  std::set<std::string> seen_;
};

SshTarget read_target(const json& object, const std::string& where,
                      std::vector<std::string>& problems) {
  SshTarget target;
  FieldReader fields(object, where, problems);
  fields.text("user", target.user);
  fields.text("host", target.host, true);
  fields.integer("port", target.port);
  fields.path_text("identity", target.identity);
  fields.path_text("known_hosts", target.known_hosts);
  fields.refuse_unknown_keys();
  return target;
}

Host read_host(const json& object, const std::string& where, std::vector<std::string>& problems) {
  Host host;
  FieldReader fields(object, where, problems);
  fields.text("name", host.name, true);
  std::string kind;
  fields.text("kind", kind, true);
  if (kind == "slurm")
    host.kind = HostKind::kSlurm;
  else if (kind != "ssh" && !kind.empty())
    fields.problem(fields.path("kind"), "must be \"ssh\" or \"slurm\", got \"" + kind + "\"");
  if (host.kind == HostKind::kSsh) {
    if (const json* ssh = fields.field("ssh", true))
      host.ssh = read_target(*ssh, fields.path("ssh"), problems);
  } else {
    fields.text("partition", host.partition);
    fields.text("account", host.account);
    fields.text("gres", host.gres);
    fields.text("time", host.time);
    if (const json* via = fields.field("via", false))
      host.via = read_target(*via, fields.path("via"), problems);
  }
  fields.text("remote_dir", host.remote_dir);
  fields.text("trainer", host.trainer);
  fields.text("data_dir", host.data_dir);
  fields.integer("jobs", host.jobs);
  fields.refuse_unknown_keys();
  return host;
}

}  // namespace

std::string_view to_string(HostKind kind) {
  return kind == HostKind::kSsh ? "ssh" : "slurm";
}

std::vector<std::string> Host::validate() const {
  std::vector<std::string> problems;
  // The executors' own checks, whose messages name their fields.
  const std::vector<std::string> executor_problems = kind == HostKind::kSsh
                                                         ? ssh_options_of(*this, "/").validate()
                                                         : slurm_options_of(*this, "/").validate();
  for (const std::string& problem : executor_problems) {
    if (problem.rfind("target ", 0) == 0)
      problems.push_back("ssh." + problem.substr(7));
    else if (problem.rfind("name", 0) != 0)  // the name is checked below, the same for both
      problems.push_back(problem);
  }
  if (name.empty() ||
      name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
          std::string::npos ||
      name.front() == '-' || name == "." || name == "..") {
    problems.push_back("name: letters, digits, '.', '_' and '-' (not first) only, got '" + name +
                       "'");
  }
  if (jobs < 1)
    problems.push_back("jobs: must be >= 1, got " + std::to_string(jobs));
  return problems;
}

std::string executor_kind(const Host& host) {
  return std::string(to_string(host.kind)) + ":" + host.name;
}

std::optional<std::string> host_of_executor_kind(std::string_view kind) {
  for (const std::string_view prefix : {"ssh:", "slurm:"}) {
    if (kind.substr(0, prefix.size()) == prefix && kind.size() > prefix.size())
      return std::string(kind.substr(prefix.size()));
  }
  return std::nullopt;
}

fs::path default_hosts_file() {
  if (const std::string file = environment("MOESCOPE_HOSTS_FILE"); !file.empty())
    return file;
  if (const fs::path config = environment("XDG_CONFIG_HOME"); config.is_absolute())
    return config / "moescope" / "hosts.json";
  const std::string home = environment("HOME");
  if (home.empty())
    throw HostError("no hosts file: set MOESCOPE_HOSTS_FILE, XDG_CONFIG_HOME or HOME");
  return fs::path(home) / ".config" / "moescope" / "hosts.json";
}

std::vector<Host> read_hosts(const fs::path& file) {
  std::error_code error;
  if (!fs::exists(file, error))
    return {};
  json document;
  try {
    document = read_json_file(file);
  } catch (const std::exception& failure) {
    throw HostError(failure.what());
  }
  std::vector<std::string> problems;
  std::vector<Host> hosts;
  FieldReader top(document, "hosts.json", problems);
  int version = kHostsVersion;
  top.integer("version", version);
  if (version != kHostsVersion)
    top.problem("version", "this moescope reads version " + std::to_string(kHostsVersion) +
                               ", got " + std::to_string(version));
  if (const json* list = top.field("hosts", true)) {
    if (!list->is_array())
      top.problem("hosts", "must be an array");
    std::set<std::string> names;
    for (std::size_t i = 0; list->is_array() && i < list->size(); ++i) {
      const std::string where = "hosts[" + std::to_string(i) + "]";
      Host host = read_host((*list)[i], where, problems);
      for (const std::string& problem : host.validate())
        problems.push_back(where + " (" + host.name + "): " + problem);
      if (!names.insert(host.name).second)
        problems.push_back(where + ": the name '" + host.name + "' is used twice");
      hosts.push_back(std::move(host));
    }
  }
  top.refuse_unknown_keys();
  if (!problems.empty()) {
    std::string message = file.string() + ": " + std::to_string(problems.size()) + " problem" +
                          (problems.size() == 1 ? "" : "s") + ":";
    for (const std::string& problem : problems)
      message += "\n  " + problem;
    throw HostError(message);
  }
  return hosts;
}

void write_hosts(const fs::path& file, const std::vector<Host>& hosts) {
  ordered_json list = ordered_json::array();
  for (const Host& host : hosts) {
    const std::vector<std::string> problems = host.validate();
    if (!problems.empty())
      throw HostError("host '" + host.name + "': " + problems.front());
    list.push_back(to_json(host));
  }
  std::error_code error;
  fs::create_directories(file.parent_path(), error);
  try {
    write_json_file(file, {{"version", kHostsVersion}, {"hosts", list}});
  } catch (const std::runtime_error& failure) {
    throw HostError(failure.what());
  }
}

std::optional<Host> find_host(const std::vector<Host>& hosts, std::string_view name) {
  for (const Host& host : hosts) {
    if (host.name == name)
      return host;
  }
  return std::nullopt;
}

fs::path default_control_dir() {
  const fs::path runtime = environment("XDG_RUNTIME_DIR");
  const fs::path folder = runtime.is_absolute()
                              ? runtime / "moescope-ssh"
                              : fs::path("/tmp/moescope-ssh-" + std::to_string(::getuid()));
  // Its sockets are connections to the user's hosts: the user's alone.
  std::error_code error;
  if (fs::create_directories(folder, error))
    fs::permissions(folder, fs::perms::owner_all, error);
  return folder;
}

std::unique_ptr<Executor> make_executor(const Host& host, const fs::path& control_dir) {
  const std::vector<std::string> problems = host.validate();
  if (!problems.empty())
    throw HostError("host '" + host.name + "': " + problems.front());
  if (host.kind == HostKind::kSsh)
    return std::make_unique<SshExecutor>(ssh_options_of(host, control_dir));
  return std::make_unique<SlurmExecutor>(slurm_options_of(host, control_dir));
}

}  // namespace moescope

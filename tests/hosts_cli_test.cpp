// `moescope hosts` and `moescope train launch --host` as a user runs them, against a real sshd on
// 127.0.0.1 (support/ssh_server.h): the registry, `hosts check`, training on the SSH host into a
// store with provenance remote, and status and cancel of a remote job. With MOESCOPE_TRAIN_BINARY
// (a build with the trainer), a tiny CPU spec trains with the real moescope-train through sshd.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "moescope/launch/hosts.h"
#include "moescope/store/run_store.h"
#include "support/run_program.h"
#include "support/slurm_cluster.h"
#include "support/ssh_server.h"
#include "support/temporary_folder.h"

namespace moescope {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::seconds;
using testing_support::Outcome;
using testing_support::read_file;
using testing_support::run_program;
using testing_support::SshServer;
using testing_support::TemporaryFolder;

// Prints its version as moescope-train does; trains one step of a fake run otherwise, or --pause
// seconds per step for --steps steps.
constexpr const char* kFakeTrainer = R"sh(#!/bin/sh
steps=1; pause=0
while [ $# -gt 0 ]; do
  case "$1" in
    --version) echo "moescope-train 0.1.0"; echo "built for tests"; exit 0 ;;
    --spec) spec=$2; shift 2 ;; --out) out=$2; shift 2 ;; --steps) steps=$2; shift 2 ;;
    --pause) pause=$2; shift 2 ;; *) shift ;;
  esac
done
i=0
while [ "$i" -lt "$steps" ]; do
  i=$((i + 1))
  printf '{"step":%d,"tokens":16384,"loss":5.0,"lr":0.003,"tokens_per_s":1000}\n' "$i" >> "$out/metrics.jsonl"
  sleep "$pause"
done
printf '{"step":1,"tokens":16384,"val_loss":4.8}\n' >> "$out/metrics.jsonl"
cat > "$out/result.json" <<JSON
{"val_loss": 4.8, "tokens": 16384, "N": 1737728, "N_active": 558080, "S": 0.75,
 "flops": 80765517824,
 "architecture": {"d_model": 128, "layers": 2, "heads": 2, "vocab": 256, "context": 512,
                  "experts": 4, "active": 1, "granularity": 1, "tied_embeddings": true}}
JSON
)sh";

constexpr const char* kSpec = R"({"d_model": 128, "layers": 2, "heads": 2, "experts": 4,
  "active": 1, "granularity": 1, "context": 512, "batch_size": 32, "tokens": 16384, "lr": 0.003,
  "warmup_fraction": 0.05, "seed": 1})";

class HostsCliTest : public ::testing::Test {
 protected:
  Outcome moescope(const std::vector<std::string>& args,
                   std::vector<std::pair<std::string, std::string>> environment = {}) const {
    environment.insert(environment.end(), {{"MOESCOPE_HOSTS_FILE", hosts_file().string()},
                                           {"MOESCOPE_QUEUE", queue().string()},
                                           {"XDG_RUNTIME_DIR", control_root().string()}});
    return run_program(MOESCOPE_BINARY, args, dir(), environment);
  }

  void write_trainer() const {
    std::ofstream(trainer()) << kFakeTrainer;
    fs::permissions(trainer(), fs::perms::owner_all);
  }

  // A real sshd, or a skip where openssh-server is missing.
  void start_server() {
    if (const std::optional<std::string> why = SshServer::missing())
      GTEST_SKIP() << *why;
    server_ = std::make_unique<SshServer>(dir() / "sshd");
    write_trainer();
  }

  // `hosts add loop --ssh USER@127.0.0.1:PORT --identity KEY --known-hosts FILE` plus `extra`.
  Outcome add_loop(const std::vector<std::string>& extra) const {
    std::vector<std::string> args = {"hosts",
                                     "add",
                                     "loop",
                                     "--ssh",
                                     server_->target().to_string(),
                                     "--identity",
                                     server_->user_key().string(),
                                     "--known-hosts",
                                     server_->known_hosts().string(),
                                     "--remote-dir",
                                     (dir() / "remote").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return moescope(args);
  }

  fs::path write_spec(const std::string& name) const {
    const fs::path spec = dir() / (name + ".json");
    std::ofstream(spec) << kSpec;
    return spec;
  }

  const fs::path& dir() const { return folder_.path(); }
  fs::path hosts_file() const { return dir() / "config" / "hosts.json"; }
  fs::path queue() const { return dir() / "queue"; }
  fs::path store() const { return dir() / "runs.sqlite"; }
  fs::path trainer() const { return dir() / "fake-train"; }
  // The XDG runtime folder, short: ssh's reused connections have sockets there.
  fs::path control_root() const { return control_root_; }

  void TearDown() override {
    server_.reset();
    testing_support::remove_tree(control_root_);
  }

  TemporaryFolder folder_{"moescope-hosts"};
  fs::path control_root_ = "/tmp/moescope-xdg-" + std::to_string(::getpid());
  std::unique_ptr<SshServer> server_;
};

TEST_F(HostsCliTest, AddListAndRemoveKeepTheRegistryInItsFile) {
  const Outcome added = moescope({"hosts", "add", "gpu", "--ssh", "alice@gpu.lab:2200", "--trainer",
                                  "/opt/moescope/bin/moescope-train", "--jobs", "2"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  const Outcome cluster = moescope({"hosts", "add", "cluster", "--slurm", "--partition", "debug",
                                    "--gres", "gpu:1", "--time", "01:00:00"});
  ASSERT_EQ(cluster.exit_code, 0) << cluster.err;
  const json file = json::parse(read_file(hosts_file()));
  ASSERT_EQ(file.at("hosts").size(), 2u);
  EXPECT_EQ(file["hosts"][0]["ssh"]["user"], "alice");
  EXPECT_EQ(file["hosts"][0]["ssh"]["port"], 2200);
  EXPECT_EQ(file["hosts"][0]["remote_dir"], "moescope-runs");
  EXPECT_EQ(file["hosts"][0]["jobs"], 2);
  EXPECT_EQ(file["hosts"][1]["kind"], "slurm");
  EXPECT_EQ(file["hosts"][1]["gres"], "gpu:1");

  const Outcome listed = moescope({"hosts", "list"});
  EXPECT_NE(listed.out.find("ssh alice@gpu.lab:2200"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("slurm partition debug"), std::string::npos) << listed.out;
  const json as_json = json::parse(moescope({"hosts", "list", "--json"}).out);
  EXPECT_EQ(as_json.at("hosts").at(1).at("partition"), "debug");

  ASSERT_EQ(moescope({"hosts", "remove", "gpu"}).exit_code, 0);
  EXPECT_EQ(read_hosts(hosts_file()).size(), 1u);
  const Outcome again = moescope({"hosts", "remove", "gpu"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("no host 'gpu'"), std::string::npos) << again.err;
}

TEST_F(HostsCliTest, BadInputIsRefusedAsUsageNamingTheProblem) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"hosts", "add", "x"}, "--ssh or --slurm"},
      {{"hosts", "add", "x", "--ssh", "-oProxyCommand=touch@y"}, "expected [USER@]HOST[:PORT]"},
      {{"hosts", "add", "x", "--ssh", "h;rm -rf"}, "expected [USER@]HOST[:PORT]"},
      {{"hosts", "add", "x", "--ssh", "h:70000"}, "port"},
      {{"hosts", "add", "x y", "--ssh", "h"}, "name"},
      {{"hosts", "add", "x", "--ssh", "h", "--slurm"}, "excludes"},
      {{"hosts", "add", "x", "--ssh", "h", "--partition", "p"}, "requires --slurm"},
      {{"hosts", "add", "x", "--slurm", "--identity", "/etc/hostname"}, "requires --ssh"},
      {{"hosts", "add", "x", "--slurm", "--partition", "a b"}, "partition"},
      {{"hosts", "add", "x", "--ssh", "h", "--jobs", "0"}, "--jobs"},
      {{"train", "launch", "--spec", "/etc/hostname", "--host", "nowhere"}, "no host 'nowhere'"},
  };
  for (const auto& [args, expected] : cases) {
    const Outcome outcome = moescope(args);
    EXPECT_EQ(outcome.exit_code, 2) << args[2] << " " << outcome.err;
    EXPECT_NE(outcome.err.find(expected), std::string::npos)
        << "expected '" << expected << "' in: " << outcome.err;
  }
  EXPECT_FALSE(fs::exists(hosts_file()));
}

TEST_F(HostsCliTest, ABrokenRegistryIsRefusedNamingTheField) {
  fs::create_directories(hosts_file().parent_path());
  std::ofstream(hosts_file()) << R"({"hosts": [{"name": "a", "kind": "ssh",
    "ssh": {"host": "h", "port": "22"}, "jobs": 0, "colour": "red"}]})";
  const Outcome listed = moescope({"hosts", "list"});
  EXPECT_EQ(listed.exit_code, 1);
  for (const char* field : {"hosts[0].ssh.port", "jobs", "hosts[0].colour: unknown key"})
    EXPECT_NE(listed.err.find(field), std::string::npos) << field << " in " << listed.err;
}

TEST_F(HostsCliTest, CheckFindsTheTrainerItsVersionAndTheFreeDisk) {
  start_server();
  ASSERT_EQ(add_loop({"--trainer", trainer().string()}).exit_code, 0);
  const Outcome checked = moescope({"hosts", "check", "loop"});
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;
  for (const std::string& expected :
       std::vector<std::string>{"connection: ok", "trainer: " + trainer().string(),
                                "moescope-train 0.1.0", "gpu: ", "disk: ", "host loop is usable"})
    EXPECT_NE(checked.out.find(expected), std::string::npos) << expected << " in " << checked.out;

  ASSERT_EQ(moescope({"hosts", "remove", "loop"}).exit_code, 0);
  ASSERT_EQ(add_loop({"--trainer", "/opt/none/moescope-train"}).exit_code, 0);
  const Outcome missing = moescope({"hosts", "check", "loop"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.out.find("/opt/none/moescope-train not found"), std::string::npos)
      << missing.out;

  server_->stop();
  const Outcome down = moescope({"hosts", "check", "loop"});
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_NE(down.out.find("unreachable"), std::string::npos) << down.out;
}

TEST_F(HostsCliTest, LaunchOnAnSshHostStoresTheRunAsRemote) {
  start_server();
  ASSERT_EQ(add_loop({"--trainer", trainer().string()}).exit_code, 0);
  const Outcome launched = moescope({"train", "launch", "--spec", write_spec("cell").string(),
                                     "--host", "loop", "--store", store().string(), "--wait"});
  ASSERT_EQ(launched.exit_code, 0) << launched.out << launched.err;
  EXPECT_NE(launched.out.find("job 1 cell: done"), std::string::npos) << launched.out;
  const std::vector<moescope::Run> runs = RunStore::open(store()).runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].provenance, Provenance::kRemote);
  EXPECT_EQ(runs[0].origin, "loop");
  EXPECT_TRUE(fs::exists(dir() / "cell" / "result.json"));
  const json status = json::parse(moescope({"train", "status", "--json"}).out);
  EXPECT_EQ(status["jobs"][0]["executor"], "ssh:loop");
  EXPECT_EQ(status["jobs"][0]["state"], "done");
}

TEST_F(HostsCliTest, StatusAndCancelReachAJobOnTheHost) {
  start_server();
  ASSERT_EQ(add_loop({"--trainer", trainer().string()}).exit_code, 0);
  // A trainer that stays busy: the fake with many slow steps.
  ASSERT_EQ(moescope({"hosts", "remove", "loop"}).exit_code, 0);
  const fs::path slow = dir() / "slow-train";
  std::ofstream(slow) << "#!/bin/sh\nexec " << trainer().string() << " --steps 600 --pause 0.1 "
                      << "\"$@\"\n";
  fs::permissions(slow, fs::perms::owner_all);
  ASSERT_EQ(add_loop({"--trainer", slow.string()}).exit_code, 0);
  const Outcome launched = moescope({"train", "launch", "--spec", write_spec("long").string(),
                                     "--host", "loop", "--store", store().string()});
  ASSERT_EQ(launched.exit_code, 0) << launched.err;
  // The background driver submits it; status, from another process, sees it run there.
  const auto deadline = std::chrono::steady_clock::now() + seconds(30);
  json status;
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    status = json::parse(moescope({"train", "status", "--json"}).out);
  } while (status["jobs"][0]["state"] != "running" && std::chrono::steady_clock::now() < deadline);
  ASSERT_EQ(status["jobs"][0]["state"], "running") << status.dump();
  const Outcome table = moescope({"train", "status"});
  EXPECT_NE(table.out.find("ssh:loop"), std::string::npos) << table.out;
  const Outcome cancelled = moescope({"train", "cancel", "1"});
  ASSERT_EQ(cancelled.exit_code, 0) << cancelled.err;
  EXPECT_NE(cancelled.out.find("job 1 cancelled"), std::string::npos);
  // Nothing of the job runs on the host any more: its lock there is free.
  const fs::path lock = dir() / "remote" / "long" / ".trainer.lock";
  const int fd = ::open(lock.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0) << "the remote trainer still runs";
  ::close(fd);
}

// `hosts add --slurm`, `hosts check` and `train launch --host` of a Slurm cluster, run on this
// machine as its login node (tests/slurm_executor_test.cpp tests the executor itself).
TEST_F(HostsCliTest, LaunchOnASlurmHostStoresTheRunAsRemote) {
  if (const std::optional<std::string> why = testing_support::SlurmCluster::unavailable())
    GTEST_SKIP() << *why;
  const testing_support::SlurmCluster cluster;
  write_trainer();
  const auto slurm = cluster.environment();
  ASSERT_EQ(moescope({"hosts", "add", "cluster", "--slurm", "--partition", cluster.partition(),
                      "--trainer", trainer().string()})
                .exit_code,
            0);
  const Outcome checked = moescope({"hosts", "check", "cluster"}, slurm);
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;
  EXPECT_NE(checked.out.find("partition " + cluster.partition() + ": up/"), std::string::npos)
      << checked.out;
  EXPECT_NE(checked.out.find("moescope-train 0.1.0"), std::string::npos) << checked.out;

  const Outcome launched = moescope({"train", "launch", "--spec", write_spec("cell").string(),
                                     "--host", "cluster", "--store", store().string(), "--wait"},
                                    slurm);
  ASSERT_EQ(launched.exit_code, 0) << launched.out << launched.err;
  const std::vector<moescope::Run> runs = RunStore::open(store()).runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].provenance, Provenance::kRemote);
  EXPECT_EQ(runs[0].origin.rfind("cluster (slurm job ", 0), 0u) << runs[0].origin;
  const json status = json::parse(moescope({"train", "status", "--json"}, slurm).out);
  EXPECT_EQ(status["jobs"][0]["executor"], "slurm:cluster");

  // A partition the cluster does not have makes the host unusable.
  ASSERT_EQ(moescope({"hosts", "add", "nowhere", "--slurm", "--partition", "nonesuch"}).exit_code,
            0);
  const Outcome missing = moescope({"hosts", "check", "nowhere"}, slurm);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.out.find("not found by sinfo"), std::string::npos) << missing.out;
}

// Sets an environment variable for one test, restoring it after.
class ScopedVariable {
 public:
  ScopedVariable(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name))
      old_ = old;
    if (value)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  }
  ~ScopedVariable() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }
  ScopedVariable(const ScopedVariable&) = delete;
  ScopedVariable& operator=(const ScopedVariable&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(HostRegistryTest, TheFileIsMoescopeHostsFileElseXdgConfigElseHome) {
  const ScopedVariable home("HOME", "/home/alice");
  {
    const ScopedVariable file("MOESCOPE_HOSTS_FILE", "/etc/moescope/hosts.json");
    const ScopedVariable config("XDG_CONFIG_HOME", "/cfg");
    EXPECT_EQ(default_hosts_file(), "/etc/moescope/hosts.json");
  }
  const ScopedVariable no_file("MOESCOPE_HOSTS_FILE", nullptr);
  {
    const ScopedVariable config("XDG_CONFIG_HOME", "/cfg");
    EXPECT_EQ(default_hosts_file(), "/cfg/moescope/hosts.json");
  }
  const ScopedVariable relative("XDG_CONFIG_HOME", "relative");  // unset, as XDG says
  EXPECT_EQ(default_hosts_file(), "/home/alice/.config/moescope/hosts.json");
}

TEST(HostRegistryTest, MakesTheExecutorOfTheHostsKind) {
  Host ssh;
  ssh.name = "gpu";
  ssh.ssh.host = "gpu.lab";
  ssh.remote_dir = "runs";
  const std::unique_ptr<Executor> over_ssh = make_executor(ssh, "/tmp/c");
  EXPECT_EQ(over_ssh->kind(), "ssh:gpu");
  EXPECT_EQ(over_ssh->kind(), executor_kind(ssh));
  EXPECT_EQ(over_ssh->provenance(), Provenance::kRemote);
  EXPECT_EQ(host_of_executor_kind(over_ssh->kind()), "gpu");
  Host slurm;
  slurm.name = "cluster";
  slurm.kind = HostKind::kSlurm;
  slurm.partition = "debug";
  const std::unique_ptr<Executor> over_slurm = make_executor(slurm, "/tmp/c");
  EXPECT_EQ(over_slurm->kind(), "slurm:cluster");
  EXPECT_EQ(host_of_executor_kind("local"), std::nullopt);
  ssh.jobs = 0;
  EXPECT_THROW(make_executor(ssh, "/tmp/c"), HostError);
}

#ifdef MOESCOPE_TRAIN_BINARY
TEST_F(HostsCliTest, TheRealTrainerTrainsATinySpecThroughSshIntoTheStore) {
  start_server();
  // The corpus cache the training tests share, in the trainer's build tree.
  const fs::path data = fs::path(MOESCOPE_TRAIN_BINARY).parent_path() / "training-data";
  ASSERT_EQ(add_loop({"--trainer", MOESCOPE_TRAIN_BINARY, "--data-dir", data.string()}).exit_code,
            0);
  const Outcome version = moescope({"hosts", "check", "loop"});
  EXPECT_NE(version.out.find("moescope-train 0.1.0"), std::string::npos) << version.out;
  // A cell the CPU trains in seconds (tests/train_end_to_end_test.cpp's).
  const Outcome planned =
      moescope({"train", "plan", "--cell", "7e8,1.85e4,0.5", "--head-size", "16", "--context", "64",
                "--batch-size", "32", "--min-steps", "3", "--out-dir", (dir() / "plan").string()});
  ASSERT_EQ(planned.exit_code, 0) << planned.err;
  const Outcome launched = moescope({"train", "launch", "--plan-dir", (dir() / "plan").string(),
                                     "--host", "loop", "--store", store().string(), "--wait"});
  const fs::path out_dir = dir() / "plan" / "C7e8_N1.85e4_S0.5";
  ASSERT_EQ(launched.exit_code, 0) << launched.out << launched.err << "\ntrainer.log:\n"
                                   << read_file(out_dir / "trainer.log");
  const std::vector<moescope::Run> runs = RunStore::open(store()).runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].provenance, Provenance::kRemote);
  EXPECT_EQ(runs[0].origin, "loop");
  EXPECT_TRUE(runs[0].loss.has_value());
  EXPECT_FALSE(runs[0].loss_curve.empty());
  EXPECT_TRUE(fs::exists(out_dir / "result.json"));
  EXPECT_TRUE(fs::exists(dir() / "remote" / "C7e8_N1.85e4_S0.5" / "checkpoint.pt"));
}
#else
TEST_F(HostsCliTest, TheRealTrainerTrainsATinySpecThroughSshIntoTheStore) {
  GTEST_SKIP() << "this build has no moescope-train (configure with the trainer part, "
                  "-DMOESCOPE_BUILD_TRAINING=ON and LibTorch); the fake trainer's tests ran";
}
#endif

}  // namespace
}  // namespace moescope

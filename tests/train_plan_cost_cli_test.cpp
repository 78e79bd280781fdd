// `moescope train plan` states what a plan costs, and `moescope hosts check local --benchmark`
// saves the throughput it states wall times from (with a fake trainer).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/run_program.h"
#include "support/ssh_server.h"
#include "support/temporary_folder.h"

namespace moescope {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing_support::Outcome;
using testing_support::run_program;
using testing_support::TemporaryFolder;

// 1e15 FLOPs on 1.74e6 parameters: 2.03e8 tokens, 5.1 epochs of debian-v1; 1e14: 0.5 epochs.
const std::vector<std::string> kRepeating = {"--cell", "1e15,1.74e6,0.75"};
const std::vector<std::string> kModest = {"--cell", "1e14,1.74e6,0.75"};

// What `moescope-train --benchmark --out FILE` writes, for one configuration: the planned one.
constexpr const char* kFakeTrainer = R"sh(#!/bin/sh
while [ $# -gt 0 ]; do case "$1" in
  --version) echo "moescope-train 0.1.0"; exit 0 ;; --out) out=$2; shift 2 ;; *) shift ;;
esac; done
[ -n "$FAIL" ] && { echo "no GPU here" >&2; exit 3; }
cat > "$out" <<JSON
{"format": "moescope-throughput", "version": 1, "device": "NVIDIA H100 80GB HBM3",
 "peak_flops": 8e14, "measured": "2026-12-06",
 "rows": [{"d_model": 128, "layers": 2, "heads": 2, "experts": 4, "active": 1, "granularity": 1,
           "context": 512, "micro_batch_size": 32, "tokens_per_s": 4e6, "flops_per_s": 2e13,
           "mfu": 0.025}]}
JSON
)sh";

class TrainPlanCostTest : public ::testing::Test {
 protected:
  Outcome moescope(std::vector<std::string> args,
                   std::vector<std::pair<std::string, std::string>> environment = {}) const {
    environment.emplace_back("MOESCOPE_HOSTS_FILE", hosts_file().string());
    return run_program(MOESCOPE_BINARY, args, folder_.path(), environment);
  }
  Outcome plan(std::vector<std::string> args) const {
    args.insert(args.begin(), {"train", "plan"});
    return moescope(args);
  }
  fs::path hosts_file() const { return folder_.path() / "config" / "hosts.json"; }
  fs::path table_file() const { return folder_.path() / "config" / "throughput" / "local.json"; }
  fs::path trainer() const {
    const fs::path file = folder_.path() / "fake-train";
    std::ofstream(file) << kFakeTrainer;
    fs::permissions(file, fs::perms::owner_all);
    return file;
  }

  TemporaryFolder folder_{"train-plan-cost"};
};

std::vector<std::string> join(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST_F(TrainPlanCostTest, RefusesARunOverFourEpochsAndAllowRepeatsPassesIt) {
  const fs::path specs = folder_.path() / "specs";
  const Outcome refused = plan(join(kRepeating, {"--out-dir", specs.string()}));
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("C1e15_N1.74e6_S0.75: 5.1 epochs"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--allow-repeats"), std::string::npos) << refused.err;
  EXPECT_FALSE(fs::exists(specs)) << "a refused plan wrote specs";
  // Its cost is still shown.
  EXPECT_NE(refused.out.find("epochs"), std::string::npos) << refused.out;

  const Outcome allowed = plan(join(kRepeating, {"--allow-repeats", "--out-dir", specs.string()}));
  EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
  EXPECT_TRUE(fs::exists(specs / "C1e15_N1.74e6_S0.75.json"));
}

// The larger corpus takes the same run under four epochs, and the specs name it.
TEST_F(TrainPlanCostTest, TheLargerCorpusTakesTheRunUnderFourEpochsAndTheSpecsNameIt) {
  const fs::path specs = folder_.path() / "specs";
  const Outcome planned =
      plan(join(kRepeating, {"--corpus", "debian-v2", "--out-dir", specs.string(), "--json"}));
  ASSERT_EQ(planned.exit_code, 0) << planned.err;
  const json run = json::parse(planned.out)["runs"][0];
  EXPECT_NEAR(run["epochs"].get<double>(), run["steps"].get<double>() * 32 * 512 / 167514471.0,
              1e-9);
  EXPECT_LT(run["epochs"].get<double>(), 4.0);
  std::ifstream spec(specs / "C1e15_N1.74e6_S0.75.json");
  EXPECT_EQ(json::parse(spec)["corpus"], "debian-v2");

  const Outcome unknown = plan(join(kModest, {"--corpus", "debian-v9"}));
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("corpus must be one of debian, debian-v1, debian-v2"),
            std::string::npos)
      << unknown.err;
}

TEST_F(TrainPlanCostTest, JsonHasEachRunsCostAndTotalsThatAreTheSumsMemoryTheLargest) {
  const Outcome out = plan(join(kModest, {"--cell", "1e14,2.14e7,0.75", "--json"}));
  ASSERT_EQ(out.exit_code, 0) << out.err;
  const json planned = json::parse(out.out);
  ASSERT_EQ(planned["runs"].size(), 2u);
  double flops = 0, epochs = 0, memory = 0;
  for (const json& run : planned["runs"]) {
    for (const char* key : {"flops", "epochs", "memory_bytes"})
      ASSERT_TRUE(run[key].is_number()) << key << " in " << run.dump();
    // No throughput measured: no wall time, never a made-up one.
    EXPECT_TRUE(run.contains("wall_seconds") && run["wall_seconds"].is_null()) << run.dump();
    EXPECT_NEAR(run["epochs"].get<double>(), run["steps"].get<double>() * 32 * 512 / 39406839.0,
                1e-12);
    flops += run["flops"].get<double>();
    epochs += run["epochs"].get<double>();
    memory = std::max(memory, run["memory_bytes"].get<double>());
  }
  const json& total = planned["total"];
  EXPECT_DOUBLE_EQ(total["flops"].get<double>(), flops);
  EXPECT_DOUBLE_EQ(total["epochs"].get<double>(), epochs);
  EXPECT_DOUBLE_EQ(total["memory_bytes"].get<double>(), memory);
  EXPECT_TRUE(total["wall_seconds"].is_null());
  EXPECT_EQ(planned["throughput"],
            "no throughput measured for host local; run `moescope hosts check local --benchmark`");
}

TEST_F(TrainPlanCostTest, BenchmarkSavesTheTableAndThePlanStatesWallTimesFromIt) {
  const Outcome failed = moescope(
      {"hosts", "check", "local", "--benchmark", "--trainer", trainer().string()}, {{"FAIL", "1"}});
  EXPECT_NE(failed.exit_code, 0);
  EXPECT_NE(failed.err.find("no GPU here"), std::string::npos) << failed.err;
  EXPECT_FALSE(fs::exists(table_file()));

  const Outcome saved =
      moescope({"hosts", "check", "local", "--benchmark", "--trainer", trainer().string()});
  ASSERT_EQ(saved.exit_code, 0) << saved.err;
  ASSERT_TRUE(fs::exists(table_file())) << saved.out;

  const Outcome out = plan(join(kModest, {"--json"}));
  ASSERT_EQ(out.exit_code, 0) << out.err;
  const json planned = json::parse(out.out);
  const json& run = planned["runs"][0];
  // The run is the measured configuration: its FLOPs (and its validation passes) at 2e13 FLOP/s.
  const double seconds = run["wall_seconds"].get<double>();
  EXPECT_GT(seconds, run["flops"].get<double>() / 2e13);
  EXPECT_LT(seconds, 1.2 * run["flops"].get<double>() / 2e13);
  EXPECT_DOUBLE_EQ(planned["total"]["wall_seconds"].get<double>(), seconds);

  // Above the time set, a warning; the plan still succeeds.
  const Outcome warned = plan(join(kModest, {"--max-hours", "0.001"}));
  EXPECT_EQ(warned.exit_code, 0) << warned.err;
  EXPECT_NE(warned.err.find("warning: the plan takes about"), std::string::npos) << warned.err;
  EXPECT_NE(warned.out.find("wall times from the throughput measured on host local"),
            std::string::npos)
      << warned.out;
}

TEST_F(TrainPlanCostTest, BenchmarkOnAnSshHostSavesItsTable) {
  if (const std::optional<std::string> why = testing_support::SshServer::missing())
    GTEST_SKIP() << *why;
  const testing_support::SshServer server(folder_.path() / "sshd");
  // ssh's reused connections have sockets there: a short path.
  const fs::path runtime = "/tmp/moescope-plan-xdg-" + std::to_string(::getpid());
  fs::create_directories(runtime);
  const std::vector<std::pair<std::string, std::string>> environment = {
      {"XDG_RUNTIME_DIR", runtime.string()}};
  const Outcome added = moescope(
      {"hosts", "add", "loop", "--ssh", server.target().to_string(), "--identity",
       server.user_key().string(), "--known-hosts", server.known_hosts().string(), "--remote-dir",
       (folder_.path() / "remote").string(), "--trainer", trainer().string()},
      environment);
  ASSERT_EQ(added.exit_code, 0) << added.err;
  const Outcome saved = moescope({"hosts", "check", "loop", "--benchmark"}, environment);
  fs::remove_all(runtime);
  ASSERT_EQ(saved.exit_code, 0) << saved.out << saved.err;
  const fs::path table = folder_.path() / "config" / "throughput" / "loop.json";
  ASSERT_TRUE(fs::exists(table)) << saved.out;
  EXPECT_EQ(json::parse(testing_support::read_file(table))["device"], "NVIDIA H100 80GB HBM3");
  const Outcome out = plan(join(kModest, {"--host", "loop", "--json"}));
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_TRUE(json::parse(out.out)["runs"][0]["wall_seconds"].is_number()) << out.out;
}

TEST_F(TrainPlanCostTest, RefusesAnUnknownHostAndABrokenTable) {
  const Outcome unknown = plan(join(kModest, {"--host", "nowhere"}));
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("no host 'nowhere'"), std::string::npos) << unknown.err;

  fs::create_directories(table_file().parent_path());
  std::ofstream(table_file()) << R"({"format": "moescope-throughput", "version": 1})";
  const Outcome broken = plan(kModest);
  EXPECT_NE(broken.exit_code, 0);
  EXPECT_NE(broken.err.find(table_file().string()), std::string::npos) << broken.err;
  EXPECT_NE(broken.err.find("device: missing"), std::string::npos) << broken.err;
}

}  // namespace
}  // namespace moescope

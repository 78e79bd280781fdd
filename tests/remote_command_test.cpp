// run_command, the one way the remote executors start programs, and shell_quote, the one function
// that builds the shell command lines ssh hands to the remote shell.
#include "moescope/launch/remote_command.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "support/temporary_folder.h"

namespace moescope {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing_support::TemporaryFolder;

// Words that a shell would act on if they were pasted unquoted into a command line.
std::vector<std::string> hostile_words(const fs::path& canary) {
  const std::string touch = "touch " + canary.string();
  return {"$(" + touch + ")",
          "`" + touch + "`",
          "x; " + touch,
          "x && " + touch,
          "x | " + touch,
          "'; " + touch + "; echo '",
          "\"; " + touch + "; echo \"",
          "line one\n" + touch + "\nline three",
          "two  spaces\tand a tab",
          "-rf",
          "--help",
          "*",
          "~",
          "back\\slash\\",
          "\\'",
          "'",
          "''",
          "",
          "${HOME}$PATH",
          "a > " + canary.string(),
          "été, 東京, \xF0\x9F\x98\x80",
          "# not a comment",
          "!event"};
}

TEST(ShellQuoteTest, EveryWordRoundTripsThroughARealShellAndNothingRuns) {
  const TemporaryFolder folder("moescope-quote");
  const fs::path canary = folder.path() / "CANARY";
  const std::vector<std::string> words = hostile_words(canary);
  // The shell prints each argument it received, NUL-terminated, so that newlines are kept.
  std::vector<std::string> line_words = {"printf", "%s\\0"};
  line_words.insert(line_words.end(), words.begin(), words.end());
  const CommandResult result =
      run_command({"sh", "-c", shell_command_line(line_words)}, seconds(10));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::vector<std::string> received;
  std::size_t begin = 0;
  for (std::size_t end; (end = result.out.find('\0', begin)) != std::string::npos; begin = end + 1)
    received.push_back(result.out.substr(begin, end - begin));
  EXPECT_EQ(received, words);
  EXPECT_FALSE(fs::exists(canary)) << "a quoted word was executed";
}

TEST(ShellQuoteTest, QuotesEachSingleQuoteAndRefusesNul) {
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(shell_command_line({"a b", "c"}), "'a b' 'c'");
  EXPECT_THROW(shell_quote(std::string("a\0b", 3)), std::invalid_argument);
}

TEST(RunCommandTest, PassesArgumentsAndInputUnchangedAndReportsTheExitStatus) {
  const CommandResult result = run_command(
      {"sh", "-c", "cat; echo \"$1\" >&2; exit 3", "sh", "$(x) `y`"}, seconds(10), "input\nbytes");
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_EQ(result.out, "input\nbytes");
  EXPECT_EQ(result.err, "$(x) `y`\n");
  EXPECT_FALSE(result.timed_out);
  EXPECT_TRUE(result.started);
}

TEST(RunCommandTest, ATimeoutKillsTheProgramAndWhatItStarted) {
  const TemporaryFolder folder("moescope-timeout");
  const fs::path late = folder.path() / "late";
  const auto start = std::chrono::steady_clock::now();
  // The background child would write `late` after 2 s unless killed with its process group.
  const CommandResult result = run_command(
      {"sh", "-c", "(sleep 2; touch \"$1\") & sleep 30", "sh", late.string()}, milliseconds(300));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(result.timed_out);
  EXPECT_EQ(result.exit_code, -1);
  EXPECT_LT(took, seconds(5));
  std::this_thread::sleep_for(seconds(3));
  EXPECT_FALSE(fs::exists(late)) << "a process of the group outlived the timeout";
}

TEST(RunCommandTest, AProgramLeavingItsOutputOpenDoesNotHoldTheCaller) {
  // Like ssh's ControlPersist master: the program exits, a child it left keeps stdout open.
  const auto start = std::chrono::steady_clock::now();
  const CommandResult result =
      run_command({"sh", "-c", "echo done; (sleep 20) & exit 0"}, seconds(15));
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out, "done\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(5));
}

TEST(RunCommandTest, AProgramThatReadsNoInputDoesNotKillTheCaller) {
  // Writing to a reader that has gone would raise SIGPIPE in this process.
  const std::string input(4 << 20, 'x');
  const CommandResult result = run_command({"true"}, seconds(10), input);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_FALSE(result.timed_out);
}

TEST(RunCommandTest, AMissingProgramIsReportedNotThrown) {
  const CommandResult result = run_command({"moescope-no-such-program-here"}, seconds(5));
  EXPECT_FALSE(result.started);
  EXPECT_NE(result.err.find("moescope-no-such-program-here"), std::string::npos) << result.err;
  EXPECT_THROW(run_command({}, seconds(1)), std::invalid_argument);
}

TEST(RunCommandTest, OutputIsCappedAndTheProgramStillFinishes) {
  const CommandResult result =
      run_command({"sh", "-c", "head -c 3000000 /dev/zero; echo end >&2"}, seconds(20));
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out.size(), kMaxCommandOutput);
  EXPECT_EQ(result.err, "end\n");
}

TEST(SshTargetTest, ParsesUserHostAndPortAndRefusesWhatSshWouldMisread) {
  const std::optional<SshTarget> full = SshTarget::parse("root@127.0.0.1:2222");
  ASSERT_TRUE(full);
  EXPECT_EQ(full->user, "root");
  EXPECT_EQ(full->host, "127.0.0.1");
  EXPECT_EQ(full->port, 2222);
  EXPECT_EQ(full->to_string(), "root@127.0.0.1:2222");
  const std::optional<SshTarget> plain = SshTarget::parse("gpu-box.lab");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->port, 22);
  EXPECT_EQ(plain->to_string(), "gpu-box.lab");
  const std::optional<SshTarget> v6 = SshTarget::parse("[::1]:22022");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->to_string(), "[::1]:22022");
  for (const char* bad : {"-oProxyCommand=x", "host:0", "host:99999", "host:22x", "@host", "",
                          "ho st", "h;ost", "$(x)", "user name@host", "-l@host"}) {
    std::string problem;
    EXPECT_FALSE(SshTarget::parse(bad, &problem)) << bad;
    EXPECT_FALSE(problem.empty()) << bad;
  }
}

TEST(SshArgvTest, CarriesTheSecurityOptionsAndEndsOptionsBeforeTheHost) {
  SshTarget target;
  target.user = "alice";
  target.host = "gpu";
  target.port = 2200;
  target.identity = "/keys/id";
  target.known_hosts = "/keys/known";
  const std::vector<std::string> argv = ssh_argv(target, "/tmp/c", {"echo", "a b"});
  const auto has = [&](const std::string& word) {
    return std::find(argv.begin(), argv.end(), word) != argv.end();
  };
  EXPECT_EQ(argv.front(), "ssh");
  for (const char* option :
       {"BatchMode=yes", "StrictHostKeyChecking=yes", "PasswordAuthentication=no",
        "IdentitiesOnly=yes", "IdentityFile=/keys/id", "UserKnownHostsFile=/keys/known",
        "ControlMaster=auto", "ControlPath=/tmp/c/%C", "ForwardAgent=no"})
    EXPECT_TRUE(has(option)) << option;
  ASSERT_GE(argv.size(), 3u);
  EXPECT_EQ(argv[argv.size() - 3], "--");
  EXPECT_EQ(argv[argv.size() - 2], "gpu");
  EXPECT_EQ(argv.back(), "'echo' 'a b'");
  // A control folder too long for a socket path turns reuse off instead of failing every call.
  const std::vector<std::string> long_dir = ssh_argv(target, "/" + std::string(100, 'x'), {"true"});
  EXPECT_NE(std::find(long_dir.begin(), long_dir.end(), "ControlMaster=no"), long_dir.end());
}

}  // namespace
}  // namespace moescope

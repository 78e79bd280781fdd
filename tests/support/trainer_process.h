#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace moescope::testing_support {

// `program args...` started as a child process (the trainer, for the tests that kill it at a
// chosen moment), its output to files; run_program.h's run_program waits for its program.
class TrainerProcess {
 public:
  TrainerProcess(const std::string& program, const std::vector<std::string>& args,
                 const std::filesystem::path& stderr_file,
                 const std::filesystem::path& stdout_file = "/dev/null") {
    std::vector<std::string> words = {program};
    words.insert(words.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& word : words)
      argv.push_back(word.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout_file.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_file.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int status = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (status != 0)
      throw std::runtime_error("cannot start " + words[0]);
  }

  pid_t pid() const { return pid_; }
  bool running() const { return ::waitpid(pid_, nullptr, WNOHANG) == 0; }

  // The exit status, or -1 when the process was killed.
  int wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  // Polls `condition` every millisecond and kills the process with SIGKILL once it holds;
  // false when the process ended first.
  bool kill_when(const std::function<bool()>& condition) {
    while (true) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_)
        return false;
      if (condition()) {
        ::kill(pid_, SIGKILL);
        wait();
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

 private:
  pid_t pid_ = -1;
};

#ifdef MOESCOPE_TRAIN_BINARY
// This build's moescope-train (the tests that start it are given its path).
class Trainer : public TrainerProcess {
 public:
  Trainer(const std::vector<std::string>& args, const std::filesystem::path& stderr_file,
          const std::filesystem::path& stdout_file = "/dev/null")
      : TrainerProcess(MOESCOPE_TRAIN_BINARY, args, stderr_file, stdout_file) {}
};
#endif

}  // namespace moescope::testing_support

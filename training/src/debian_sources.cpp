#include "moescope/training/debian_sources.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <spawn.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "moescope/io/utf8.h"

extern char** environ;

namespace moescope::training {
namespace {

namespace fs = std::filesystem;

// What the builder says when a package is missing or at another version.
constexpr const char* kFetchHint =
    "install the exact versions with apt, or fetch them with packaging/fetch-corpus-debs.sh DIR, "
    "unpack each with `dpkg -x FILE ROOT` and set MOESCOPE_DEBIAN_ROOT=ROOT";

// The files debian-v1 is read from, and their packages (debian-v1 pins no version: Debian 12 has
// one of each, unchanged since its release).
constexpr std::pair<const char*, const char*> kVersionOneFiles[] = {
    {"usr/bin/bible", "bible-kjv"},
    {"usr/lib/bible.data", "bible-kjv-text"},
    {"usr/share/dictd/gcide.dict.dz", "dict-gcide"},
};

// Standard output of a program run without a shell (its arguments may hold any path), or an
// error naming the package that provides it.
std::string program_output(const std::vector<std::string>& arguments, const std::string& package) {
  const std::string command = arguments.front();
  const auto failed = [&](const std::string& why) {
    return std::runtime_error("corpus: " + command + " " + why + " (Debian: apt install " +
                              package + ")");
  };
  int pipe_ends[2];
  if (::pipe2(pipe_ends, O_CLOEXEC) != 0)
    throw failed(std::string("cannot start: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_ends[1], STDOUT_FILENO);
  std::vector<char*> argv;
  for (const std::string& argument : arguments)
    argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  pid_t child = 0;
  const int spawned = ::posix_spawnp(&child, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_ends[1]);
  std::string output;
  if (spawned == 0) {
    char buffer[1 << 16];
    for (;;) {
      const ssize_t n = ::read(pipe_ends[0], buffer, sizeof buffer);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      output.append(buffer, static_cast<std::size_t>(n));
    }
  }
  ::close(pipe_ends[0]);
  if (spawned != 0)
    throw failed(std::string("cannot start: ") + std::strerror(spawned));
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw failed("failed");
  return output;
}

std::string gunzip(const fs::path& file, const std::string& package) {
  return program_output({"gzip", "-dc", "--", file.string()}, package);
}

std::string file_contents(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in)
    throw std::runtime_error("corpus: cannot read " + file.string());
  return text.str();
}

// GCIDE ends almost every paragraph with a line naming its source ("[1913 Webster]", "[PJC]"):
// a tenth of the text, the same few strings. They are dropped so the model learns English.
bool is_source_note(std::string_view line) {
  const auto first = line.find_first_not_of(" \t");
  const auto last = line.find_last_not_of(" \t\r");
  if (first == std::string_view::npos)
    return false;
  const std::string_view trimmed = line.substr(first, last - first + 1);
  return trimmed.size() >= 2 && trimmed.front() == '[' && trimmed.back() == ']' &&
         trimmed.find('[', 1) == std::string_view::npos;
}

std::string without_source_notes(std::string_view text) {
  std::string kept;
  kept.reserve(text.size());
  std::size_t begin = 0;
  while (begin < text.size()) {
    const std::size_t end = std::min(text.find('\n', begin), text.size());
    const std::string_view line = text.substr(begin, end - begin);
    if (!is_source_note(line)) {
      kept.append(line);
      kept.push_back('\n');
    }
    begin = end + 1;
  }
  return kept;
}

}  // namespace

const std::vector<DebianTextSource>& debian_v2_sources() {
  using enum SourceReading;
  // One source a line, as read:
  // clang-format off
  static const std::vector<DebianTextSource> sources = {
    {"dict-foldoc", "20230119-1", "usr/share/dictd", {"foldoc.dict.dz"}, {}, kGzipText},
    {"dict-jargon", "4.4.7-3.1", "usr/share/dictd", {"jargon.dict.dz"}, {}, kGzipText},
    {"dict-devil", "1.0-13.1", "usr/share/dictd", {"devil.dict.dz"}, {}, kGzipText},
    {"wordnet-base", "1:3.0-37", "usr/share/wordnet", {"data.*"}, {}, kWordNetGlosses},
    {"linux-doc-6.1", "6.1.192-3", "usr/share/doc/linux-doc-6.1/Documentation",
     {"*.rst.gz", "*.txt.gz"}, {"translations"}, kGzipText},
    {"python3.11-doc", "3.11.2-6+deb12u9", "usr/share/doc/python3.11/html/_sources",
     {"*.rst.txt"}, {}, kText},
    {"perl-doc", "5.36.0-7+deb12u4", "usr/share/perl/5.36.0/pod", {"*.pod"}, {}, kText},
    // AMDGPU: register and instruction tables rather than prose
    {"llvm-15-doc", "1:15.0.6-4", "usr/share/doc/llvm-15-doc/html/_sources", {"*.rst.txt"},
     {"AMDGPU"}, kText},
    {"vim-runtime", "2:9.0.1378-2+deb12u2", "usr/share/vim/vim90/doc", {"*.txt"}, {}, kText},
    {"git-doc", "1:2.39.5-0+deb12u3", "usr/share/doc/git-doc", {"*.txt"}, {}, kText},
    {"debian-policy", "4.6.2.0", "usr/share/doc/debian-policy/policy.html/_sources", {"*.rst.txt"},
     {}, kText},
    {"sphinx-doc", "5.3.0-4", "usr/share/doc/sphinx-doc/html/_sources", {"*.rst.txt"}, {}, kText},
    // api: one stub per function, naming it for a directive that is not run here
    {"python-pandas-doc", "1.5.3+dfsg-2", "usr/share/doc/python-pandas-doc/html/_sources",
     {"*.rst.txt"}, {"api"}, kText},
    {"postgresql-doc-15", "15.20-0+deb12u1", "usr/share/doc/postgresql-doc-15/html", {"*.html"},
     {}, kHtml},
    // _modules: the Python source as HTML
    {"python-django-doc", "3:3.2.25-0+deb12u7", "usr/share/doc/python-django-doc/html",
     {"*.html"}, {"_modules"}, kHtml},
    {"openjdk-17-doc", "17.0.21.1+2-1~deb12u1", "usr/share/doc/openjdk-17-doc/api", {"*.html"},
     {}, kHtml},
    // src: the Rust source as HTML; arch: thousands of SIMD intrinsics, a signature each
    {"rust-doc", "1.63.0+dfsg1-2", "usr/share/doc/rust-doc/html", {"*.html"}, {"src", "arch"},
     kHtml},
  };
  // clang-format on
  return sources;
}

namespace {

// The source a walk of source_files is collecting, and what it found (nftw's callback takes no
// context).
struct SourceWalk {
  const DebianTextSource* source = nullptr;
  std::vector<fs::path> files;
};
thread_local SourceWalk* current_walk = nullptr;

int visit_source_file(const char* path, const struct stat* info, int type, struct FTW* where) {
  const DebianTextSource& source = *current_walk->source;
  const char* name = path + where->base;
  const auto named = [&](const char* want) { return std::strcmp(want, name) == 0; };
  if (type == FTW_D && where->level > 0 &&
      std::any_of(source.left_out.begin(), source.left_out.end(), named))
    return FTW_SKIP_SUBTREE;
  const auto matches = [&](const char* pattern) { return ::fnmatch(pattern, name, 0) == 0; };
  if (type == FTW_F && S_ISREG(info->st_mode) &&
      std::any_of(source.patterns.begin(), source.patterns.end(), matches))
    current_walk->files.emplace_back(path);
  return FTW_CONTINUE;
}

// The files of a source, in byte order of their paths; links are left out (they repeat a file).
// nftw rather than std::filesystem's iterators: LibTorch's libtorch.so on the GPU machine exports
// copies of std::filesystem functions that crashed there (tests/support/temporary_folder.h).
std::vector<fs::path> source_files(const fs::path& root, const DebianTextSource& source) {
  SourceWalk walk;
  walk.source = &source;
  current_walk = &walk;
  // The folder itself may be a link (openjdk-17-doc's api/); links below it are not followed.
  char folder[PATH_MAX];
  if (::realpath((root / source.folder).c_str(), folder) != nullptr) {
    constexpr int kOpenFolders = 16;
    ::nftw(folder, visit_source_file, kOpenFolders, FTW_PHYS | FTW_ACTIONRETVAL);
  }
  current_walk = nullptr;
  std::sort(walk.files.begin(), walk.files.end(),
            [](const fs::path& a, const fs::path& b) { return a.string() < b.string(); });
  return std::move(walk.files);
}

// The version in the first line of a package's Debian changelog ("wordnet (1:3.0-37) unstable;"),
// changelog.gz for a native package, or "" when it has none.
std::string installed_version(const fs::path& root, const std::string& package) {
  const fs::path folder = root / "usr/share/doc" / package;
  std::error_code error;
  fs::path changelog = folder / "changelog.Debian.gz";
  if (!fs::is_regular_file(changelog, error))
    changelog = folder / "changelog.gz";
  if (!fs::is_regular_file(changelog, error))
    return "";
  const std::string text = gunzip(changelog, package);
  const std::size_t open = text.find('(');
  const std::size_t close = text.find(')', open);
  if (open == std::string::npos || close == std::string::npos || close > text.find('\n'))
    return "";
  return text.substr(open + 1, close - open - 1);
}

void append_utf8(std::string& out, std::uint32_t code) {
  if (code < 0x80) {
    out.push_back(static_cast<char>(code));
  } else if (code < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code >> 6)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else if (code < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  }
}

// The decoded character of an entity ("amp", "#8212", "#x2014"), or false for one it does not
// know, which then stays as written. The documentation here uses few named ones.
bool decode_entity(std::string_view name, std::string& out) {
  static const std::pair<std::string_view, std::uint32_t> kNamed[] = {
      {"amp", '&'},       {"lt", '<'},       {"gt", '>'},       {"quot", '"'},
      {"apos", '\''},     {"nbsp", ' '},     {"mdash", 0x2014}, {"ndash", 0x2013},
      {"lsquo", 0x2018},  {"rsquo", 0x2019}, {"ldquo", 0x201C}, {"rdquo", 0x201D},
      {"hellip", 0x2026}, {"copy", 0xA9},    {"reg", 0xAE},     {"trade", 0x2122},
  };
  for (const auto& [known, code] : kNamed) {
    if (name == known) {
      append_utf8(out, code);
      return true;
    }
  }
  if (name.size() < 2 || name.front() != '#')
    return false;
  const bool hex = name[1] == 'x' || name[1] == 'X';
  const std::string digits(name.substr(hex ? 2 : 1));
  if (digits.empty() || digits.size() > 7)
    return false;
  char* end = nullptr;
  const unsigned long code = std::strtoul(digits.c_str(), &end, hex ? 16 : 10);
  if (*end != '\0' || code == 0 || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
    return false;
  append_utf8(out, static_cast<std::uint32_t>(code));
  return true;
}

// Whether a tag starts a block of its own: it then becomes a line break, so that a list written on
// one line (rustdoc's sidebars) gives one item a line, not its words run together.
bool is_block_tag(std::string_view tag) {
  std::size_t from = tag.size() > 1 && tag[1] == '/' ? 2 : 1;
  std::size_t to = from;
  while (to < tag.size() && std::isalnum(static_cast<unsigned char>(tag[to])))
    ++to;
  std::string name(tag.substr(from, to - from));
  for (char& c : name)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const std::unordered_set<std::string> kBlocks = {
      "br", "p",  "div",     "li",  "dt",     "dd",     "tr",    "td",     "th",
      "h1", "h2", "h3",      "h4",  "h5",     "h6",     "pre",   "table",  "ul",
      "ol", "dl", "section", "nav", "header", "footer", "title", "summary"};
  return kBlocks.count(name) > 0;
}

// The text of an HTML page: scripts, styles and comments dropped, block tags made line breaks and
// others removed (the page's own line breaks kept), entities decoded.
std::string html_text(std::string_view html) {
  std::string text;
  text.reserve(html.size() / 2);
  std::size_t at = 0;
  while (at < html.size()) {
    const char c = html[at];
    if (c == '<') {
      std::string_view rest = html.substr(at);
      std::string_view closing = ">";
      if (rest.substr(0, 4) == "<!--")
        closing = "-->";
      else if (rest.size() > 7 && ::strncasecmp(rest.data(), "<script", 7) == 0)
        closing = "</script>";
      else if (rest.size() > 6 && ::strncasecmp(rest.data(), "<style", 6) == 0)
        closing = "</style>";
      const std::size_t end = html.find(closing, at);
      if (closing == ">" && is_block_tag(html.substr(at, end - at)))
        text.push_back('\n');
      at = end == std::string_view::npos ? html.size() : end + closing.size();
    } else if (c == '&') {
      const std::size_t end = html.find(';', at);
      if (end != std::string_view::npos && end - at <= 10 &&
          decode_entity(html.substr(at + 1, end - at - 1), text)) {
        at = end + 1;
      } else {
        text.push_back(c);
        ++at;
      }
    } else {
      text.push_back(c);
      ++at;
    }
  }
  return text;
}

// Lines trimmed of surrounding blanks; empty ones and those `seen` before in this package (the
// navigation, headers and footers every page repeats) left out.
void append_new_lines(std::string_view text, std::unordered_set<std::string>& seen,
                      std::string& out) {
  std::size_t begin = 0;
  while (begin < text.size()) {
    const std::size_t end = std::min(text.find('\n', begin), text.size());
    std::string_view line = text.substr(begin, end - begin);
    begin = end + 1;
    const std::size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos)
      continue;
    line = line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
    if (seen.emplace(line).second) {
      out.append(line);
      out.push_back('\n');
    }
  }
}

// WordNet's data files: after a licence header (lines starting with two blanks), one synset per
// line whose gloss follows " | ".
void append_glosses(std::string_view data, std::string& out) {
  std::size_t begin = 0;
  while (begin < data.size()) {
    const std::size_t end = std::min(data.find('\n', begin), data.size());
    const std::string_view line = data.substr(begin, end - begin);
    begin = end + 1;
    const std::size_t bar = line.find(" | ");
    if (line.substr(0, 2) == "  " || bar == std::string_view::npos)
      continue;
    const std::string_view gloss = line.substr(bar + 3);
    const std::size_t last = gloss.find_last_not_of(" \r");
    if (last != std::string_view::npos) {
      out.append(gloss.substr(0, last + 1));
      out.push_back('\n');
    }
  }
}

// The text of one source; files that are not UTF-8 or hold a NUL byte are left out (counted).
std::string source_text(const DebianTextSource& source, const std::vector<fs::path>& files,
                        std::size_t& kept_files) {
  std::string text;
  std::unordered_set<std::string> seen;
  kept_files = 0;
  for (const fs::path& file : files) {
    const std::string raw = source.reading == SourceReading::kGzipText
                                ? gunzip(file, source.package)
                                : file_contents(file);
    if (raw.find('\0') != std::string::npos || invalid_utf8_at(raw) != std::string::npos)
      continue;
    ++kept_files;
    switch (source.reading) {
      case SourceReading::kText:
      case SourceReading::kGzipText:
        text += raw;
        break;
      case SourceReading::kHtml:
        append_new_lines(html_text(raw), seen, text);
        break;
      case SourceReading::kWordNetGlosses:
        append_glosses(raw, text);
        break;
    }
    if (!text.empty() && text.back() != '\n')
      text.push_back('\n');
    text.push_back('\n');  // a blank line between files
  }
  return text;
}

}  // namespace

fs::path debian_root() {
  if (const char* root = std::getenv("MOESCOPE_DEBIAN_ROOT"); root != nullptr && *root != '\0')
    return root;
  return "/";
}

std::string debian_v1_text(const fs::path& root) {
  for (const auto& [file, package] : kVersionOneFiles) {
    if (!fs::exists(root / file))
      throw std::runtime_error("corpus: " + (root / file).string() +
                               " not found (Debian: apt install " + package + ")");
  }
  // One verse per line: a line width no verse reaches, rather than the terminal's.
  std::string text =
      program_output({(root / "usr/bin/bible").string(), "-p", (root / "usr/lib").string(),
                      "-l2000", "Genesis1:1-Revelation22:21"},
                     "bible-kjv");
  if (text.empty())
    throw std::runtime_error(
        "corpus: the bible program of bible-kjv printed no verse (Debian: "
        "apt install bible-kjv)");
  text += "\n\n";
  text += without_source_notes(gunzip(root / "usr/share/dictd/gcide.dict.dz", "gzip"));
  return text;
}

std::string debian_v2_text(const fs::path& root, std::string& manifest) {
  // Every problem at once: a machine set up from this message should need one round.
  std::string problems;
  for (const auto& [file, package] : kVersionOneFiles) {
    if (!fs::exists(root / file))
      problems += "\n  " + std::string(package) + " is not installed under " + root.string() +
                  " (no " + (root / file).string() + "): apt install " + package;
  }
  std::vector<std::vector<fs::path>> files;
  for (const DebianTextSource& source : debian_v2_sources()) {
    const std::string want = std::string(source.package) + "=" + source.version;
    files.push_back(source_files(root, source));
    const std::string version = installed_version(root, source.package);
    if (files.back().empty() || version.empty()) {
      problems += "\n  " + std::string(source.package) + " is not installed under " +
                  root.string() + " (no " + source.patterns.front() + " in " +
                  (root / source.folder).string() + "): apt install " + want;
    } else if (version != source.version) {
      problems += "\n  " + std::string(source.package) + " is at " + version +
                  ", but debian-v2 is defined on " + source.version + ": apt install " + want;
    }
  }
  if (!problems.empty())
    throw std::runtime_error("corpus debian-v2: its Debian packages are missing or differ:" +
                             problems + "\n(" + kFetchHint + ")");
  std::string text = debian_v1_text(root);
  manifest = "package\tversion\tfiles\tbytes\nbible-kjv, dict-gcide (debian-v1)\t\t2\t" +
             std::to_string(text.size()) + "\n";
  for (std::size_t i = 0; i < debian_v2_sources().size(); ++i) {
    const DebianTextSource& source = debian_v2_sources()[i];
    std::size_t kept = 0;
    const std::string part = source_text(source, files[i], kept);
    manifest += std::string(source.package) + "\t" + source.version + "\t" + std::to_string(kept) +
                "\t" + std::to_string(part.size()) + "\n";
    text += "\n";
    text += part;
  }
  return text;
}

}  // namespace moescope::training

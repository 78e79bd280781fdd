#include "moescope/training/task_builder.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <set>
#include <string>

namespace moescope::training {
namespace {

constexpr std::size_t kChoices = 4;
// A definition is cut to this many bytes (at a word boundary): long enough to say what the word
// means, short enough for a small model's context.
constexpr std::size_t kMaxDefinitionBytes = 240;
constexpr std::size_t kMinDefinitionBytes = 16;
constexpr std::size_t kMinContinuationWords = 10;

// splitmix64 of a counter: a generator whose draws are the same on every platform (the standard
// library's distributions are not).
class Draws {
 public:
  explicit Draws(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t bound) { return static_cast<std::size_t>(next() % bound); }

 private:
  std::uint64_t state_;
};

template <typename T>
void shuffle(std::vector<T>& values, Draws& draws) {
  for (std::size_t i = values.size(); i > 1; --i)
    std::swap(values[i - 1], values[draws.below(i)]);
}

std::string lower(std::string_view text) {
  std::string result(text);
  for (char& c : result)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return result;
}

std::string collapse_spaces(std::string_view text) {
  std::string result;
  for (const char c : text) {
    const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
    if (space) {
      if (!result.empty() && result.back() != ' ')
        result.push_back(' ');
    } else {
      result.push_back(c);
    }
  }
  while (!result.empty() && result.back() == ' ')
    result.pop_back();
  return result;
}

// Without the [...] spans: etymologies, usage notes ("[R.]") and sources, which may run over lines.
std::string without_brackets(std::string_view text) {
  std::string result;
  int depth = 0;
  for (const char c : text) {
    if (c == '[')
      ++depth;
    else if (c == ']' && depth > 0)
      --depth;
    else if (depth == 0)
      result.push_back(c);
  }
  return result;
}

// What precedes the definition proper after the pronunciation: parts of speech ("n.", "v. t."),
// domain labels ("(Med.)"), a sense number ("1."), commas.
std::string_view after_labels(std::string_view text) {
  static const std::set<std::string_view> kLabels = {
      "n.",   "n",     "a.",    "v.",      "t.",  "i.",    "adj.",    "adj",
      "adv.", "adv",   "pl.",   "p.",      "pr.", "imp.",  "vb.",     "prep.",
      "v",    "conj.", "pron.", "interj.", "&",   "sing.", "superl.", "compar."};
  for (;;) {
    const std::size_t start = text.find_first_not_of(" ,;");
    if (start == std::string_view::npos)
      return {};
    text.remove_prefix(start);
    if (text.front() == '(') {
      const std::size_t close = text.find(')');
      if (close == std::string_view::npos)
        return text;
      text.remove_prefix(close + 1);
      continue;
    }
    const std::size_t end = std::min(text.find(' '), text.size());
    const std::string_view word = text.substr(0, end);
    const bool number = word.size() >= 2 && word.back() == '.' &&
                        std::all_of(word.begin(), word.end() - 1, [](char c) {
                          return std::isdigit(static_cast<unsigned char>(c));
                        });
    if (!kLabels.contains(word) && !number)
      return text;
    text.remove_prefix(end);
  }
}

// At most `limit` bytes of `text`, cut at a space.
std::string cut_at_word(const std::string& text, std::size_t limit) {
  if (text.size() <= limit)
    return text;
  const std::size_t space = text.rfind(' ', limit);
  return text.substr(0, space == std::string::npos ? limit : space);
}

bool plain_headword(std::string_view word) {
  return word.size() >= 3 && word.size() <= 24 &&
         std::isalpha(static_cast<unsigned char>(word[0])) &&
         std::all_of(word.begin(), word.end(), [](char c) {
           return std::isalpha(static_cast<unsigned char>(c)) || c == '-' || c == ' ' || c == '\'';
         });
}

struct Entry {
  std::string headword;
  std::string definition;
};

// The entry of one paragraph that starts with its header line ("Word \Pro*nun"ci*a`tion\, n."),
// when it has a plain headword and a definition that does not give the headword away.
std::optional<Entry> parse_entry(std::string_view paragraph) {
  const std::size_t first_slash = paragraph.find(" \\");
  const std::size_t line_end = std::min(paragraph.find('\n'), paragraph.size());
  if (first_slash == std::string_view::npos || first_slash > line_end)
    return std::nullopt;
  Entry entry;
  entry.headword = std::string(paragraph.substr(0, first_slash));
  if (!plain_headword(entry.headword))
    return std::nullopt;
  // The header ends with the last pronunciation on its line; the definition follows.
  const std::size_t last_slash = paragraph.rfind('\\', line_end);
  std::string text = collapse_spaces(without_brackets(paragraph.substr(last_slash + 1)));
  std::string definition(after_labels(text));
  if (const std::size_t quote = definition.find(" --"); quote != std::string::npos)
    definition.resize(quote);  // a quotation's author, or a second part of speech
  definition = cut_at_word(definition, kMaxDefinitionBytes);
  const bool usable = definition.size() >= kMinDefinitionBytes &&
                      definition.find('?') == std::string::npos &&  // GCIDE's unknown characters
                      definition.find('\\') == std::string::npos &&
                      lower(definition).find(lower(entry.headword)) == std::string::npos;
  if (!usable)
    return std::nullopt;
  entry.definition = std::move(definition);
  return entry;
}

// The entries of one held-out block whose text lies wholly inside it: the first paragraph may
// begin mid-entry and the last may be cut, so both are left out.
std::vector<Entry> block_entries(std::string_view block) {
  std::vector<std::string_view> paragraphs;
  std::size_t begin = 0;
  while (begin < block.size()) {
    std::size_t end = block.find("\n\n", begin);
    end = end == std::string_view::npos ? block.size() : end;
    paragraphs.push_back(block.substr(begin, end - begin));
    begin = end + 2;
  }
  std::vector<Entry> entries;
  for (std::size_t index = 1; index + 1 < paragraphs.size(); ++index) {
    std::string_view paragraph = paragraphs[index];
    while (!paragraph.empty() && paragraph.front() == '\n')
      paragraph.remove_prefix(1);
    // A header starts at the margin; senses, notes and quotations are indented.
    if (paragraph.empty() || paragraph.front() == ' ')
      continue;
    if (std::optional<Entry> entry = parse_entry(paragraph))
      entries.push_back(std::move(*entry));
  }
  return entries;
}

// `count` indices of `pool` other than `own` whose lengths are closest to `length` (ties in
// pool order), drawn among the 4 * count closest so that one word is not everybody's distractor.
std::vector<std::size_t> distractors(const std::vector<std::string>& pool, std::size_t own,
                                     std::size_t count, Draws& draws) {
  std::vector<std::size_t> candidates;
  for (std::size_t index = 0; index < pool.size(); ++index) {
    if (index != own && pool[index] != pool[own])
      candidates.push_back(index);
  }
  const auto distance = [&](std::size_t index) {
    const auto a = static_cast<std::int64_t>(pool[index].size());
    const auto b = static_cast<std::int64_t>(pool[own].size());
    return a > b ? a - b : b - a;
  };
  std::stable_sort(candidates.begin(), candidates.end(),
                   [&](std::size_t a, std::size_t b) { return distance(a) < distance(b); });
  candidates.resize(std::min(candidates.size(), 4 * count));
  shuffle(candidates, draws);
  std::vector<std::size_t> chosen;
  std::set<std::string> seen = {pool[own]};
  for (const std::size_t index : candidates) {
    if (chosen.size() < count && seen.insert(pool[index]).second)
      chosen.push_back(index);
  }
  return chosen;
}

// An item whose answer sits at a drawn place among the distractors.
TaskItem item_of(std::string context, const std::vector<std::string>& pool, std::size_t own,
                 Draws& draws) {
  TaskItem item;
  item.context = std::move(context);
  for (const std::size_t index : distractors(pool, own, kChoices - 1, draws))
    item.choices.push_back(pool[index]);
  item.answer = static_cast<int>(draws.below(item.choices.size() + 1));
  item.choices.insert(item.choices.begin() + item.answer, pool[own]);
  return item;
}

Task headword_task(const std::vector<Entry>& entries, Draws& draws, std::size_t max_items) {
  std::vector<std::string> headwords;
  for (const Entry& entry : entries)
    headwords.push_back(lower(entry.headword));
  Task task{"gcide-headword", {}};
  for (std::size_t index = 0; index < entries.size() && task.items.size() < max_items; ++index) {
    task.items.push_back(
        item_of("   " + entries[index].definition + "\n\n   Syn: ", headwords, index, draws));
  }
  return task;
}

Task continuation_task(const std::vector<Entry>& entries, Draws& draws, std::size_t max_items) {
  std::vector<std::string> beginnings, endings;
  for (const Entry& entry : entries) {
    const std::string& text = entry.definition;
    const std::size_t words =
        static_cast<std::size_t>(std::count(text.begin(), text.end(), ' ')) + 1;
    if (words < kMinContinuationWords)
      continue;
    // The space after the last word of the beginning, about half-way through the words.
    std::size_t cut = 0;
    for (std::size_t space = 0; space < words / 2; ++space)
      cut = text.find(' ', cut + (space > 0 ? 1 : 0));
    beginnings.push_back("   " + text.substr(0, cut));
    endings.push_back(text.substr(cut));  // begins with the space
  }
  Task task{"gcide-continuation", {}};
  for (std::size_t index = 0; index < endings.size() && task.items.size() < max_items; ++index)
    task.items.push_back(item_of(beginnings[index], endings, index, draws));
  return task;
}

}  // namespace

std::vector<Task> build_debian_tasks(std::string_view held_out, const TaskBuildOptions& options) {
  std::vector<Entry> entries;
  std::set<std::string> headwords;
  for (std::size_t begin = 0; begin < held_out.size(); begin += options.block_bytes) {
    for (Entry& entry : block_entries(held_out.substr(begin, options.block_bytes))) {
      if (headwords.insert(lower(entry.headword)).second)  // a word's first entry
        entries.push_back(std::move(entry));
    }
  }
  Draws draws(options.seed);
  shuffle(entries, draws);
  return {headword_task(entries, draws, options.max_items),
          continuation_task(entries, draws, options.max_items)};
}

}  // namespace moescope::training

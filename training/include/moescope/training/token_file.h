#pragma once

#include <cstdint>
#include <filesystem>
#include <span>

namespace moescope::training {

// A token file mapped read-only into memory: the kernel pages the corpus in on demand and shares
// it between trainers running at once, instead of each holding a copy.
class TokenFile {
 public:
  // Throws std::runtime_error naming the file when it cannot be opened or mapped.
  explicit TokenFile(const std::filesystem::path& path);
  ~TokenFile();
  TokenFile(TokenFile&& other) noexcept;
  TokenFile& operator=(TokenFile&&) = delete;
  TokenFile(const TokenFile&) = delete;
  TokenFile& operator=(const TokenFile&) = delete;

  std::span<const std::uint8_t> tokens() const { return {data_, size_}; }

 private:
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace moescope::training

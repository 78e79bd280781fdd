#pragma once

#include <cstddef>
#include <string_view>

namespace moescope {

// Where `text` stops being UTF-8 (overlong forms, surrogates and code points past U+10FFFF
// included): the offset of the first byte of the first bad sequence, or npos when it is valid
// throughout.
std::size_t invalid_utf8_at(std::string_view text);

}  // namespace moescope

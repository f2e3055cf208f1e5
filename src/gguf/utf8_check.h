// Strict UTF-8 validation for GGUF keys and tensor names (no overlong forms, no surrogates,
// nothing above U+10FFFF), so names that reach error messages and maps are well-formed text.
#pragma once
#include <string_view>

namespace smollm {

bool utf8_is_valid(std::string_view s);

}  // namespace smollm

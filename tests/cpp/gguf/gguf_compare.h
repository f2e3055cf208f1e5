// Deep comparison of two parsed headers, for tests that parse the same file different ways.
#pragma once
#include <string>

#include "gguf/gguf_reader.h"

namespace smollm::test {

// Empty when equal, otherwise a description of the first difference.
std::string first_difference(const GgufFile& a, const GgufFile& b);
std::string first_difference(const GgufValue& a, const GgufValue& b);

// Parses a whole buffer and fails the current test with the parser's message unless complete.
std::unique_ptr<GgufFile> parse_complete(const std::vector<uint8_t>& bytes);
// The error message for a buffer given whole (file_size = its length); "" when it parsed.
std::string parse_error(const std::vector<uint8_t>& bytes);

}  // namespace smollm::test

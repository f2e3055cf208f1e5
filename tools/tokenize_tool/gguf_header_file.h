// Reads just the header of a GGUF file from disk (growing the read until the parser is
// satisfied), for tools and tests that need metadata but not the weights.
#pragma once
#include <memory>
#include <string>

#include "gguf/gguf_reader.h"

namespace smollm {

// Throws std::runtime_error naming the file and the parser's message.
std::unique_ptr<GgufFile> read_gguf_header(const std::string& path);

}  // namespace smollm

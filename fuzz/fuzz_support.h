// Shared pieces of the fuzz targets: a property check that stops the fuzzer with a message
// (libFuzzer saves the input), a UTF-8 validator independent of src/text, and the tokenizer
// the text targets share, built once from a real GGUF header.
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "text/tokenizer.h"

namespace smollm::fuzz {

[[noreturn]] inline void property_failed(const char* what, const char* file, int line) {
    std::fprintf(stderr, "\nPROPERTY FAILED: %s (%s:%d)\n", what, file, line);
    std::abort();
}

#define FUZZ_CHECK(cond) \
    do { if (!(cond)) ::smollm::fuzz::property_failed(#cond, __FILE__, __LINE__); } while (0)

// Strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view s);

// The SmolLM2 tokenizer from $SMOLLM_FUZZ_MODEL, or ../shared/golden/models/tiny-py-Q4_K_M.gguf
// next to the source tree. Only the header is needed, so the file may be cut after it.
// Exits with a message when it cannot be built (a fuzz run without its tokenizer is useless).
const Tokenizer& shared_tokenizer();

// True when every byte of `text` has a single-byte token in the shared tokenizer. SmolLM2's
// vocabulary lacks 21 of the 256 byte tokens (0x04, 0x06, 0x13, 0x14, 0x16, 0x1d, 0xf1, 0xf2,
// and bytes UTF-8 never uses); like llama.cpp, encoding drops such bytes, so exact round
// trips are only promised for text without them.
bool all_bytes_have_tokens(std::string_view text);

}  // namespace smollm::fuzz

// Tokenizers built from the reference GGUF files in ../shared, loaded once per test run.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "text/tokenizer.h"

namespace smollm::test {

constexpr const char* kSmolLM2Gguf = "golden/models/tiny-py-Q4_K_M.gguf";
constexpr const char* kLlamaSpmGguf = "golden/vocab/ggml-vocab-llama-spm.gguf";
constexpr const char* kLlamaBpeGguf = "golden/vocab/ggml-vocab-llama-bpe.gguf";

// The tokenizer of a ../shared GGUF (relative path), cached; the file must exist.
const Tokenizer& shared_tokenizer(const std::string& relative);

struct VocabCase {
    std::string text;
    std::vector<int32_t> ids;
};
// llama.cpp's test vectors: `<gguf>.inp` split on "\n__ggml_vocab_test__\n", `<gguf>.out` one
// line of space-separated ids per input.
std::vector<VocabCase> read_vocab_cases(const std::string& gguf_relative);

}  // namespace smollm::test

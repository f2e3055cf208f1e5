// Splits text into the words byte-level BPE merges within, as the `tokenizer.ggml.pre`
// regexes do in llama.cpp. The regexes are implemented by hand over code points (no
// std::regex: too slow and blind to Unicode classes); each kind is a chain of stages, and
// every stage splits each piece the previous stage produced, exactly as llama.cpp chains them.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

namespace smollm {

enum class PreTokenizerKind {
    Gpt2,     // 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
    SmolLM,   // \p{N} isolated one code point at a time, then Gpt2 (also starcoder, refact, ...)
    Llama3,   // (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
    Qwen2,    // Llama3 with \p{N} one digit at a time
    Default,  // llama.cpp's fallback: punctuation runs, Gpt2, \p{N}+ runs, [0-9]{3}
};

// The kind for a `tokenizer.ggml.pre` value; throws std::runtime_error naming an unsupported one.
// `*ignore_merges` is set for vocabularies whose whole-word tokens bypass the merges (Llama 3).
PreTokenizerKind pre_tokenizer_for_name(std::string_view name, bool* ignore_merges);

// Splits code points [0, n) into words. `flags` holds unicode::codepoint_flags of each code
// point. Word ends (exclusive, in code points) are written to *ends, in order; `scratch` is a
// reusable buffer.
void pre_tokenize(PreTokenizerKind kind, const uint32_t* cps, const uint8_t* flags, size_t n,
                  std::vector<uint32_t>* ends, std::vector<uint32_t>* scratch);

}  // namespace smollm

// Cuts text into plain-text fragments and special tokens before any pre-tokenization, the
// way llama.cpp's tokenizer_st_partition does: special tokens are tried longest first, and
// each one splits every plain fragment left by the longer ones at all its occurrences.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "text/vocab.h"

namespace smollm {

struct TextFragment {
    int32_t token;     // >= 0: this fragment is that special token
    uint32_t offset;   // plain text: its bytes in the input
    uint32_t length;
};

// Control and unknown tokens count only when `parse_special`; user-defined tokens always
// do (as in Hugging Face tokenizers). `scratch` is a reusable buffer.
void partition_special(const Vocab& vocab, std::string_view text, bool parse_special,
                       std::vector<TextFragment>* out, std::vector<TextFragment>* scratch);

}  // namespace smollm

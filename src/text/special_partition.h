// Cuts text into plain-text fragments and special tokens before any pre-tokenization, with
// the result of llama.cpp's tokenizer_st_partition: special tokens are tried longest first,
// and each one splits every plain fragment left by the longer ones at all its occurrences.
// The work is O(text length x longest match x log specials), not O(specials x text length).
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
// do (as in Hugging Face tokenizers). `steps`, when given, counts the comparisons made (the
// tests bound the work with it).
void partition_special(const Vocab& vocab, std::string_view text, bool parse_special,
                       std::vector<TextFragment>* out, uint64_t* steps = nullptr);

}  // namespace smollm

// English text the synthetic BPE vocabulary is learned from. Plain prose, so the merges look
// like a real tokenizer's (frequent words and word pieces first).
#pragma once

namespace smollm::tools {

extern const char* const kSyntheticCorpus;

}  // namespace smollm::tools

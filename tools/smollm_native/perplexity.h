// Perplexity by llama.cpp's llama-perplexity method, so figures compare with its output:
// consecutive chunks of n_ctx tokens (the remainder dropped), each evaluated from position 0,
// scoring the predictions of the second half of each chunk.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "engine.h"

namespace smollm::tools {

struct PerplexityResult {
    double ppl = 0;
    double ppl_error = 0;   // standard error, as llama.cpp prints after "+/-"
    int32_t chunks = 0;
    int64_t scored_tokens = 0;
};

// `tokens` is the whole tokenized text (with BOS prepended by the caller when the vocabulary
// asks for it; each chunk then starts with BOS, as llama.cpp does). `max_chunks` < 0: all.
// `on_chunk(i, running_ppl)` reports progress.
PerplexityResult perplexity(Engine& engine, const std::vector<int32_t>& tokens, int32_t n_ctx, int32_t max_chunks,
                            const std::function<void(int32_t, double)>& on_chunk);

}  // namespace smollm::tools

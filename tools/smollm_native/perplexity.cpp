#include "smollm_native/perplexity.h"

#include <cmath>
#include <stdexcept>

namespace smollm::tools {

PerplexityResult perplexity(Engine& engine, const std::vector<int32_t>& tokens, int32_t n_ctx, int32_t max_chunks,
                            const std::function<void(int32_t, double)>& on_chunk) {
    if (n_ctx < 4 || n_ctx > engine.n_ctx()) {
        throw std::runtime_error("perplexity context " + std::to_string(n_ctx) + " must be between 4 and the engine's context " +
                                 std::to_string(engine.n_ctx()));
    }
    int32_t n_chunks = static_cast<int32_t>(tokens.size() / static_cast<size_t>(n_ctx));
    if (n_chunks == 0) {
        throw std::runtime_error("the text has " + std::to_string(tokens.size()) + " tokens, fewer than one chunk of " +
                                 std::to_string(n_ctx));
    }
    if (max_chunks >= 0 && max_chunks < n_chunks) n_chunks = max_chunks;

    const int32_t first = n_ctx / 2;
    const bool add_bos = engine.tokenizer().add_bos();
    const int32_t bos = engine.tokenizer().bos_id();
    std::vector<int32_t> chunk(static_cast<size_t>(n_ctx));
    double nll = 0.0, nll2 = 0.0;
    int64_t count = 0;
    PerplexityResult r;
    for (int32_t c = 0; c < n_chunks; ++c) {
        const size_t start = static_cast<size_t>(c) * static_cast<size_t>(n_ctx);
        chunk.assign(tokens.begin() + static_cast<std::ptrdiff_t>(start),
                     tokens.begin() + static_cast<std::ptrdiff_t>(start + static_cast<size_t>(n_ctx)));
        if (add_bos && bos >= 0) chunk[0] = bos;
        // The first half only conditions the second; its logits are never read.
        engine.eval(chunk.data(), first, 0, false);
        engine.eval(chunk.data() + first, n_ctx - first, first, true);
        for (int32_t j = first; j < n_ctx - 1; ++j) {
            const double v = engine.neg_log_likelihood(j - first, tokens[start + static_cast<size_t>(j) + 1]);
            nll += v;
            nll2 += v * v;
            ++count;
        }
        r.chunks = c + 1;
        if (on_chunk) on_chunk(c, std::exp(nll / static_cast<double>(count)));
    }
    const double mean = nll / static_cast<double>(count);
    double var = nll2 / static_cast<double>(count) - mean * mean;
    r.ppl = std::exp(mean);
    r.ppl_error = var > 0 && count > 1 ? r.ppl * std::sqrt(var / static_cast<double>(count - 1)) : 0.0;
    r.scored_tokens = count;
    return r;
}

}  // namespace smollm::tools

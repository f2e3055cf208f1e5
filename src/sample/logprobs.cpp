#include "sample/logprobs.h"

#include <algorithm>
#include <cmath>

namespace smollm {

double log_sum_exp(const float* logits, int32_t n_vocab) {
    double max_logit = -INFINITY;
    for (int32_t k = 0; k < n_vocab; ++k) max_logit = std::max(max_logit, static_cast<double>(logits[k]));
    double sum = 0.0;
    for (int32_t k = 0; k < n_vocab; ++k) sum += std::exp(static_cast<double>(logits[k]) - max_logit);
    return std::log(sum) + max_logit;
}

void token_logprobs(const float* logits, int32_t n_vocab, int32_t chosen, int32_t top_n, StepLogprobs& out) {
    const double log_sum = log_sum_exp(logits, n_vocab);

    out.chosen = {chosen, static_cast<double>(logits[chosen]) - log_sum};
    const size_t n = static_cast<size_t>(std::clamp(top_n, 0, std::min(n_vocab, kMaxTopLogprobs)));
    out.top.clear();
    out.top.reserve(n);
    if (n == 0) return;
    // `top` holds raw logits while scanning; ids ascend, so a tie keeps the earlier id first.
    for (int32_t k = 0; k < n_vocab; ++k) {
        const double l = logits[k];
        if (out.top.size() == n && !(l > out.top.back().logprob)) continue;
        if (out.top.size() == n) out.top.pop_back();
        auto at = std::find_if(out.top.begin(), out.top.end(), [l](const TokenLogprob& t) { return l > t.logprob; });
        out.top.insert(at, TokenLogprob{k, l});
    }
    for (TokenLogprob& t : out.top) t.logprob -= log_sum;
}

}  // namespace smollm

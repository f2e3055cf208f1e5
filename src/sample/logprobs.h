// Log-probabilities of a step's tokens, for `logprobs` / `top_logprobs`: the log-softmax of
// the model's raw logits, before logit bias, penalties and temperature (llama.cpp's server
// reports the same distribution for n_probs), so a value says what the model thinks, not
// what the sampler settings made of it.
#pragma once
#include <cstdint>
#include <vector>

namespace smollm {

struct TokenLogprob {
    int32_t token = -1;
    double logprob = 0.0;
};

// At most this many alternatives per step (OpenAI's top_logprobs limit).
constexpr int32_t kMaxTopLogprobs = 20;

struct StepLogprobs {
    TokenLogprob chosen;
    std::vector<TokenLogprob> top;   // most likely first; ties by lower id
};

// log(sum(exp(logits))) around the largest logit, in double: the sum of 50k exponentials
// stays exact and no exponential overflows.
double log_sum_exp(const float* logits, int32_t n_vocab);

// One pass for the log-sum-exp and one
// for the `top_n` largest logits, kept sorted in `out.top` (top_n <= kMaxTopLogprobs, so an
// insertion into a short list costs less than sorting the vocabulary).
void token_logprobs(const float* logits, int32_t n_vocab, int32_t chosen, int32_t top_n, StepLogprobs& out);

}  // namespace smollm

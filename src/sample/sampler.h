// Picks the next token from a logit vector: penalties and bias first, then the truncation
// filters, then a seeded draw (or argmax when temperature is 0).
#pragma once
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace smollm {

struct SamplingParams {
    float temperature = 0.2f;    // 0 means greedy
    int32_t top_k = 0;           // 0 disables
    float top_p = 0.9f;          // 1 disables
    float min_p = 0.0f;          // 0 disables
    float repeat_penalty = 1.0f; // 1 disables (llama.cpp semantics: divide positive, multiply negative)
    float presence_penalty = 0.0f;
    float frequency_penalty = 0.0f;
    int32_t penalty_last_n = 64; // window of recent tokens the penalties look at
    uint64_t seed = 0;
    std::vector<std::pair<int32_t, float>> logit_bias;  // added before everything else
};

class Sampler {
public:
    explicit Sampler(const SamplingParams& params);
    // `history` is every token so far (prompt and generated); penalties use its last N.
    // `allowed`, when given, is a bit mask (bit id & 31 of word id >> 5) of the tokens a
    // grammar allows: the others are removed before anything else, so every filter and the
    // seeded draw see only allowed tokens and a seeded run repeats.
    int32_t sample(const float* logits, int32_t n_vocab, const std::vector<int32_t>& history,
                   const std::vector<uint32_t>* allowed = nullptr);
    const SamplingParams& params() const { return params_; }

private:
    SamplingParams params_;
    std::mt19937_64 rng_;
    std::vector<std::pair<float, int32_t>> work_;  // reused candidate buffer, no per-token allocation
    std::vector<int32_t> penalty_counts_;          // reused: occurrences per token in the penalty window
};

// Holds back text that might be the start of a stop string, so a stop string that spans
// several tokens is never emitted.
class StopStringMatcher {
public:
    explicit StopStringMatcher(std::vector<std::string> stops) : stops_(std::move(stops)) {}
    struct Result {
        std::string emit;   // text safe to show now
        bool stopped = false;
    };
    Result push(const std::string& text);
    std::string flush();    // the held-back tail, when generation ends for another reason

private:
    std::vector<std::string> stops_;
    std::string held_;
};

}  // namespace smollm

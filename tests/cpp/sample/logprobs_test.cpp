// token_logprobs: the log-softmax of the raw logits, the chosen token's and the top N's,
// most likely first, ties by lower id.
#include <catch.hpp>

#include <cmath>
#include <vector>

#include "sample/logprobs.h"

using namespace smollm;

TEST_CASE("logprobs are the log-softmax of the logits") {
    const std::vector<float> logits = {1.0f, 3.0f, -2.0f, 3.0f, 0.5f};
    double sum = 0.0;
    for (float l : logits) sum += std::exp(static_cast<double>(l));
    StepLogprobs out;
    token_logprobs(logits.data(), 5, 2, 3, out);
    CHECK(out.chosen.token == 2);
    CHECK(out.chosen.logprob == Approx(-2.0 - std::log(sum)).epsilon(1e-12));
    REQUIRE(out.top.size() == 3);
    CHECK(out.top[0].token == 1);   // tie with 3: the lower id first
    CHECK(out.top[1].token == 3);
    CHECK(out.top[2].token == 0);
    CHECK(out.top[0].logprob == Approx(3.0 - std::log(sum)).epsilon(1e-12));
    CHECK(out.top[2].logprob == Approx(1.0 - std::log(sum)).epsilon(1e-12));
}

TEST_CASE("no alternatives unless asked, and never more than the vocabulary or 20") {
    std::vector<float> logits(40);
    for (size_t i = 0; i < logits.size(); ++i) logits[i] = static_cast<float>(i % 7);
    StepLogprobs out;
    token_logprobs(logits.data(), 40, 0, 0, out);
    CHECK(out.top.empty());
    token_logprobs(logits.data(), 40, 0, 25, out);
    CHECK(out.top.size() == static_cast<size_t>(kMaxTopLogprobs));
    for (size_t i = 1; i < out.top.size(); ++i) CHECK(out.top[i - 1].logprob >= out.top[i].logprob);
    token_logprobs(logits.data(), 3, 0, 20, out);
    CHECK(out.top.size() == 3);
}

TEST_CASE("large logits do not overflow") {
    const std::vector<float> logits = {1000.0f, 999.0f};
    StepLogprobs out;
    token_logprobs(logits.data(), 2, 1, 2, out);
    CHECK(out.chosen.logprob == Approx(-1.0 - std::log1p(std::exp(-1.0))).epsilon(1e-12));
    CHECK(std::exp(out.top[0].logprob) + std::exp(out.top[1].logprob) == Approx(1.0).epsilon(1e-12));
}

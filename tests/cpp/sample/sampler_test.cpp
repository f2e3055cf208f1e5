// The sampler's maths: each filter keeps exactly the set it should, penalties move exactly the
// logits they should, and draws follow the softmax of what is left.
#include <catch.hpp>

#include <cmath>
#include <map>
#include <random>
#include <set>

#include "sample/sampler.h"

using namespace smollm;

namespace {

SamplingParams plain(float temperature = 1.0f) {
    SamplingParams p;
    p.temperature = temperature;
    p.top_p = 1.0f;
    p.top_k = 0;
    p.min_p = 0.0f;
    return p;
}

std::vector<float> logits_for(const std::vector<double>& probs) {
    std::vector<float> l;
    for (double p : probs) l.push_back(static_cast<float>(std::log(p)));
    return l;
}

std::map<int32_t, int> draw(const SamplingParams& params, const std::vector<float>& logits, int n,
                            const std::vector<int32_t>& history = {}) {
    Sampler s(params);
    std::map<int32_t, int> counts;
    for (int i = 0; i < n; ++i) ++counts[s.sample(logits.data(), static_cast<int32_t>(logits.size()), history)];
    return counts;
}

// Pearson chi-square of observed counts against expected probabilities (tokens absent from
// `expected` must never be drawn).
double chi_square(const std::map<int32_t, int>& counts, const std::map<int32_t, double>& expected, int n) {
    double chi = 0.0;
    for (const auto& [id, p] : expected) {
        const double e = p * n;
        const auto it = counts.find(id);
        const double o = it == counts.end() ? 0.0 : it->second;
        chi += (o - e) * (o - e) / e;
    }
    for (const auto& [id, c] : counts) {
        if (!expected.count(id)) FAIL("token " << id << " drawn " << c << " times but it should be filtered out");
    }
    return chi;
}

// Upper 0.1% points of chi-square (df 1..9): with fixed seeds the test is deterministic, and a
// correct sampler fails it with probability 1e-3 per seed.
double chi_critical(size_t df) {
    static const double table[] = {0, 10.83, 13.82, 16.27, 18.47, 20.52, 22.46, 24.32, 26.12, 27.88};
    return table[df];
}

std::map<int32_t, double> softmax_of(const std::vector<float>& logits, const std::set<int32_t>& keep, double temperature) {
    double max_l = -INFINITY, total = 0.0;
    for (int32_t id : keep) max_l = std::max(max_l, static_cast<double>(logits[static_cast<size_t>(id)]));
    std::map<int32_t, double> p;
    for (int32_t id : keep) total += p[id] = std::exp((logits[static_cast<size_t>(id)] - max_l) / temperature);
    for (auto& [id, v] : p) v /= total;
    return p;
}

}  // namespace

TEST_CASE("temperature 0 is argmax, lowest id on ties", "[sample]") {
    std::vector<float> l = {0.5f, 2.0f, -1.0f, 2.0f};
    Sampler s(plain(0.0f));
    CHECK(s.sample(l.data(), 4, {}) == 1);
}

TEST_CASE("top-k 1 equals greedy", "[sample]") {
    std::mt19937_64 rng(7);
    std::normal_distribution<float> normal(0.0f, 3.0f);
    for (int trial = 0; trial < 200; ++trial) {
        std::vector<float> l(1000);
        for (float& x : l) x = normal(rng);
        if (trial % 10 == 0) l[rng() % 1000] = l[rng() % 1000];   // occasional exact ties
        SamplingParams p = plain(1.5f);
        p.top_k = 1;
        p.seed = static_cast<uint64_t>(trial);
        Sampler topk(p), greedy(plain(0.0f));
        CHECK(topk.sample(l.data(), 1000, {}) == greedy.sample(l.data(), 1000, {}));
    }
}

TEST_CASE("top-k keeps the k best and draws by their softmax", "[sample]") {
    const auto l = logits_for({0.05, 0.3, 0.1, 0.25, 0.2, 0.1});
    SamplingParams p = plain(1.0f);
    p.top_k = 3;
    const int n = 20000;
    const auto counts = draw(p, l, n);
    CHECK(chi_square(counts, softmax_of(l, {1, 3, 4}, 1.0), n) < chi_critical(2));
}

TEST_CASE("top-p keeps the smallest prefix reaching p", "[sample]") {
    const auto l = logits_for({0.1, 0.4, 0.2, 0.3});   // sorted: 1 (0.4), 3 (0.3), 2 (0.2), 0 (0.1)
    const int n = 20000;
    SamplingParams p = plain(1.0f);
    p.top_p = 0.65f;   // 0.4 < 0.65 <= 0.7: keeps {1, 3}
    CHECK(chi_square(draw(p, l, n), softmax_of(l, {1, 3}, 1.0), n) < chi_critical(1));
    p.top_p = 0.75f;   // 0.7 < 0.75 <= 0.9: keeps {1, 3, 2}
    CHECK(chi_square(draw(p, l, n), softmax_of(l, {1, 2, 3}, 1.0), n) < chi_critical(2));
    p.top_p = 0.3f;    // the best token alone already reaches p
    CHECK(draw(p, l, 500) == std::map<int32_t, int>{{1, 500}});
}

TEST_CASE("top-p over a large vocabulary (past the partial sort)", "[sample]") {
    // 2000 tokens of equal weight: the nucleus for p = 0.5 is exactly the first 1000 ids
    // (ties go to the lower id), well beyond the 256 sorted first.
    std::vector<float> l(2000, 0.0f);
    SamplingParams p = plain(1.0f);
    p.top_p = 0.4999f;
    const auto counts = draw(p, l, 5000);
    CHECK(counts.rbegin()->first < 1000);
    CHECK(counts.size() > 900);
}

TEST_CASE("min-p keeps tokens with p >= min_p * p_max", "[sample]") {
    const auto l = logits_for({0.1, 0.5, 0.15, 0.25});
    SamplingParams p = plain(1.0f);
    p.min_p = 0.25f;   // threshold 0.125: drops only token 0
    const int n = 20000;
    CHECK(chi_square(draw(p, l, n), softmax_of(l, {1, 2, 3}, 1.0), n) < chi_critical(2));
    p.min_p = 0.45f;   // threshold 0.225: keeps {1, 3}
    CHECK(chi_square(draw(p, l, n), softmax_of(l, {1, 3}, 1.0), n) < chi_critical(1));
}

TEST_CASE("draw frequencies match the tempered softmax", "[sample]") {
    const std::vector<float> l = {1.0f, 0.2f, -0.5f, 1.7f, 0.0f, -2.0f, 0.9f, 1.3f};
    for (float t : {0.7f, 1.0f, 1.6f}) {
        SamplingParams p = plain(t);
        p.seed = 99;
        const int n = 40000;
        INFO("temperature " << t);
        CHECK(chi_square(draw(p, l, n), softmax_of(l, {0, 1, 2, 3, 4, 5, 6, 7}, t), n) < chi_critical(7));
    }
}

TEST_CASE("repetition, frequency and presence penalties move exactly the penalized logits", "[sample]") {
    const auto greedy_with = [](SamplingParams p, std::vector<float> l, std::vector<int32_t> history) {
        p.temperature = 0.0f;
        Sampler s(p);
        return s.sample(l.data(), static_cast<int32_t>(l.size()), history);
    };
    SamplingParams p = plain();
    p.repeat_penalty = 1.2f;   // 1.0 / 1.2 = 0.833 < 0.9
    CHECK(greedy_with(p, {1.0f, 0.9f}, {0}) == 1);
    p.repeat_penalty = 1.05f;  // 0.952 > 0.9
    CHECK(greedy_with(p, {1.0f, 0.9f}, {0}) == 0);
    p.repeat_penalty = 1.2f;   // negative logits are multiplied: -1.0 -> -1.2 < -1.1
    CHECK(greedy_with(p, {-1.0f, -1.1f}, {0}) == 1);
    p = plain();
    p.frequency_penalty = 0.1f;   // 1.0 - 3 * 0.1 = 0.7 < 0.75
    CHECK(greedy_with(p, {1.0f, 0.75f}, {0, 0, 0}) == 1);
    p.frequency_penalty = 0.08f;  // 0.76 > 0.75
    CHECK(greedy_with(p, {1.0f, 0.75f}, {0, 0, 0}) == 0);
    p = plain();
    p.presence_penalty = 0.3f;    // once, whatever the count: 0.7 < 0.75
    CHECK(greedy_with(p, {1.0f, 0.75f}, {0, 0, 0}) == 1);
    p.presence_penalty = 0.2f;    // 0.8 > 0.75
    CHECK(greedy_with(p, {1.0f, 0.75f}, {0, 0, 0}) == 0);
    // Only the last N tokens count.
    p = plain();
    p.repeat_penalty = 2.0f;
    p.penalty_last_n = 2;
    CHECK(greedy_with(p, {1.0f, 0.9f, 0.0f, 0.0f}, {0, 2, 3}) == 0);
    CHECK(greedy_with(p, {1.0f, 0.9f, 0.0f, 0.0f}, {2, 0, 3}) == 1);
    p.penalty_last_n = 0;   // disabled
    CHECK(greedy_with(p, {1.0f, 0.9f}, {0}) == 0);
    p.penalty_last_n = -1;  // the whole history
    CHECK(greedy_with(p, {1.0f, 0.9f, 0.0f}, {0, 2, 2, 2, 2}) == 1);

    // The full distribution: only tokens in the window change, by exactly the formula.
    std::vector<float> l = {0.5f, -0.3f, 1.0f, 0.2f, -1.0f};
    p = plain(1.0f);
    p.repeat_penalty = 1.3f;
    p.frequency_penalty = 0.2f;
    p.presence_penalty = 0.1f;
    const std::vector<int32_t> history = {1, 2, 2, 4, 99 /* outside the vocabulary: ignored */};
    std::vector<float> expect = l;
    expect[1] = -0.3f * 1.3f - 0.2f - 0.1f;
    expect[2] = 1.0f / 1.3f - 2 * 0.2f - 0.1f;
    expect[4] = -1.0f * 1.3f - 0.2f - 0.1f;
    const int n = 40000;
    CHECK(chi_square(draw(p, l, n, history), softmax_of(expect, {0, 1, 2, 3, 4}, 1.0), n) < chi_critical(4));
}

TEST_CASE("logit bias is added first; -inf bans a token", "[sample]") {
    const std::vector<float> l = {3.0f, 1.0f, 0.0f};
    SamplingParams p = plain(0.0f);
    p.logit_bias = {{0, -INFINITY}, {2, 1.5f}, {7, 100.0f} /* out of range: ignored */};
    Sampler s(p);
    CHECK(s.sample(l.data(), 3, {}) == 2);
    p = plain(1.0f);
    p.logit_bias = {{0, -INFINITY}};
    const auto counts = draw(p, l, 5000);
    CHECK(counts.count(0) == 0);
    p.logit_bias = {{0, -INFINITY}, {1, -INFINITY}, {2, -INFINITY}};
    Sampler banned(p);
    CHECK_THROWS_WITH(banned.sample(l.data(), 3, {}), Catch::Contains("probability zero"));
}

TEST_CASE("the same seed gives the same tokens; another seed does not", "[sample]") {
    std::vector<float> l(500);
    for (size_t i = 0; i < l.size(); ++i) l[i] = static_cast<float>(std::sin(i * 0.37) * 2.0);
    SamplingParams p;   // the defaults: temperature 0.2, top_p 0.9
    p.temperature = 1.2f;
    p.top_k = 40;
    p.min_p = 0.01f;
    p.repeat_penalty = 1.1f;
    p.seed = 42;
    const auto run = [&](uint64_t seed) {
        SamplingParams q = p;
        q.seed = seed;
        Sampler s(q);
        std::vector<int32_t> history;
        for (int i = 0; i < 300; ++i) history.push_back(s.sample(l.data(), 500, history));
        return history;
    };
    CHECK(run(42) == run(42));
    CHECK(run(42) != run(43));
}

TEST_CASE("bad parameters are refused with a message", "[sample]") {
    SamplingParams p = plain();
    p.top_p = 0.0f;
    CHECK_THROWS_WITH(Sampler(p), Catch::Contains("top_p"));
    p = plain();
    p.temperature = -1.0f;
    CHECK_THROWS_WITH(Sampler(p), Catch::Contains("temperature"));
    p = plain();
    p.repeat_penalty = 0.0f;
    CHECK_THROWS_WITH(Sampler(p), Catch::Contains("repeat_penalty"));
    Sampler s(plain());
    CHECK_THROWS(s.sample(nullptr, 10, {}));
}

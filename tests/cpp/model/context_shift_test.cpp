// Context shift: RoPE turned back by a position delta, the cache's shift against a fresh
// evaluation of the kept tokens, the generation loop's llama.cpp policy (keep n_keep, discard
// half of the rest) and the chat's re-use of a cache that lost a span of turns.
#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include <catch.hpp>

#include "model/ops.h"
#include "model_fixtures.h"

using namespace smollm;

namespace {

std::vector<int32_t> ids(int32_t n, int32_t vocab, uint32_t seed) {
    std::vector<int32_t> out;
    for (int32_t i = 0; i < n; ++i) {
        seed = seed * 1664525u + 1013904223u;
        out.push_back(static_cast<int32_t>(20 + (seed >> 8) % static_cast<uint32_t>(vocab - 20)));
    }
    return out;
}

std::vector<int32_t> concat(std::initializer_list<std::vector<int32_t>> parts) {
    std::vector<int32_t> out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

// One layer: its keys and values depend on each token and its position only, never on the
// tokens before it, so after a shift the cache holds exactly what a fresh evaluation of the
// kept tokens would store, up to the rounding of rotating a key twice.
tools::ModelSpec one_layer_spec() {
    tools::ModelSpec s = test::small_spec();
    s.n_layers = 1;
    s.seed = 11;
    return s;
}

std::unique_ptr<Engine> engine(const tools::ModelSpec& spec, const std::string& name, uint32_t ctx, KvType kv_type) {
    EngineOptions o;
    o.n_threads = 2;
    o.context_size = ctx;
    o.kv_type_k = kv_type;
    o.kv_type_v = kv_type;
    return test::load_engine(test::small_model_path(name, spec), o);
}

// max |a - b| over the rows, relative to b's logit range in that row.
double max_rel_diff(const std::vector<float>& a, const std::vector<float>& b, int32_t n_vocab) {
    double worst = 0.0;
    for (size_t row = 0; row * static_cast<size_t>(n_vocab) < b.size(); ++row) {
        const float* x = a.data() + row * static_cast<size_t>(n_vocab);
        const float* y = b.data() + row * static_cast<size_t>(n_vocab);
        const auto [lo, hi] = std::minmax_element(y, y + n_vocab);
        double d = 0.0;
        for (int32_t i = 0; i < n_vocab; ++i) d = std::max(d, static_cast<double>(std::fabs(x[i] - y[i])));
        worst = std::max(worst, d / static_cast<double>(*hi - *lo));
    }
    return worst;
}

std::vector<float> eval_logits(Engine& e, const std::vector<int32_t>& tokens, int32_t n_past) {
    e.eval(tokens.data(), static_cast<int32_t>(tokens.size()), n_past, true);
    std::vector<float> out;
    for (size_t i = 0; i < tokens.size(); ++i) {
        const float* l = e.logits(static_cast<int32_t>(i));
        out.insert(out.end(), l, l + e.n_vocab());
    }
    return out;
}

int32_t argmax(const float* l, int32_t n) { return static_cast<int32_t>(std::max_element(l, l + n) - l); }

}  // namespace

TEST_CASE("RopeTable::rotate moves a rotated vector to another position", "[model][shift]") {
    const int32_t n_rot = 64, n_ctx = 512;
    const RopeTable rope(n_ctx, n_rot, 10000.0f, 1.0f, {});
    std::mt19937 rng(7);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> x(static_cast<size_t>(n_rot));
    for (const auto [pos, delta] : {std::pair{300, -120}, std::pair{511, -255}, std::pair{40, -40}, std::pair{10, 90}}) {
        for (float& v : x) v = normal(rng);
        std::vector<float> shifted = x, direct = x;
        rope.apply(shifted.data(), pos);
        rope.rotate(shifted.data(), delta);
        rope.apply(direct.data(), pos + delta);
        // Float angles (as ggml's) at position 511 are ~3e-5 rad apart from the exact ones.
        for (int32_t i = 0; i < n_rot; ++i) CHECK(std::fabs(shifted[static_cast<size_t>(i)] - direct[static_cast<size_t>(i)]) < 1e-4f);
        // Turning back by -delta undoes +delta (within rounding), and a zero shift is exact.
        std::vector<float> back = x;
        rope.rotate(back.data(), -delta);
        rope.rotate(back.data(), delta);
        for (int32_t i = 0; i < n_rot; ++i) CHECK(std::fabs(back[static_cast<size_t>(i)] - x[static_cast<size_t>(i)]) < 1e-5f);
        std::vector<float> same = x;
        rope.rotate(same.data(), 0);
        CHECK(same == x);
    }
}

TEST_CASE("a shifted cache continues like a fresh evaluation of the kept tokens (one layer)", "[model][shift]") {
    // Keep 5, discard 23, a tail of 30 moves down by 23; then 12 more tokens.
    const tools::ModelSpec spec = one_layer_spec();
    // Bounds: the shift rotates each moved key twice (to its old position, then back by 23),
    // with float angles (ggml's: theta = p * step^i in float, ~1e-5 rad off at these
    // positions); an f16 cache rounds the key once more, a quantized one quantizes it twice
    // (the fresh evaluation once). Measured 1.5e-4 (f32), 6.8e-4 (f16), 7.3e-3 (q8_0), 0.12
    // (q4_0, whose fresh evaluation is itself 0.093 from an f32 cache's); with the keys left at
    // their old angles (rotation by 0): 0.58, far above every bound.
    for (const auto [kv_type, bound] : {std::pair{KvType::F32, 5e-4}, std::pair{KvType::F16, 2e-3},
                                        std::pair{KvType::Q8_0, 2e-2}, std::pair{KvType::Q4_0, 2e-1}}) {
        CAPTURE(kv_type_name(kv_type));
        auto shifted = engine(spec, "shift-1layer", 128, kv_type);
        auto fresh = engine(spec, "shift-1layer", 128, kv_type);
        const int32_t vocab = shifted->n_vocab();
        const auto keep = ids(5, vocab, 1), discard = ids(23, vocab, 2), tail = ids(30, vocab, 3), next = ids(12, vocab, 4);
        const auto before = concat({keep, discard, tail});
        shifted->eval(before.data(), static_cast<int32_t>(before.size()), 0, false);
        shifted->shift_cache(5, 23);
        REQUIRE(shifted->cached_tokens() == concat({keep, tail}));
        const std::vector<float> ours = eval_logits(*shifted, next, 35);
        const std::vector<float> reference = eval_logits(*fresh, concat({keep, tail, next}), 0);
        const std::vector<float> reference_next(reference.end() - static_cast<std::ptrdiff_t>(next.size()) * vocab, reference.end());
        const double diff = max_rel_diff(ours, reference_next, vocab);
        auto exact = engine(spec, "shift-1layer", 128, KvType::F32);
        const std::vector<float> r32 = eval_logits(*exact, concat({keep, tail, next}), 0);
        const std::vector<float> r32_next(r32.end() - static_cast<std::ptrdiff_t>(next.size()) * vocab, r32.end());
        // Against an f32 cache's fresh evaluation, the shifted cache is about as far as the
        // fresh one of its own type: the second quantization adds little (measured q8_0
        // 7.6e-3 vs 6.4e-3, q4_0 0.112 vs 0.093).
        const double shifted_err = max_rel_diff(ours, r32_next, vocab), fresh_err = max_rel_diff(reference_next, r32_next, vocab);
        CAPTURE(diff, shifted_err, fresh_err);
        CHECK(diff < bound);
        CHECK(shifted_err <= 1.5 * fresh_err + 5e-4);
    }
}

TEST_CASE("discarding everything after n_keep leaves exactly the fresh kept prefix", "[model][shift]") {
    // Nothing moves: the cache holds the first tokens' keys and values, computed before the
    // discarded ones existed, so the logits are a fresh evaluation's bit for bit.
    auto shifted = engine(test::small_spec(), "gen-f16", 128, KvType::F16);
    auto fresh = engine(test::small_spec(), "gen-f16", 128, KvType::F16);
    const int32_t vocab = shifted->n_vocab();
    const auto keep = ids(9, vocab, 5), rest = ids(40, vocab, 6), next = ids(6, vocab, 7);
    const auto before = concat({keep, rest});
    shifted->eval(before.data(), static_cast<int32_t>(before.size()), 0, false);
    shifted->shift_cache(9, 40);
    CHECK(shifted->cached_tokens() == keep);
    const std::vector<float> ours = eval_logits(*shifted, next, 9);
    fresh->eval(keep.data(), 9, 0, false);
    const std::vector<float> reference = eval_logits(*fresh, next, 9);
    CHECK(ours == reference);
}

TEST_CASE("shift_cache refuses a span outside the cache", "[model][shift]") {
    auto e = engine(test::small_spec(), "gen-f16", 64, KvType::F16);
    const auto t = ids(10, e->n_vocab(), 8);
    e->eval(t.data(), 10, 0, false);
    CHECK_THROWS_AS(e->shift_cache(-1, 2), EngineError);
    CHECK_THROWS_AS(e->shift_cache(4, -1), EngineError);
    CHECK_THROWS_AS(e->shift_cache(4, 7), EngineError);
    e->shift_cache(4, 0);
    CHECK(e->cached_tokens() == t);
    e->shift_cache(4, 6);
    CHECK(e->cached_tokens() == std::vector<int32_t>(t.begin(), t.begin() + 4));
}

TEST_CASE("generation shifts the context as llama.cpp's completion tool does", "[model][shift][generate]") {
    // Greedy, context 32, prompt 10 (keep 3): when the next token does not fit, keep 3 and
    // discard half of the rest. Replayed by hand with eval + shift_cache: the same tokens.
    const int32_t ctx = 32, n_keep = 3, n_new = 70;
    auto e = engine(test::small_spec(), "gen-f16", ctx, KvType::F16);
    auto manual = engine(test::small_spec(), "gen-f16", ctx, KvType::F16);
    const int32_t vocab = e->n_vocab();
    const auto prompt = ids(10, vocab, 9);
    GenerationOptions g;
    g.sampling.temperature = 0.0f;
    g.max_tokens = n_new;
    g.ignore_eos = true;
    g.context_shift = true;
    g.n_keep = n_keep;
    const test::GenerationRun run = test::run_generation(*e, prompt, g);
    CHECK(run.finish_reason == "length");
    REQUIRE(run.tokens.size() == static_cast<size_t>(n_new));
    CHECK(e->cached_tokens().size() <= static_cast<size_t>(ctx));
    CHECK(std::equal(prompt.begin(), prompt.begin() + n_keep, e->cached_tokens().begin()));

    std::vector<int32_t> tokens;
    int32_t shifts = 0, dropped = 0;
    manual->eval(prompt.data(), static_cast<int32_t>(prompt.size()), 0, false);
    for (int32_t i = 0; i < n_new; ++i) {
        const int32_t t = argmax(manual->logits(0), vocab);
        tokens.push_back(t);
        if (i + 1 == n_new) break;
        int32_t used = static_cast<int32_t>(manual->cached_tokens().size());
        if (used >= ctx) {
            const int32_t n_discard = (used - n_keep) / 2;
            manual->shift_cache(n_keep, n_discard);
            ++shifts;
            dropped += n_discard;
            used -= n_discard;
        }
        manual->eval(&t, 1, used, false);
    }
    CHECK(run.tokens == tokens);
    CHECK(shifts >= 3);
    CHECK(e->context_shifts() == shifts);
    CHECK(e->shifted_out_tokens() == dropped);
}

TEST_CASE("n_keep = -1 keeps the whole prompt; off, or nothing to discard, ends with length", "[model][shift][generate]") {
    auto e = engine(test::small_spec(), "gen-f16", 32, KvType::F16);
    const int32_t vocab = e->n_vocab();
    GenerationOptions g;
    g.sampling.temperature = 0.0f;
    g.max_tokens = 40;
    g.ignore_eos = true;
    g.context_shift = true;
    auto prompt = ids(12, vocab, 10);
    g.n_keep = -1;
    test::run_generation(*e, prompt, g);
    CHECK(e->context_shifts() >= 1);
    CHECK(std::equal(prompt.begin(), prompt.end(), e->cached_tokens().begin()));
    // n_keep -1 with a prompt that leaves one free cell: nothing after it can go; "length".
    g.max_tokens = 100;
    const test::GenerationRun full = test::run_generation(*e, ids(31, vocab, 11), g);
    CHECK(full.finish_reason == "length");
    CHECK(e->context_shifts() == 0);
    // Off: the context's end is the end.
    g.context_shift = false;
    g.n_keep = 0;
    const test::GenerationRun off = test::run_generation(*e, prompt, g);
    CHECK(off.finish_reason == "length");
    CHECK(off.tokens.size() == 32 - 12 + 1);
    CHECK(e->context_shifts() == 0);
    // A prompt that fills the context is still an error, shift or not.
    g.context_shift = true;
    CHECK_THROWS_AS(e->begin_generation(ids(32, vocab, 12), g), EngineError);
    g.n_keep = -2;
    CHECK_THROWS_AS(e->begin_generation(prompt, g), EngineError);
}

TEST_CASE("shift_cache_to_match re-uses the turns that follow dropped ones", "[model][shift]") {
    auto e = engine(test::small_spec(), "gen-f16", 128, KvType::F16);
    const int32_t vocab = e->n_vocab();
    const auto system = ids(6, vocab, 20), turn1 = ids(15, vocab, 21), turn2 = ids(17, vocab, 22), turn3 = ids(9, vocab, 23);
    const auto answer = ids(5, vocab, 24), next = ids(8, vocab, 25);
    const auto cached = concat({system, turn1, turn2, turn3, answer});
    e->eval(cached.data(), static_cast<int32_t>(cached.size()), 0, false);
    // The next prompt drops turn 1 and adds a turn: turn 1's 15 tokens leave the cache.
    const auto prompt = concat({system, turn2, turn3, answer, next});
    CHECK(e->shift_cache_to_match(prompt) == 15);
    CHECK(e->cached_tokens() == concat({system, turn2, turn3, answer}));
    GenerationOptions g;
    g.max_tokens = 1;
    e->begin_generation(prompt, g);
    CHECK(e->reused_tokens() == static_cast<int32_t>(system.size() + turn2.size() + turn3.size() + answer.size()));
    // A prompt that shares nothing after the common prefix moves nothing.
    CHECK(e->shift_cache_to_match(concat({system, next})) == 0);
    CHECK(e->shift_cache_to_match({}) == 0);
}

// Fuzz target: a whole small model from fuzzed bytes, loaded by Engine::load and run for a
// few tokens of evaluation and sampling, so the weights (any tensor type's blocks, NaN and
// Inf scales included), the kernels, the KV cache and the sampler see hostile data, not only
// the header. Input: 8 option bytes (sampling, context, flags), then the GGUF file.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "engine.h"
#include "fuzz_support.h"

namespace {

constexpr size_t kOptionBytes = 8;

struct FuzzOptions {
    smollm::EngineOptions engine;
    smollm::GenerationOptions generation;
    bool all_logits = false;
    bool invalid_sampling = false;   // a NaN or +Inf logit bias: begin_generation must refuse it
};

FuzzOptions read_options(const uint8_t* o) {
    FuzzOptions f;
    f.engine.n_threads = 1;
    f.engine.context_size = 8 + o[6] % 57;   // 8..64: enough for the prompt and a few tokens
    // f16 / f32 (both), or a quantized K and V (q8_0 / q4_0) from a spare bit.
    f.engine.kv_type_k = f.engine.kv_type_v = (o[5] & 2) == 0 ? smollm::KvType::F16 : smollm::KvType::F32;
    if (o[5] & 4) {
        f.engine.kv_type_k = (o[5] & 64) ? smollm::KvType::Q8_0 : smollm::KvType::Q4_0;
        f.engine.kv_type_v = (o[5] & 128) ? smollm::KvType::Q8_0 : smollm::KvType::F16;
    }
    smollm::SamplingParams& s = f.generation.sampling;
    s.temperature = static_cast<float>(o[0]) / 32.0f;   // 0 (greedy) .. 8
    s.top_k = o[1] % 64;
    s.top_p = static_cast<float>(o[2] + 1) / 256.0f;
    s.min_p = static_cast<float>(o[3]) / 510.0f;
    s.repeat_penalty = 1.0f + static_cast<float>(o[4]) / 128.0f;
    s.presence_penalty = (o[5] & 8) ? 0.5f : 0.0f;
    s.frequency_penalty = (o[5] & 16) ? 0.25f : 0.0f;
    s.penalty_last_n = (o[5] & 32) ? -1 : 16;
    s.seed = o[7];
    if (o[5] & 64) s.logit_bias.emplace_back(o[7] % 8, -INFINITY);
    // Invalid sampling must be refused with EngineError, never reach the sampler.
    f.invalid_sampling = (o[5] & 128) != 0;
    if (f.invalid_sampling) s.logit_bias.emplace_back(o[7] % 8, (o[7] & 1) ? NAN : INFINITY);
    f.generation.ignore_eos = (o[5] & 1) != 0;
    f.generation.max_tokens = 1 + o[7] % 4;
    f.generation.prefill_chunk = 1 + o[6] % 5;
    f.all_logits = (o[5] & 4) != 0;
    return f;
}

void check_logits(const smollm::Engine& engine, int32_t row) {
    // Values may be NaN for hostile weights; reading all of them is what ASan checks.
    const float* l = engine.logits(row);
    float sum = 0.0f;
    for (int32_t i = 0; i < engine.n_vocab(); ++i) sum += l[i];
    (void)sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size <= kOptionBytes) return 0;
    const FuzzOptions options = read_options(data);
    const size_t file_size = size - kOptionBytes;
    // An exact-size heap block, so a read past the file is an ASan report.
    auto* file = static_cast<uint8_t*>(std::malloc(file_size));
    std::memcpy(file, data + kOptionBytes, file_size);
    std::unique_ptr<smollm::Engine> engine;
    try {
        engine = smollm::Engine::load({smollm::Engine::FileBuffer{file, file_size}}, options.engine);
    } catch (const smollm::EngineError&) {
        std::free(file);   // refused: the buffer is still ours
        return 0;
    }
    const int32_t n_vocab = engine->n_vocab();
    FUZZ_CHECK(n_vocab > 0);
    FUZZ_CHECK(engine->n_ctx() == static_cast<int32_t>(options.engine.context_size));

    std::vector<int32_t> prompt;
    try {
        prompt = engine->tokenizer().encode("<|im_start|>def f(x):\n  return x", true);
    } catch (const std::runtime_error&) {
    }
    for (const int32_t id : prompt) FUZZ_CHECK(id >= 0 && id < n_vocab);
    if (prompt.empty()) prompt.push_back(0);
    if (static_cast<int32_t>(prompt.size()) > engine->n_ctx() - 4) prompt.resize(static_cast<size_t>(engine->n_ctx() - 4));

    // A plain evaluation (every position's logits when asked), then a generation that reuses
    // part of that cache.
    const int32_t n = static_cast<int32_t>(prompt.size());
    engine->eval(prompt.data(), n, 0, options.all_logits);
    check_logits(*engine, options.all_logits ? n - 1 : 0);
    FUZZ_CHECK(static_cast<int32_t>(engine->cached_tokens().size()) == n);

    try {
        engine->begin_generation(prompt, options.generation);
    } catch (const smollm::EngineError&) {
        FUZZ_CHECK(options.invalid_sampling);
        return 0;
    }
    FUZZ_CHECK(!options.invalid_sampling);
    try {
        for (int steps = 0; steps < 64; ++steps) {
            const smollm::StepResult r = engine->step();
            if (r.kind == smollm::StepResult::Kind::Token) FUZZ_CHECK(r.token >= 0 && r.token < n_vocab);
            if (r.kind == smollm::StepResult::Kind::Done) break;
        }
    } catch (const smollm::EngineError& e) {
        // The one refusal a valid request can meet: weights whose logits are NaN everywhere.
        FUZZ_CHECK(std::string(e.what()).find("NaN or -inf for every token") != std::string::npos);
        return 0;
    }
    FUZZ_CHECK(engine->generated_tokens() <= options.generation.max_tokens);
    FUZZ_CHECK(static_cast<int32_t>(engine->cached_tokens().size()) <= engine->n_ctx());
    return 0;
}

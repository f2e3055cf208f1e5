// GenerationOptions and SamplingParams (src/engine.h, src/sample/sampler.h) as Embind value
// objects: JS hands Engine.beginGeneration one plain object, {sampling: {...}, stop, maxTokens,
// ...}, whose fields are declared once in js/src/options/generation-fields.js (name, type,
// default, range, and which of the two structs holds it). Embind throws a TypeError naming a
// field the object lacks, so a field bound here but missing or misspelled there fails on the
// first call; tests/js/options/binding.test.mjs checks the other direction.
//
// The package validates every value first (js/src/options/validate.js). A direct call that
// skipped that still cannot reach undefined behaviour: numbers become int32 and float by
// wasm's conversion rules, the seed saturates, a malformed token id becomes -1 and a
// malformed stop string "", which Engine::begin_generation refuses with an EngineError.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine.h"

using emscripten::val;

namespace smollm {
namespace {

// An array's length, or 0 for anything that is not an array (never a NaN cast to an integer).
uint32_t array_length(const val& v) {
    if (!v.isArray()) return 0;
    return static_cast<uint32_t>(v["length"].as<double>());
}

double seed_get(const SamplingParams& s) { return static_cast<double>(s.seed); }

void seed_set(SamplingParams& s, double seed) {
    if (!(seed >= 0)) s.seed = 0;
    else if (seed >= 18446744073709551616.0) s.seed = UINT64_MAX;
    else s.seed = static_cast<uint64_t>(seed);
}

// logitBias on the wire: [[tokenId, bias], ...] (the package turns its {id: bias} into pairs).
val logit_bias_get(const SamplingParams& s) {
    val out = val::array();
    for (const auto& [id, bias] : s.logit_bias) {
        val pair = val::array();
        pair.call<void>("push", id, bias);
        out.call<void>("push", pair);
    }
    return out;
}

void logit_bias_set(SamplingParams& s, val pairs) {
    s.logit_bias.clear();
    const uint32_t n = array_length(pairs);
    s.logit_bias.reserve(n);
    for (uint32_t i = 0; i < n; ++i) {
        const val pair = pairs[i];
        const double id = array_length(pair) == 2 ? pair[0].as<double>() : NAN;
        const double bias = array_length(pair) == 2 ? pair[1].as<double>() : NAN;
        const bool whole = id >= 0 && id <= INT32_MAX && id == std::floor(id);
        s.logit_bias.emplace_back(whole ? static_cast<int32_t>(id) : -1, static_cast<float>(bias));
    }
}

val stop_get(const GenerationOptions& g) {
    val out = val::array();
    for (const std::string& stop : g.stop) out.call<void>("push", stop);
    return out;
}

void stop_set(GenerationOptions& g, val stops) {
    g.stop.clear();
    const uint32_t n = array_length(stops);
    for (uint32_t i = 0; i < n; ++i) {
        const val stop = stops[i];
        g.stop.push_back(stop.isString() ? stop.as<std::string>() : std::string());
    }
}

}  // namespace
}  // namespace smollm

EMSCRIPTEN_BINDINGS(generation_options) {
    using namespace smollm;
    emscripten::value_object<SamplingParams>("SamplingParams")
        .field("temperature", &SamplingParams::temperature)
        .field("topK", &SamplingParams::top_k)
        .field("topP", &SamplingParams::top_p)
        .field("minP", &SamplingParams::min_p)
        .field("repeatPenalty", &SamplingParams::repeat_penalty)
        .field("presencePenalty", &SamplingParams::presence_penalty)
        .field("frequencyPenalty", &SamplingParams::frequency_penalty)
        .field("penaltyLastN", &SamplingParams::penalty_last_n)
        .field("seed", &seed_get, &seed_set)
        .field("logitBias", &logit_bias_get, &logit_bias_set);
    emscripten::value_object<GenerationOptions>("GenerationOptions")
        .field("sampling", &GenerationOptions::sampling)
        .field("stop", &stop_get, &stop_set)
        .field("maxTokens", &GenerationOptions::max_tokens)
        .field("ignoreEos", &GenerationOptions::ignore_eos)
        .field("prefillChunk", &GenerationOptions::prefill_chunk)
        .field("grammar", &GenerationOptions::grammar)
        .field("jsonSchema", &GenerationOptions::json_schema)
        .field("grammarTrigger", &GenerationOptions::grammar_trigger)
        .field("logprobs", &GenerationOptions::logprobs)
        .field("topLogprobs", &GenerationOptions::top_logprobs)
        .field("contextShift", &GenerationOptions::context_shift)
        .field("nKeep", &GenerationOptions::n_keep);
}

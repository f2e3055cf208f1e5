// Models for the engine tests: written by the writer library into the test scratch folder
// (once per process), loaded into an Engine from memory as the web loader would.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine.h"
#include "gguf_writer/llama_model_writer.h"

namespace smollm::test {

// A small random model (synthetic 512-token vocabulary); `name` keys the cached file.
std::string small_model_path(const std::string& name, const tools::ModelSpec& spec);
// The default small model: dim 256, 2 layers, 4 heads / 2 kv heads, F16.
tools::ModelSpec small_spec();

std::unique_ptr<Engine> load_engine(const std::vector<uint8_t>& bytes, const EngineOptions& options);
std::unique_ptr<Engine> load_engine(const std::string& path, const EngineOptions& options);

// One generation driven to its end by step(): the tokens, the text, the finish reason and the
// prefill steps. Fails the test if it never finishes.
struct GenerationRun {
    std::vector<int32_t> tokens;
    std::string text;
    std::string finish_reason;
    std::vector<StepResult> prefill;
};
GenerationRun run_generation(Engine& e, const std::vector<int32_t>& prompt, const GenerationOptions& g);

// The same GGUF with some metadata replaced (or added): for absurd-header tests.
std::vector<uint8_t> with_metadata(const std::vector<uint8_t>& bytes, const std::map<std::string, GgufValue>& overrides);
GgufValue u32_value(uint32_t v);
GgufValue string_value(const std::string& v);

}  // namespace smollm::test

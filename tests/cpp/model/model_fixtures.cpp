#include "model_fixtures.h"

#include <cstdlib>
#include <cstring>
#include <set>

#include "gguf_writer/gguf_builder.h"
#include "test_support.h"

#include <catch.hpp>

namespace smollm::test {

tools::ModelSpec small_spec() {
    tools::ModelSpec s;
    s.dim = 256;
    s.n_layers = 2;
    s.n_heads = 4;
    s.n_kv_heads = 2;
    s.ffn = 512;
    s.context = 512;
    s.seed = 3;
    s.weight_type = GgmlType::F16;
    return s;
}

std::string small_model_path(const std::string& name, const tools::ModelSpec& spec) {
    static std::set<std::string> written;
    const std::string path = temp_path("model-" + name + ".gguf");
    if (written.insert(name).second) tools::write_random_llama_model(spec, path);
    return path;
}

std::unique_ptr<Engine> load_engine(const std::vector<uint8_t>& bytes, const EngineOptions& options) {
    Engine::FileBuffer buf;
    buf.bytes = static_cast<uint8_t*>(std::malloc(bytes.size()));
    buf.size = bytes.size();
    std::memcpy(buf.bytes, bytes.data(), bytes.size());
    try {
        return Engine::load({buf}, options);
    } catch (...) {
        std::free(buf.bytes);
        throw;
    }
}

std::unique_ptr<Engine> load_engine(const std::string& path, const EngineOptions& options) {
    return load_engine(read_file_bytes(path), options);
}

std::vector<uint8_t> with_metadata(const std::vector<uint8_t>& bytes, const std::map<std::string, GgufValue>& overrides) {
    GgufParseResult r = gguf_parse(bytes.data(), bytes.size(), bytes.size());
    REQUIRE(r.status == GgufParseResult::Status::Complete);
    const GgufFile& f = *r.file;
    tools::GgufBuilder b(f.version);
    if (f.alignment != 32) b.set_alignment(static_cast<uint32_t>(f.alignment));
    std::set<std::string> done;
    for (const GgufKeyValue& kv : f.metadata) {
        if (kv.key == "general.alignment") continue;
        auto it = overrides.find(kv.key);
        b.add_value(kv.key, it == overrides.end() ? kv.value : it->second);
        done.insert(kv.key);
    }
    for (const auto& [key, value] : overrides) {
        if (!done.count(key)) b.add_value(key, value);
    }
    for (const GgufTensorInfo& t : f.tensors) {
        std::vector<uint64_t> ne(t.ne, t.ne + t.n_dims);
        const uint8_t* src = bytes.data() + f.data_offset + t.offset;
        b.add_tensor(t.name, t.type, ne, std::vector<uint8_t>(src, src + t.n_bytes));
    }
    return b.to_bytes();
}

GgufValue u32_value(uint32_t v) {
    GgufValue x;
    x.type = GgufValueType::UINT32;
    x.u64 = v;
    return x;
}

GgufValue string_value(const std::string& v) {
    GgufValue x;
    x.type = GgufValueType::STRING;
    x.str = v;
    return x;
}

GenerationRun run_generation(Engine& e, const std::vector<int32_t>& prompt, const GenerationOptions& g) {
    GenerationRun r;
    e.begin_generation(prompt, g);
    for (int guard = 0; guard < 10000; ++guard) {
        StepResult s = e.step();
        if (s.kind == StepResult::Kind::Prefill) {
            r.prefill.push_back(s);
            continue;
        }
        r.text += s.text;
        if (s.kind == StepResult::Kind::Token) r.tokens.push_back(s.token);
        if (s.kind == StepResult::Kind::Done) {
            r.finish_reason = s.finish_reason;
            return r;
        }
    }
    FAIL("generation never finished");
    return r;
}

}  // namespace smollm::test

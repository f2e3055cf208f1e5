// Every way a model file can be cut short: at each section boundary (and a byte either side)
// and at random points. Loading must give an EngineError naming the problem, never a crash or
// another exception, and the engine must still load a good model afterwards.
#include <catch.hpp>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "engine_loading.h"
#include "gguf_writer/llama_model_writer.h"
#include "gguf_bytes.h"
#include "gguf_sections.h"
#include "test_support.h"
#include "tiny_llama.h"

using namespace smollm;
using namespace smollm::hostile;

namespace {

// Cut points: every boundary, one byte either side, and `n_random` points, all below `limit`
// (a cut at or after the end of the tensor data loses nothing).
std::vector<uint64_t> cut_points(const std::vector<uint64_t>& boundaries, uint64_t limit,
                                 int n_random, uint32_t seed) {
    std::set<uint64_t> cuts;
    for (uint64_t b : boundaries) {
        for (uint64_t c : {b - 1, b, b + 1})
            if (b != 0 || c != b - 1) cuts.insert(c);
    }
    std::mt19937_64 rng(seed);
    for (int i = 0; i < n_random; ++i) cuts.insert(rng() % limit);
    std::vector<uint64_t> out;
    for (uint64_t c : cuts)
        if (c < limit) out.push_back(c);
    return out;
}

std::vector<uint8_t> good_model_bytes() { return write_gguf(tiny_llama_spec()); }

void load_good_model_again() {
    std::unique_ptr<Engine> engine = load_copy(good_model_bytes());
    REQUIRE(engine);
    check_engine_usable(*engine);
}

}  // namespace

TEST_CASE("the builder's model loads and runs (baseline for every hostile case)", "[hostile][truncate]") {
    std::unique_ptr<Engine> engine = load_copy(good_model_bytes());
    REQUIRE(engine);
    CHECK(engine->n_vocab() == static_cast<int32_t>(tiny_vocab_tokens().size()));
    check_engine_usable(*engine);
}

TEST_CASE("a generated model cut at every section boundary and 300 random points is refused",
          "[hostile][truncate]") {
    GgufLayout layout;
    TinyLlamaShape shape;
    shape.layers = 2;
    shape.tied = false;
    const std::vector<uint8_t> bytes = write_gguf(tiny_llama_spec(shape), &layout);
    REQUIRE(!load_error(bytes).has_value());

    const std::vector<uint64_t> cuts = cut_points(layout.boundaries, bytes.size(), 300, 1);
    INFO("file of " << bytes.size() << " bytes, " << cuts.size() << " cuts");
    int refused = 0;
    for (size_t i = 0; i < cuts.size(); ++i) {
        INFO("cut at byte " << cuts[i]);
        const std::optional<std::string> err = load_error(bytes.data(), cuts[i]);
        REQUIRE(err.has_value());
        CHECK(!err->empty());
        refused += err.has_value();
        if (i % 50 == 49) load_good_model_again();
    }
    CHECK(refused == static_cast<int>(cuts.size()));
    load_good_model_again();
}

TEST_CASE("models written by tools/gguf_writer cut at their boundaries are refused", "[hostile][truncate]") {
    // The writer's own code (compiled into every suite), so its layout, padding and
    // tokenizer metadata are covered as well as ours: F16, a quantized mix, untied output.
    struct Variant { const char* name; tools::WeightMix mix; GgmlType type; bool tied; };
    const Variant variants[] = {
        {"f16-tied", tools::WeightMix::None, GgmlType::F16, true},
        {"q4_k_m-untied", tools::WeightMix::Q4_K_M, GgmlType::F16, false},
    };
    uint32_t seed = 2;
    for (const Variant& v : variants) {
        tools::ModelSpec spec;
        spec.dim = 256;
        spec.n_layers = 2;
        spec.n_heads = 4;
        spec.n_kv_heads = 2;
        spec.ffn = 256;
        spec.context = 256;
        spec.tied = v.tied;
        spec.mix = v.mix;
        spec.weight_type = v.type;
        spec.seed = seed;
        const std::string out = test::temp_path(std::string("hostile-writer-") + v.name + ".gguf");
        tools::write_random_llama_model(spec, out);
        const std::vector<uint8_t> bytes = test::read_file_bytes(out);
        INFO(v.name << ": " << bytes.size() << " bytes");
        REQUIRE(!load_error(bytes).has_value());
        SectionWalker walker(bytes.data(), bytes.size());
        const std::vector<uint64_t> boundaries = walker.boundaries();
        const std::vector<uint64_t> cuts = cut_points(boundaries, walker.data_end(), 100, seed++);
        for (uint64_t cut : cuts) {
            INFO("cut at byte " << cut);
            const std::optional<std::string> err = load_error(bytes.data(), cut);
            REQUIRE(err.has_value());
            CHECK(!err->empty());
        }
        load_good_model_again();
    }
}

TEST_CASE("the shared llama.cpp files cut at section boundaries and random points are refused",
          "[hostile][truncate][shared]") {
    const char* files[] = {"tiny-py-Q4_K_M.gguf", "tiny-a-ZOO.gguf", "tiny-a-IQ4_XS.gguf",
                           "tiny-a-Q4_K_M.gguf", "tiny-a-Q5_K_M.gguf", "tiny-a-Q8_0.gguf",
                           "tiny-py-F16.gguf", "tiny-py-IQ4_XS.gguf", "tiny-py-Q5_K_M.gguf"};
    int file_index = 0;
    for (const char* name : files) {
        const std::string rel = std::string("golden/models/") + name;
        SMOLLM_REQUIRE_SHARED(rel);
        const std::vector<uint8_t> bytes = test::read_file_bytes(test::shared_path(rel));
        SectionWalker walker(bytes.data(), bytes.size());
        std::vector<uint64_t> boundaries = walker.boundaries();
        // Two files get every boundary; the others (same tokenizer header) a sample of them,
        // which keeps the suite fast under wasm and ASan.
        if (file_index >= 2) {
            std::vector<uint64_t> sample;
            for (size_t i = 0; i < boundaries.size(); i += 7) sample.push_back(boundaries[i]);
            boundaries = sample;
        }
        const std::vector<uint64_t> cuts = cut_points(boundaries, walker.data_end(), 24, 10 + file_index);
        for (uint64_t cut : cuts) {
            INFO(name << " cut at byte " << cut << " of " << bytes.size());
            const std::optional<std::string> err = load_error(bytes.data(), cut);
            REQUIRE(err.has_value());
            CHECK(!err->empty());
        }
        ++file_index;
        load_good_model_again();
    }
}

// A model split into -00001-of-00002 / -00002-of-00002 parts loads as one: the tensors of
// all parts are merged, and the logits equal the single file's.
#include <cstring>
#include <vector>

#include <catch.hpp>

#include "gguf_writer/gguf_builder.h"
#include "model_fixtures.h"
#include "test_support.h"

using namespace smollm;

namespace {

GgufValue u16_value(uint16_t v) {
    GgufValue x;
    x.type = GgufValueType::UINT16;
    x.u64 = v;
    return x;
}

// Part `no` of `count`: part 0 carries all metadata, every part the split keys and its share
// of the tensors (round robin).
std::vector<uint8_t> split_part(const std::vector<uint8_t>& bytes, uint16_t no, uint16_t count) {
    GgufParseResult r = gguf_parse(bytes.data(), bytes.size(), bytes.size());
    REQUIRE(r.status == GgufParseResult::Status::Complete);
    const GgufFile& f = *r.file;
    tools::GgufBuilder b;
    if (no == 0) {
        for (const GgufKeyValue& kv : f.metadata) {
            if (kv.key != "general.alignment") b.add_value(kv.key, kv.value);
        }
    }
    b.add_value("split.no", u16_value(no));
    b.add_value("split.count", u16_value(count));
    for (size_t i = 0; i < f.tensors.size(); ++i) {
        if (i % count != no) continue;
        const GgufTensorInfo& t = f.tensors[i];
        const uint8_t* src = bytes.data() + f.data_offset + t.offset;
        b.add_tensor(t.name, t.type, std::vector<uint64_t>(t.ne, t.ne + t.n_dims), std::vector<uint8_t>(src, src + t.n_bytes));
    }
    return b.to_bytes();
}

Engine::FileBuffer owned_copy(const std::vector<uint8_t>& bytes) {
    Engine::FileBuffer b;
    b.bytes = static_cast<uint8_t*>(std::malloc(bytes.size()));
    b.size = bytes.size();
    std::memcpy(b.bytes, bytes.data(), bytes.size());
    return b;
}

}  // namespace

TEST_CASE("a split model loads from all its parts and matches the single file", "[model][split]") {
    const auto whole = test::read_file_bytes(test::small_model_path("split-f16", test::small_spec()));
    EngineOptions o;
    o.context_size = 64;
    auto single = test::load_engine(whole, o);
    auto split = Engine::load({owned_copy(split_part(whole, 0, 2)), owned_copy(split_part(whole, 1, 2))}, o);
    const std::vector<int32_t> tokens = {5, 99, 300, 17, 42};
    single->eval(tokens.data(), 5, 0, false);
    split->eval(tokens.data(), 5, 0, false);
    CHECK(std::memcmp(single->logits(0), split->logits(0), sizeof(float) * single->n_vocab()) == 0);

    // Only the first part: the error says how many are needed.
    Engine::FileBuffer first = owned_copy(split_part(whole, 0, 2));
    REQUIRE_THROWS_WITH(Engine::load({first}, o), Catch::Matchers::Contains("split into 2 files"));
    std::free(first.bytes);
}

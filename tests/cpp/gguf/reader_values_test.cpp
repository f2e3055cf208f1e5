// Every metadata value type decodes, and the typed accessors accept exactly the compatible types.
#include <catch.hpp>

#include <cmath>
#include <limits>

#include "gguf/gguf_reader.h"
#include "gguf_compare.h"
#include "raw_gguf.h"

using namespace smollm;

namespace {

std::unique_ptr<GgufFile> all_types_file(uint32_t version) {
    test::RawGguf g;
    g.header(version, 0, 17);
    g.str("u8"), g.u32(0), g.u8(200);
    g.str("i8"), g.u32(1), g.u8(0x80);
    g.str("u16"), g.u32(2), g.raw("\xff\xff", 2);
    g.str("i16"), g.u32(3), g.raw("\x00\x80", 2);
    g.str("u32"), g.u32(4), g.u32(4000000000u);
    g.str("i32"), g.u32(5), g.i32(-7);
    g.str("f32"), g.u32(6), g.f32(0.5f);
    g.str("bool"), g.u32(7), g.u8(1);
    g.str("string"), g.u32(8), g.str("h\xc3\xa9llo");
    g.str("u64"), g.u32(10), g.u64(UINT64_MAX);
    g.str("i64"), g.u32(11), g.u64(static_cast<uint64_t>(INT64_MIN));
    g.str("f64"), g.u32(12), g.f64(1e-300);
    g.str("arr.str"), g.u32(9), g.u32(8), g.u64(3), g.str("x"), g.str(""), g.str("\xe2\x82\xac");
    g.str("arr.i16"), g.u32(9), g.u32(3), g.u64(2), g.raw("\xfe\xff\x05\x00", 4);
    g.str("arr.f32"), g.u32(9), g.u32(6), g.u64(2), g.f32(1.5f), g.f32(-2.0f);
    g.str("arr.bool"), g.u32(9), g.u32(7), g.u64(3), g.u8(1), g.u8(0), g.u8(1);
    // [[1, 2], [[]]]-like nesting: an array of two arrays, the second itself holding an array.
    g.str("arr.nested"), g.u32(9), g.u32(9), g.u64(2);
    g.u32(4), g.u64(2), g.u32(1), g.u32(2);
    g.u32(9), g.u64(1), g.u32(8), g.u64(1), g.str("deep");
    return test::parse_complete(g.bytes);
}

}  // namespace

TEST_CASE("every metadata value type decodes in v2 and v3", "[gguf][values]") {
    for (uint32_t version : {2u, 3u}) {
        auto f = all_types_file(version);
        CHECK(f->version == version);
        CHECK(f->tensors.empty());
        uint64_t u = 0;
        int64_t i = 0;
        double d = 0;
        bool b = false;
        std::string s;
        CHECK((f->get_u64("u8", &u) && u == 200));
        CHECK((f->get_i64("i8", &i) && i == -128));
        CHECK_FALSE(f->get_u64("i8", &u));  // negative
        CHECK((f->get_u64("u16", &u) && u == 65535));
        CHECK((f->get_i64("i16", &i) && i == -32768));
        CHECK((f->get_u64("u32", &u) && u == 4000000000u));
        CHECK((f->get_i64("i32", &i) && i == -7));
        CHECK((f->get_f64("f32", &d) && d == 0.5));
        CHECK((f->get_bool("bool", &b) && b));
        CHECK_FALSE(f->get_u64("bool", &u));
        CHECK((f->get_string("string", &s) && s == "h\xc3\xa9llo"));
        CHECK((f->get_u64("u64", &u) && u == UINT64_MAX));
        CHECK_FALSE(f->get_i64("u64", &i));  // does not fit
        CHECK((f->get_i64("i64", &i) && i == INT64_MIN));
        CHECK((f->get_f64("f64", &d) && d == 1e-300));
        CHECK((f->get_f64("i32", &d) && d == -7.0));
        CHECK_FALSE(f->get_string("u8", &s));
        CHECK_FALSE(f->get_f64("string", &d));
        CHECK_FALSE(f->get_u64("missing", &u));

        const auto* strs = f->get_string_array("arr.str");
        REQUIRE(strs);
        CHECK(*strs == std::vector<std::string>{"x", "", "\xe2\x82\xac"});
        const auto* ints = f->get_int_array("arr.i16");
        REQUIRE(ints);
        CHECK(*ints == std::vector<int64_t>{-2, 5});
        const auto* floats = f->get_float_array("arr.f32");
        REQUIRE(floats);
        CHECK(*floats == std::vector<double>{1.5, -2.0});
        const auto* bools = f->get_int_array("arr.bool");
        REQUIRE(bools);
        CHECK(*bools == std::vector<int64_t>{1, 0, 1});
        CHECK_FALSE(f->get_string_array("arr.i16"));
        CHECK_FALSE(f->get_float_array("arr.str"));

        const GgufValue* nested = f->find("arr.nested");
        REQUIRE(nested);
        REQUIRE(nested->elem_type == GgufValueType::ARRAY);
        REQUIRE(nested->array_len() == 2);
        CHECK(nested->arrays[0].elem_type == GgufValueType::UINT32);
        CHECK(nested->arrays[0].ints == std::vector<int64_t>{1, 2});
        REQUIRE(nested->arrays[1].array_len() == 1);
        CHECK(nested->arrays[1].arrays[0].strings == std::vector<std::string>{"deep"});
        CHECK(f->metadata.size() == 17);
        CHECK(f->metadata[0].key == "u8");
        CHECK(f->metadata[16].key == "arr.nested");
    }
}

TEST_CASE("architecture-prefixed accessors read the named architecture's keys", "[gguf][values]") {
    test::RawGguf g;
    g.header(3, 0, 3);
    g.kv_string("general.architecture", "llama");
    g.kv_u32("llama.context_length", 8192);
    g.str("llama.rope.freq_base"), g.u32(6), g.f32(130000.0f);
    auto f = test::parse_complete(g.bytes);
    CHECK(f->architecture() == "llama");
    uint64_t ctx = 0;
    double theta = 0;
    CHECK((f->arch_u64("context_length", &ctx) && ctx == 8192));
    CHECK((f->arch_f64("rope.freq_base", &theta) && theta == 130000.0));
    CHECK_FALSE(f->arch_u64("block_count", &ctx));

    test::RawGguf none;
    none.header(3, 0, 1);
    none.kv_u32("llama.context_length", 8192);
    auto g2 = test::parse_complete(none.bytes);
    CHECK(g2->architecture().empty());
    CHECK_FALSE(g2->arch_u64("context_length", &ctx));
}

TEST_CASE("tensor infos give shapes, byte sizes and the aligned data section", "[gguf][values]") {
    test::RawGguf g;
    g.header(3, 3, 0);
    g.tensor_info("w.q4k", {512, 3}, 12, 0);            // 2 blocks * 3 rows * 144 bytes = 864
    g.tensor_info("w.f16", {7, 5, 3, 2}, 1, 896);       // 210 * 2 = 420
    g.tensor_info("w.iq4nl", {64}, 20, 1344);           // 2 * 18 = 36
    const size_t header_end = g.size();
    g.pad_to(32);
    g.zeros(1344 + 36);
    auto f = test::parse_complete(g.bytes);
    CHECK(f->alignment == 32);
    CHECK(f->data_offset == (header_end + 31) / 32 * 32);
    CHECK(f->data_size == 1380);
    const GgufTensorInfo* q = f->find_tensor("w.q4k");
    REQUIRE(q);
    CHECK(q->n_dims == 2);
    CHECK(q->n_elements == 1536);
    CHECK(q->n_bytes == 864);
    CHECK(q->rows() == 3);
    CHECK(q->ne[2] == 1);
    const GgufTensorInfo* h = f->find_tensor("w.f16");
    REQUIRE(h);
    CHECK(h->n_dims == 4);
    CHECK(h->ne[3] == 2);
    CHECK(h->n_bytes == 420);
    CHECK(h->rows() == 30);
    CHECK(f->find_tensor("w.iq4nl")->n_bytes == 36);
    CHECK_FALSE(f->find_tensor("w"));
}

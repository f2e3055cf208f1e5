// GgufBuilder output round-trips through the reader: every value type, nested arrays,
// tensors (eager and lazily produced), custom alignment, v2 and v3.
#include <catch.hpp>

#include "gguf/gguf_reader.h"
#include "gguf_compare.h"
#include "gguf_writer/gguf_builder.h"

using namespace smollm;
using smollm::tools::GgufBuilder;

namespace {

GgufValue int_array(GgufValueType elem, std::vector<int64_t> v) {
    GgufValue a;
    a.type = GgufValueType::ARRAY;
    a.elem_type = elem;
    a.ints = std::move(v);
    return a;
}

std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + i * 7);
    return v;
}

}  // namespace

TEST_CASE("builder metadata of every type round-trips through the reader", "[gguf][writer]") {
    for (uint32_t version : {2u, 3u}) {
        GgufBuilder b(version);
        b.add_u8("u8", 250);
        b.add_i8("i8", -5);
        b.add_u16("u16", 60000);
        b.add_i16("i16", -30000);
        b.add_u32("u32", 4000000000u);
        b.add_i32("i32", -2000000000);
        b.add_u64("u64", UINT64_MAX - 1);
        b.add_i64("i64", INT64_MIN + 1);
        b.add_f32("f32", 1.25f);
        b.add_f64("f64", -3.5e100);
        b.add_bool("bool", true);
        b.add_string("str", "h\xc3\xa9llo\n");
        b.add_string_array("strs", {"a", "", "\xf0\x9f\x98\x80"});
        b.add_i32_array("i32s", {-1, 0, 7});
        b.add_f32_array("f32s", {0.5f, -1.0f});
        b.add_value("u16s", int_array(GgufValueType::UINT16, {1, 65535}));
        b.add_value("i64s", int_array(GgufValueType::INT64, {INT64_MIN, INT64_MAX}));
        b.add_value("bools", int_array(GgufValueType::BOOL, {1, 0}));
        GgufValue nested;
        nested.type = GgufValueType::ARRAY;
        nested.elem_type = GgufValueType::ARRAY;
        nested.arrays.push_back(int_array(GgufValueType::INT8, {-1, 2}));
        GgufValue strings;
        strings.type = GgufValueType::ARRAY;
        strings.elem_type = GgufValueType::STRING;
        strings.strings = {"x"};
        nested.arrays.push_back(strings);
        b.add_value("nested", nested);
        GgufValue f64s;
        f64s.type = GgufValueType::ARRAY;
        f64s.elem_type = GgufValueType::FLOAT64;
        f64s.floats = {1e-300, 2.0};
        b.add_value("f64s", f64s);

        auto f = test::parse_complete(b.to_bytes());
        CHECK(f->version == version);
        REQUIRE(f->metadata.size() == b.metadata_count());
        uint64_t u = 0;
        int64_t i = 0;
        double d = 0;
        std::string s;
        CHECK((f->get_u64("u8", &u) && u == 250));
        CHECK((f->get_i64("i8", &i) && i == -5));
        CHECK((f->get_u64("u16", &u) && u == 60000));
        CHECK((f->get_i64("i16", &i) && i == -30000));
        CHECK((f->get_u64("u32", &u) && u == 4000000000u));
        CHECK((f->get_i64("i32", &i) && i == -2000000000));
        CHECK((f->get_u64("u64", &u) && u == UINT64_MAX - 1));
        CHECK((f->get_i64("i64", &i) && i == INT64_MIN + 1));
        CHECK((f->get_f64("f32", &d) && d == 1.25));
        CHECK((f->get_f64("f64", &d) && d == -3.5e100));
        bool flag = false;
        CHECK((f->get_bool("bool", &flag) && flag));
        CHECK((f->get_string("str", &s) && s == "h\xc3\xa9llo\n"));
        CHECK(*f->get_string_array("strs") == std::vector<std::string>{"a", "", "\xf0\x9f\x98\x80"});
        CHECK(*f->get_int_array("i32s") == std::vector<int64_t>{-1, 0, 7});
        CHECK(*f->get_float_array("f32s") == std::vector<double>{0.5, -1.0});
        CHECK(*f->get_int_array("u16s") == std::vector<int64_t>{1, 65535});
        CHECK(*f->get_int_array("i64s") == std::vector<int64_t>{INT64_MIN, INT64_MAX});
        CHECK(*f->get_int_array("bools") == std::vector<int64_t>{1, 0});
        CHECK(*f->get_float_array("f64s") == std::vector<double>{1e-300, 2.0});
        CHECK(test::first_difference(*f->find("nested"), nested) == "");
    }
}

TEST_CASE("builder tensors land aligned with their exact bytes", "[gguf][writer]") {
    for (uint32_t alignment : {32u, 64u, 4096u}) {
        GgufBuilder b;
        if (alignment != 32) b.set_alignment(alignment);
        b.add_string("general.architecture", "llama");
        const auto a = pattern(4 * 10, 1);           // F32 [10]
        const auto q = pattern(144 * 3, 2);          // Q4_K [256, 3]
        b.add_tensor("a", GgmlType::F32, {10}, a);
        b.add_tensor("q", GgmlType::Q4_K, {256, 3}, q);
        int produced = 0;
        b.add_tensor("lazy", GgmlType::Q8_0, {64, 2, 3}, [&produced](uint8_t* dst, uint64_t n) {
            ++produced;
            const auto p = pattern(n, 3);
            std::copy(p.begin(), p.end(), dst);
        });
        const auto bytes = b.to_bytes();
        CHECK(produced == 1);
        auto f = test::parse_complete(bytes);
        CHECK(f->alignment == alignment);
        CHECK(f->data_offset % alignment == 0);
        CHECK(bytes.size() % alignment == 0);
        const std::pair<const char*, std::vector<uint8_t>> expect[] = {
            {"a", a}, {"q", q}, {"lazy", pattern(34 * 2 * 2 * 3, 3)}};
        for (const auto& [name, data] : expect) {
            INFO(name);
            const GgufTensorInfo* t = f->find_tensor(name);
            REQUIRE(t);
            CHECK(t->offset % alignment == 0);
            REQUIRE(t->n_bytes == data.size());
            CHECK(std::equal(data.begin(), data.end(), bytes.begin() + f->data_offset + t->offset));
        }
        CHECK(f->find_tensor("lazy")->n_dims == 3);
        CHECK(f->find_tensor("lazy")->ne[2] == 3);
    }
}

TEST_CASE("builder refuses what the reader would refuse", "[gguf][writer]") {
    GgufBuilder b;
    b.add_u32("k", 1);
    CHECK_THROWS_WITH(b.add_u32("k", 2), Catch::Contains("duplicate GGUF metadata key 'k'"));
    CHECK_THROWS_WITH(b.add_u32("", 2), Catch::Contains("empty"));
    CHECK_THROWS_WITH(b.add_u32("bad\xff", 2), Catch::Contains("UTF-8"));
    CHECK_THROWS_WITH(b.set_alignment(48), Catch::Contains("power of two"));
    CHECK_THROWS_WITH(b.add_tensor("t", GgmlType::Q4_K, {100}, std::vector<uint8_t>(100)),
                      Catch::Contains("row length 100 is not a multiple of Q4_K's block size 256"));
    CHECK_THROWS_WITH(b.add_tensor("t", GgmlType::F32, {4}, std::vector<uint8_t>(15)),
                      Catch::Contains("15 bytes given, 16 expected"));
    CHECK_THROWS_WITH(b.add_tensor("t", GgmlType::F32, {1, 1, 1, 1, 1}, std::vector<uint8_t>(4)),
                      Catch::Contains("1 to 4 dimensions"));
    CHECK_THROWS_WITH(b.add_tensor("t", GgmlType::F32, {4, 0}, std::vector<uint8_t>()), Catch::Contains("zero"));
    b.add_tensor("t", GgmlType::F32, {4}, std::vector<uint8_t>(16));
    CHECK_THROWS_WITH(b.add_tensor("t", GgmlType::F32, {4}, std::vector<uint8_t>(16)),
                      Catch::Contains("duplicate GGUF tensor 't'"));
    CHECK_THROWS_AS(GgufBuilder(1), std::invalid_argument);
}

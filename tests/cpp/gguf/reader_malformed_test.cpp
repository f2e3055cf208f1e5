// A corpus of broken files, each built here, each rejected with its own message that names
// the field and the byte offset. Also: truncation everywhere and random corruption never
// crash, hang or pass silently.
#include <catch.hpp>

#include <random>

#include "gguf/gguf_reader.h"
#include "gguf_compare.h"
#include "raw_gguf.h"
#include "test_support.h"

using namespace smollm;
using smollm::test::RawGguf;
using Status = GgufParseResult::Status;

namespace {

// Header of a file with one F32 tensor of 8 elements, up to (not including) the tensor infos.
RawGguf one_tensor_header(uint64_t n_tensors = 1) {
    RawGguf g;
    g.header(3, n_tensors, 1);
    g.kv_string("general.architecture", "llama");
    return g;
}

void finish_with_data(RawGguf& g, size_t data_bytes) {
    g.pad_to(32);
    g.zeros(data_bytes);
}

std::string error_of(const RawGguf& g) { return test::parse_error(g.bytes); }

#define CHECK_ERROR(g, expected)                                  \
    do {                                                          \
        const std::string err_ = error_of(g);                     \
        INFO("error: " << err_);                                  \
        CHECK(err_.find(expected) != std::string::npos);          \
    } while (0)

}  // namespace

TEST_CASE("bad magic and unsupported versions", "[gguf][malformed]") {
    RawGguf g;
    g.raw("GGML", 4);
    g.u32(3);
    g.u64(0);
    g.u64(0);
    CHECK(error_of(g) == "magic at byte 0: expected \"GGUF\", found \"GGML\" (not a GGUF file)");
    // A wrong first byte is reported before the rest of the magic has arrived.
    GgufParseResult early = gguf_parse(reinterpret_cast<const uint8_t*>("\x89PNG"), 2, 0);
    CHECK(early.status == Status::Error);
    CHECK(early.error.find("magic at byte 0") == 0);

    for (uint32_t v : {1u, 4u, 0u, 0x03000000u}) {
        RawGguf h;
        h.header(v, 0, 0);
        const std::string err = error_of(h);
        INFO(err);
        CHECK(err.find("version at byte 4: ") == 0);
        if (v == 1) CHECK(err.find("GGUF version 1 is not supported") != std::string::npos);
        if (v == 4 || v == 0) CHECK(err.find("unsupported GGUF version " + std::to_string(v)) != std::string::npos);
        if (v == 0x03000000u) CHECK(err.find("big-endian") != std::string::npos);
    }
}

TEST_CASE("huge counts are rejected against the file size before anything is allocated", "[gguf][malformed]") {
    RawGguf tensors;
    tensors.header(3, 1ull << 40, 0);
    CHECK_ERROR(tensors, "tensor count at byte 8: count 1099511627776 needs at least");
    RawGguf kvs;
    kvs.header(3, 0, 1ull << 33);
    CHECK_ERROR(kvs, "metadata count at byte 16: count 8589934592 needs at least");
    RawGguf overflow;
    overflow.header(3, 0, UINT64_MAX);
    CHECK_ERROR(overflow, "metadata count at byte 16: count 18446744073709551615 is impossibly large");
    // With the size unknown a forged count can only ask for the next item, never fail or allocate.
    GgufParseResult r = gguf_parse(kvs.bytes.data(), kvs.size(), 0);
    CHECK(r.status == Status::NeedMore);
    CHECK(r.bytes_needed < (1u << 20));

    RawGguf arr = one_tensor_header(0);
    arr.patch_u64(16, 2);
    arr.str("tokenizer.ggml.tokens");
    arr.u32(9);
    arr.u32(8);
    const size_t len_at = arr.size();
    arr.u64(1ull << 35);
    arr.str("a");
    CHECK_ERROR(arr, "metadata 'tokenizer.ggml.tokens' array length at byte " + std::to_string(len_at) +
                         ": count 34359738368 needs at least 274877906944 bytes");

    RawGguf str = one_tensor_header(0);
    str.patch_u64(16, 2);
    const size_t key_at = str.size();
    str.u64(1ull << 40);
    str.raw("key", 3);
    CHECK_ERROR(str, "metadata key #1 length at byte " + std::to_string(key_at) + ": string of 1099511627776 bytes exceeds");
    RawGguf str2 = one_tensor_header(0);
    str2.patch_u64(16, 2);
    str2.u64(1000);
    str2.raw("key", 3);
    CHECK_ERROR(str2, "metadata key #1 at byte " + std::to_string(key_at + 8) + ": needs 1000 bytes but the file ends");
}

TEST_CASE("bad metadata: value types, nesting, keys, alignment", "[gguf][malformed]") {
    RawGguf type = one_tensor_header(0);
    type.patch_u64(16, 2);
    type.str("x");
    const size_t type_at = type.size();
    type.u32(13);
    type.u32(0);
    CHECK(error_of(type) == "metadata 'x' type at byte " + std::to_string(type_at) + ": unknown value type 13");

    RawGguf deep = one_tensor_header(0);
    deep.patch_u64(16, 2);
    deep.str("deep");
    deep.u32(9);
    for (int i = 0; i < 20; ++i) deep.u32(9), deep.u64(1);
    deep.zeros(64);
    CHECK_ERROR(deep, "arrays nested deeper than 8 levels");

    RawGguf utf8 = one_tensor_header(0);
    utf8.patch_u64(16, 2);
    const size_t bad_key_at = utf8.size();
    utf8.str("tok\xc3(en");
    utf8.u32(4);
    utf8.u32(1);
    CHECK(error_of(utf8) == "metadata key #1 at byte " + std::to_string(bad_key_at) + ": key is not valid UTF-8");
    for (const char* bad : {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "a\x80", "\xe2\x82"}) {
        RawGguf u;
        u.header(3, 0, 1);
        u.str(bad);
        u.u32(0);
        u.u8(0);
        CHECK_ERROR(u, "key is not valid UTF-8");
    }

    RawGguf empty = one_tensor_header(0);
    empty.patch_u64(16, 2);
    const size_t empty_at = empty.size();
    empty.str("");
    empty.u32(0);
    empty.u8(0);
    CHECK(error_of(empty) == "metadata key #1 at byte " + std::to_string(empty_at) + ": empty key");

    RawGguf dup = one_tensor_header(0);
    dup.patch_u64(16, 2);
    const size_t dup_at = dup.size();
    dup.kv_string("general.architecture", "gpt2");
    CHECK(error_of(dup) == "metadata key 'general.architecture' at byte " + std::to_string(dup_at) + ": duplicate key");

    const std::pair<uint32_t, const char*> bad_alignments[] = {
        {0, "alignment 0 is not a nonzero power of two up to 2^30"},
        {48, "alignment 48 is not a nonzero power of two up to 2^30"},
        {1u << 31, "alignment 2147483648 is not a nonzero power of two up to 2^30"}};
    for (const auto& [a, why] : bad_alignments) {
        RawGguf al = one_tensor_header(0);
        al.patch_u64(16, 2);
        al.str("general.alignment");
        const size_t at = al.size();
        al.u32(4);
        al.u32(a);
        CHECK(error_of(al) == "metadata 'general.alignment' at byte " + std::to_string(at) + ": " + why);
    }
    RawGguf al_type = one_tensor_header(0);
    al_type.patch_u64(16, 2);
    al_type.str("general.alignment");
    const size_t al_type_at = al_type.size();
    al_type.u32(8);
    al_type.str("32");
    CHECK(error_of(al_type) == "metadata 'general.alignment' at byte " + std::to_string(al_type_at) +
                                   ": expected an unsigned integer, got string");
}

TEST_CASE("bad tensor infos: dims, types, shapes, names", "[gguf][malformed]") {
    auto with_tensor = [](const std::string& name, std::vector<uint64_t> ne, uint32_t type, uint64_t offset,
                          size_t* info_at = nullptr) {
        RawGguf g = one_tensor_header();
        if (info_at) *info_at = g.size();
        g.tensor_info(name, ne, type, offset);
        finish_with_data(g, 4096);
        return g;
    };
    size_t at = 0;
    const size_t name_len = 8 + std::string("blk.0.attn_q.weight").size();

    RawGguf dims0 = with_tensor("blk.0.attn_q.weight", {}, 0, 0, &at);
    CHECK(error_of(dims0) == "tensor 'blk.0.attn_q.weight' n_dims at byte " + std::to_string(at + name_len) +
                                 ": dimension count 0 is outside 1..4");
    RawGguf dims5 = with_tensor("blk.0.attn_q.weight", {1, 1, 1, 1, 1}, 0, 0);
    CHECK_ERROR(dims5, "dimension count 5 is outside 1..4");

    RawGguf zero = with_tensor("t", {4, 0}, 0, 0, &at);
    CHECK(error_of(zero) == "tensor 't' ne[1] at byte " + std::to_string(at + 9 + 4 + 8) + ": dimension is zero");

    RawGguf overflow = with_tensor("t", {1ull << 32, 1ull << 32}, 0, 0);
    CHECK_ERROR(overflow, "tensor 't' ne[1] at byte");
    CHECK_ERROR(overflow, "element count overflows");
    // Fits int64 elements, but not 64-bit bytes once multiplied by 4 bytes per F32.
    RawGguf bytes_overflow = with_tensor("t", {1ull << 31, 1ull << 31}, 0, 0);
    CHECK_ERROR(bytes_overflow, "tensor 't' shape at byte");
    CHECK_ERROR(bytes_overflow, "byte size overflows 64 bits");

    RawGguf unknown = with_tensor("blk.0.attn_q.weight", {256, 4}, 99, 0, &at);
    const size_t type_at = at + name_len + 4 + 16;
    CHECK(error_of(unknown) == "tensor 'blk.0.attn_q.weight' type at byte " + std::to_string(type_at) +
                                   ": unknown ggml type 99");
    RawGguf retired = with_tensor("t", {32}, 4, 0);  // Q4_2, removed from ggml
    CHECK_ERROR(retired, "unknown ggml type 4");

    RawGguf row = with_tensor("blk.0.ffn_down.weight", {100, 2}, 12, 0);
    CHECK_ERROR(row, "tensor 'blk.0.ffn_down.weight' shape at byte");
    CHECK_ERROR(row, "row length 100 is not a multiple of Q4_K's block size 256");

    RawGguf bad_name = with_tensor("w\xff", {4}, 0, 0, &at);
    CHECK(error_of(bad_name) == "tensor #0 name at byte " + std::to_string(at) + ": tensor name is not valid UTF-8");
    RawGguf empty_name = with_tensor("", {4}, 0, 0);
    CHECK_ERROR(empty_name, "empty tensor name");

    RawGguf dup = one_tensor_header(2);
    dup.tensor_info("a", {8}, 0, 0);
    const size_t dup_at = dup.size();
    dup.tensor_info("a", {8}, 0, 32);
    finish_with_data(dup, 64);
    CHECK(error_of(dup) == "tensor 'a' name at byte " + std::to_string(dup_at) + ": duplicate tensor name");
}

TEST_CASE("bad data offsets: misaligned, overlapping, out of range", "[gguf][malformed]") {
    RawGguf mis = one_tensor_header();
    const size_t mis_at = mis.tensor_info("t", {8}, 0, 16);
    finish_with_data(mis, 64);
    CHECK(error_of(mis) == "tensor 't' offset at byte " + std::to_string(mis_at) +
                               ": data offset 16 is not a multiple of the alignment 32");

    RawGguf overlap = one_tensor_header(2);
    overlap.tensor_info("a", {16}, 0, 0);       // [0, 64)
    const size_t b_at = overlap.tensor_info("b", {8}, 0, 32);  // [32, 64)
    finish_with_data(overlap, 64);
    CHECK(error_of(overlap) == "tensor 'b' offset at byte " + std::to_string(b_at) +
                                   ": data [32, 64) overlaps tensor 'a' which ends at 64");

    RawGguf outside = one_tensor_header();
    const size_t out_at = outside.tensor_info("t", {64}, 0, 0);  // 256 bytes, only 128 present
    finish_with_data(outside, 128);
    CHECK_ERROR(outside, "tensor 't' offset at byte " + std::to_string(out_at) +
                             ": data [0, 256) lies outside the data section of 128 bytes");

    RawGguf wrap = one_tensor_header();
    wrap.tensor_info("t", {64}, 0, UINT64_MAX - 31);
    finish_with_data(wrap, 64);
    CHECK_ERROR(wrap, "tensor 't' offset at byte");
    CHECK_ERROR(wrap, "data end overflows 64 bits");

    // Unknown file size: offsets are only checked for alignment and overlap.
    GgufParseResult r = gguf_parse(outside.bytes.data(), outside.size(), 0);
    CHECK(r.status == Status::Complete);
}

TEST_CASE("truncation at every section boundary and at every byte of a header", "[gguf][malformed]") {
    RawGguf g;
    g.header(3, 2, 2);
    std::vector<size_t> boundaries = {0, 4, 8, 16, 24};
    g.kv_string("general.architecture", "llama");
    boundaries.push_back(g.size());
    g.str("tokenizer.ggml.tokens");
    g.u32(9), g.u32(8), g.u64(2), g.str("ab"), g.str("c");
    boundaries.push_back(g.size());
    g.tensor_info("a", {8}, 0, 0);
    boundaries.push_back(g.size());
    g.tensor_info("b", {32}, 8, 32);
    const size_t header_end = g.size();
    boundaries.push_back(header_end);
    g.pad_to(32);
    boundaries.push_back(g.size());  // data section start
    g.zeros(32 + 34);
    const size_t full = g.size();
    REQUIRE(test::parse_error(g.bytes).empty());

    // A zero file size means "unknown", so the empty prefix is the one cut that asks for more.
    CHECK(gguf_parse(g.bytes.data(), 0, 0).status == Status::NeedMore);
    boundaries.erase(boundaries.begin());
    for (size_t cut : boundaries) {
        std::vector<uint8_t> t(g.bytes.begin(), g.bytes.begin() + cut);
        const std::string err = test::parse_error(t);
        INFO("cut at " << cut << ": " << err);
        if (cut < header_end) {
            CHECK(err.find("(truncated") != std::string::npos);
            CHECK(err.find(" at byte ") != std::string::npos);
        } else {
            CHECK(err.find("lies outside the data section") != std::string::npos);
        }
    }
    for (size_t cut = 1; cut < full; ++cut) {
        std::vector<uint8_t> t(g.bytes.begin(), g.bytes.begin() + cut);
        INFO("cut at " << cut);
        CHECK_FALSE(test::parse_error(t).empty());
    }
}

TEST_CASE("a real file truncated at random points is refused with a specific error", "[gguf][malformed]") {
    SMOLLM_REQUIRE_SHARED("golden/models/tiny-a-Q5_K_M.gguf");
    const auto bytes = test::read_file_bytes(test::shared_path("golden/models/tiny-a-Q5_K_M.gguf"));
    auto whole = test::parse_complete(bytes);
    std::mt19937_64 rng(99);
    std::uniform_int_distribution<uint64_t> cut(0, bytes.size() - 1);
    for (int i = 0; i < 40; ++i) {
        const uint64_t n = 1 + (i < 20 ? cut(rng) % whole->data_offset : cut(rng));
        GgufParseResult r = gguf_parse(bytes.data(), n, n);
        INFO("cut at " << n << ": " << r.error);
        REQUIRE(r.status == Status::Error);
        CHECK(r.error.find(" at byte ") != std::string::npos);
        CHECK((r.error.find("(truncated") != std::string::npos ||
               r.error.find("lies outside the data section") != std::string::npos));
    }
}

TEST_CASE("random corruption of a valid file never crashes and always ends in a clear verdict", "[gguf][malformed]") {
    RawGguf g;
    g.header(3, 2, 3);
    g.kv_string("general.architecture", "llama");
    g.kv_u32("general.alignment", 32);
    g.str("a"), g.u32(9), g.u32(9), g.u64(2), g.u32(8), g.u64(1), g.str("x"), g.u32(6), g.u64(1), g.f32(1.0f);
    g.tensor_info("a", {8, 2}, 0, 0);
    g.tensor_info("b", {32}, 2, 64);
    g.pad_to(32);
    g.zeros(64 + 18);
    REQUIRE(test::parse_error(g.bytes).empty());
    std::mt19937_64 rng(7);
    int errors = 0;
    for (int i = 0; i < 3000; ++i) {
        std::vector<uint8_t> m = g.bytes;
        const int flips = 1 + static_cast<int>(rng() % 3);
        for (int k = 0; k < flips; ++k) m[rng() % m.size()] = static_cast<uint8_t>(rng());
        for (uint64_t size_hint : {uint64_t(m.size()), uint64_t(0)}) {
            GgufParseResult r = gguf_parse(m.data(), m.size(), size_hint);
            if (r.status == Status::Error) {
                ++errors;
                INFO(r.error);
                CHECK(r.error.find(" at byte ") != std::string::npos);
            } else if (r.status == Status::NeedMore) {
                CHECK(r.bytes_needed > m.size());
            }
        }
    }
    CHECK(errors > 1000);
}

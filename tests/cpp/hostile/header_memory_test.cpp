// The parsed header's memory is capped (issue 15, item 8): arrays expand when parsed (int8 x8
// as int64, nested arrays a whole value each), so a header of a few hundred MB took 1.6 GB
// before failing. The files are generated here, never committed.
#include <catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "alloc_tracker.h"
#include "engine_loading.h"
#include "gguf_bytes.h"
#include "tiny_llama.h"

using namespace smollm;
using namespace smollm::hostile;

namespace {

constexpr uint32_t kArray = 9;
constexpr uint32_t kInt8 = 1;

std::vector<uint8_t> int8_array(uint64_t count) {
    GgufBytes b;
    b.u32(kArray);
    b.u32(kInt8);
    b.u64(count);
    b.out.resize(b.out.size() + count, 0x7f);
    return std::move(b.out);
}

// `count` empty int8 arrays inside one array: 12 bytes each in the file.
std::vector<uint8_t> nested_empty_arrays(uint64_t count) {
    GgufBytes b;
    b.u32(kArray);
    b.u32(kArray);
    b.u64(count);
    for (uint64_t i = 0; i < count; ++i) {
        b.u32(kInt8);
        b.u64(0);
    }
    return std::move(b.out);
}

// Parses `bytes` (as a whole file); the peak of operator-new bytes during the parse.
GgufParseResult parse_tracked(const std::vector<uint8_t>& bytes, uint64_t* peak) {
    reset_allocated_peak();
    const uint64_t before = allocated_now();
    GgufParseResult r = gguf_parse(bytes.data(), bytes.size(), bytes.size());
    *peak = allocated_peak() - before;
    return r;
}

}  // namespace

TEST_CASE("an int8 array that would expand past the cap is refused naming the limit", "[hostile][header-memory]") {
    // 40 MB in the file, 320 MB as int64: refused before the vector is allocated.
    GgufSpec spec = tiny_llama_spec();
    spec.set("hostile.bytes", int8_array(40u << 20));
    const std::vector<uint8_t> bytes = write_gguf(spec);
    uint64_t peak = 0;
    const GgufParseResult r = parse_tracked(bytes, &peak);
    REQUIRE(r.status == GgufParseResult::Status::Error);
    INFO(r.error);
    CHECK(mentions(r.error, "256 MiB"));
    CHECK(mentions(r.error, "hostile.bytes"));
    CHECK(peak < (16u << 20));

    const std::optional<std::string> err = load_error(bytes);
    REQUIRE(err.has_value());
    CHECK(mentions(*err, "256 MiB"));
}

TEST_CASE("nested arrays that would expand past the cap are refused", "[hostile][header-memory]") {
    // 3M empty arrays: 36 MB in the file, a GgufValue (~200 bytes) each when parsed.
    GgufSpec spec = tiny_llama_spec();
    spec.set("hostile.nested", nested_empty_arrays(3u << 20));
    uint64_t peak = 0;
    const GgufParseResult r = parse_tracked(write_gguf(spec), &peak);
    REQUIRE(r.status == GgufParseResult::Status::Error);
    INFO(r.error);
    CHECK(mentions(r.error, "MiB"));
    CHECK(peak < (16u << 20));
}

TEST_CASE("many arrays, each under the cap, are refused together", "[hostile][header-memory]") {
    // Eight keys of 5M int8 (40 MB parsed each): only the total passes the cap.
    GgufSpec spec = tiny_llama_spec();
    for (int i = 0; i < 8; ++i) spec.set("hostile.bytes" + std::to_string(i), int8_array(5u << 20));
    uint64_t peak = 0;
    const GgufParseResult r = parse_tracked(write_gguf(spec), &peak);
    REQUIRE(r.status == GgufParseResult::Status::Error);
    CHECK(mentions(r.error, "MiB"));
    CHECK(peak < (300u << 20));
}

TEST_CASE("a large header under the cap still parses", "[hostile][header-memory]") {
    // 16M int8: 128 MiB parsed, as large as twice a 2^22-token vocabulary's types.
    GgufSpec spec = tiny_llama_spec();
    spec.set("hostile.bytes", int8_array(16u << 20));
    uint64_t peak = 0;
    const GgufParseResult r = parse_tracked(write_gguf(spec), &peak);
    INFO(r.error);
    REQUIRE(r.status == GgufParseResult::Status::Complete);
    CHECK(r.file->find("hostile.bytes")->ints.size() == (16u << 20));
}

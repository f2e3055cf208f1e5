// Parsing from a growing prefix (as a download arrives) reaches the same header as parsing
// the whole file, asks for bytes in big enough steps, and never errors on a mere prefix.
#include <catch.hpp>

#include <chrono>
#include <random>

#include "gguf/gguf_reader.h"
#include "gguf_compare.h"
#include "raw_gguf.h"
#include "test_support.h"

using namespace smollm;
using Status = GgufParseResult::Status;

namespace {

// Feeds exactly the prefix each NeedMore asks for; returns the number of parse calls.
int feed_as_asked(const std::vector<uint8_t>& bytes, uint64_t size_hint, std::unique_ptr<GgufFile>* out) {
    uint64_t available = 0;
    for (int calls = 1;; ++calls) {
        GgufParseResult r = gguf_parse(bytes.data(), available, size_hint);
        if (r.status == Status::Complete) {
            *out = std::move(r.file);
            return calls;
        }
        INFO("prefix " << available << ": " << r.error);
        REQUIRE(r.status == Status::NeedMore);
        REQUIRE(r.bytes_needed > available);
        if (size_hint) REQUIRE(r.bytes_needed <= size_hint);
        available = std::min<uint64_t>(r.bytes_needed, bytes.size());
        REQUIRE(calls < 64);
    }
}

// A small file with every section: metadata of several types, three tensors, data.
std::vector<uint8_t> small_file() {
    test::RawGguf g;
    g.header(3, 3, 4);
    g.kv_string("general.architecture", "llama");
    g.kv_u32("llama.block_count", 1);
    g.str("tokenizer.ggml.tokens");
    g.u32(9);
    g.u32(8);
    g.u64(3);
    g.str("a");
    g.str("bc");
    g.str("");
    g.kv_u32("general.alignment", 64);
    g.tensor_info("a", {32}, 0, 0);
    g.tensor_info("b", {32, 2}, 8, 128);
    g.tensor_info("c", {4}, 1, 256);
    g.pad_to(64);
    g.zeros(256 + 64);
    return g.bytes;
}

}  // namespace

TEST_CASE("every prefix of a small file is NeedMore until the header is complete", "[gguf][incremental]") {
    const auto bytes = small_file();
    auto whole = test::parse_complete(bytes);
    REQUIRE(whole->alignment == 64);
    REQUIRE(whole->tensors.size() == 3);
    // The header ends where the tensor infos end, before the padding.
    uint64_t header_end = 0;
    for (uint64_t n = 0; n <= bytes.size(); ++n) {
        for (uint64_t hint : {uint64_t(0), uint64_t(bytes.size())}) {
            GgufParseResult r = gguf_parse(bytes.data(), n, hint);
            INFO("prefix " << n << " size hint " << hint << ": " << r.error);
            REQUIRE(r.status != Status::Error);
            if (r.status == Status::NeedMore) {
                REQUIRE(r.bytes_needed > n);
                if (hint) REQUIRE(r.bytes_needed <= hint);
            } else {
                if (!header_end) header_end = n;
                REQUIRE(test::first_difference(*r.file, *whole) == "");
            }
        }
    }
    CHECK(header_end > 24);
    CHECK(header_end <= whole->data_offset);
}

TEST_CASE("a real 49152-token header is reached in few steps and equals the whole-file parse", "[gguf][incremental]") {
    SMOLLM_REQUIRE_SHARED("golden/models/tiny-a-Q4_K_M.gguf");
    const auto bytes = test::read_file_bytes(test::shared_path("golden/models/tiny-a-Q4_K_M.gguf"));
    auto whole = test::parse_complete(bytes);
    for (uint64_t hint : {uint64_t(0), uint64_t(bytes.size())}) {
        INFO("size hint " << hint);
        std::unique_ptr<GgufFile> inc;
        const int calls = feed_as_asked(bytes, hint, &inc);
        CHECK(calls <= 12);  // doubling from 64 KiB over a ~2.5 MB header
        CHECK(test::first_difference(*inc, *whole) == "");
    }
}

TEST_CASE("random prefixes of a real file never error and always ask for more than they got", "[gguf][incremental]") {
    SMOLLM_REQUIRE_SHARED("golden/models/tiny-a-IQ4_XS.gguf");
    const auto bytes = test::read_file_bytes(test::shared_path("golden/models/tiny-a-IQ4_XS.gguf"));
    auto whole = test::parse_complete(bytes);
    std::mt19937_64 rng(1234);
    std::uniform_int_distribution<uint64_t> cut(0, whole->data_offset + 4096);
    for (int i = 0; i < 60; ++i) {
        const uint64_t n = cut(rng);
        GgufParseResult r = gguf_parse(bytes.data(), n, bytes.size());
        INFO("prefix " << n << ": " << r.error);
        REQUIRE(r.status != Status::Error);
        if (r.status == Status::NeedMore) CHECK(r.bytes_needed > n);
        else CHECK(test::first_difference(*r.file, *whole) == "");
    }
}

TEST_CASE("parsing the SmolLM2 header is fast", "[gguf][incremental]") {
    SMOLLM_REQUIRE_SHARED("golden/models/tiny-py-F16.gguf");
    const auto bytes = test::read_file_bytes(test::shared_path("golden/models/tiny-py-F16.gguf"));
    // Not a benchmark: a loose bound that catches accidental quadratic behaviour.
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 3; ++i) test::parse_complete(bytes);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / 3;
    WARN("SmolLM2 header parse: " << ms << " ms");
    CHECK(ms < 2000);
}

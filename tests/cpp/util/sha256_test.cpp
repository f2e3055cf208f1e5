// SHA-256 against the FIPS 180-4 example vectors (csrc.nist.gov "SHA256.pdf",
// "SHA2_Additional.pdf") and Python's hashlib for the padding boundaries, plus the property
// the JS loader relies on: any split of a message into update() calls gives the same digest.
#include <catch.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "util/sha256.h"

using smollm::Sha256;
using smollm::sha256_hex;

namespace {

std::string hex_of(const std::string& s) {
    return sha256_hex(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

}  // namespace

TEST_CASE("sha256: FIPS 180-4 example vectors", "[sha256]") {
    CHECK(hex_of("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(hex_of("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK(hex_of("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu") ==
          "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST_CASE("sha256: one million 'a' (FIPS 180-4), fed in uneven pieces", "[sha256]") {
    const std::string million(1000000, 'a');
    const char* expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
    CHECK(hex_of(million) == expected);
    Sha256 h;
    const auto* p = reinterpret_cast<const uint8_t*>(million.data());
    size_t at = 0;
    for (size_t piece = 1; at < million.size(); piece = piece * 3 % 1021 + 1) {
        const size_t n = std::min(piece, million.size() - at);
        h.update(p + at, n);
        at += n;
    }
    CHECK(h.size() == 1000000u);
    CHECK(h.finish_hex() == expected);
}

TEST_CASE("sha256: lengths around the 56- and 64-byte padding boundaries", "[sha256]") {
    const std::vector<std::pair<size_t, const char*>> cases = {
        {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
        {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
        {57, "f13b2d724659eb3bf47f2dd6af1accc87b81f09f59f2b75e5c0bed6589dfe8c6"},
        {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
        {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
        {65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
        {119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
        {120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
        {128, "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e"},
    };
    for (const auto& [n, expected] : cases) {
        INFO(n << " bytes of 'a'");
        CHECK(hex_of(std::string(n, 'a')) == expected);
    }
}

TEST_CASE("sha256: any split into update() calls gives the one-shot digest; finish resets", "[sha256]") {
    std::vector<uint8_t> data(100000);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 131 + 7);
    const char* expected = "5e36f5cea4f178344affaa2b166010422f54e15171b43f374816075d477ee60e";
    REQUIRE(sha256_hex(data.data(), data.size()) == expected);
    std::mt19937 rng(42);
    Sha256 h;
    for (int trial = 0; trial < 20; ++trial) {
        size_t at = 0;
        while (at < data.size()) {
            const size_t n = std::min<size_t>(rng() % 300, data.size() - at);
            h.update(data.data() + at, n);
            at += n;
        }
        REQUIRE(h.finish_hex() == expected);
    }
    h.update(reinterpret_cast<const uint8_t*>("abc"), 3);
    CHECK(h.finish_hex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// decode(encode(s)) == s for well-formed text, on the three reference vocabularies.
#include <catch.hpp>

#include <random>

#include "test_support.h"
#include "text/unicode.h"
#include "tokenizer_fixtures.h"

using namespace smollm;
using namespace smollm::test;

namespace {

// Random well-formed UTF-8 mixing ASCII, Latin, other scripts, CJK, emoji and the rest of the
// code space; code points whose bytes the vocabulary cannot represent are redrawn.
std::string random_text(std::mt19937_64& rng, const std::vector<bool>& byte_ok, uint32_t banned_cp) {
    const size_t n = 1 + rng() % 40;
    std::string s;
    while (s.size() < n * 2) {
        const uint32_t kind = rng() % 10;
        uint32_t cp;
        if (kind < 4) cp = 0x20 + rng() % 0x5F;
        else if (kind == 4) cp = "\n\t\r  "[rng() % 5];
        else if (kind == 5) cp = 0x80 + rng() % 0x780;
        else if (kind == 6) cp = 0x4E00 + rng() % 0x5000;
        else if (kind == 7) cp = 0x1F300 + rng() % 0x300;
        else cp = rng() % 0x110000;
        if ((cp >= 0xD800 && cp <= 0xDFFF) || cp == banned_cp) continue;
        std::string c;
        unicode::append_utf8(&c, cp);
        bool ok = true;
        for (char b : c) ok = ok && byte_ok[static_cast<uint8_t>(b)];
        if (ok) s += c;
    }
    return s;
}

// Bytes some token decodes to on its own.
std::vector<bool> representable_bytes(const Tokenizer& tok) {
    std::vector<bool> ok(256, false);
    for (int32_t id = 0; id < tok.n_vocab(); ++id) {
        const std::string piece = tok.token_to_piece(id);
        if (piece.size() == 1) ok[static_cast<uint8_t>(piece[0])] = true;
    }
    return ok;
}

std::string space_marks_as_spaces(std::string s) {
    for (size_t p; (p = s.find("\xE2\x96\x81")) != std::string::npos;) s.replace(p, 3, " ");
    return s;
}

void check_round_trip(const char* gguf, uint32_t banned_cp, size_t min_bytes) {
    const Tokenizer& tok = shared_tokenizer(gguf);
    const std::vector<bool> ok = representable_bytes(tok);
    size_t n_ok = 0;
    for (bool b : ok) n_ok += b;
    CHECK(n_ok >= min_bytes);
    std::mt19937_64 rng(1234);
    for (int i = 0; i < 3000; ++i) {
        const std::string s = random_text(rng, ok, banned_cp);
        for (bool special : {false, true}) {
            const auto ids = tok.encode(s, special);
            const std::string back = tok.decode(ids.data(), ids.size());
            if (back != s) FAIL(gguf << ": round trip failed for [" << s << "] -> [" << back << "]");
        }
    }
}

}  // namespace

TEST_CASE("SmolLM2 round trip (text made of the bytes its vocabulary has)", "[text][roundtrip]") {
    SMOLLM_REQUIRE_SHARED(kSmolLM2Gguf);
    // SmolLM2 has no token for 0x04 0x06 0x13 0x14 0x16 0x1D or lead bytes 0xF1 0xF2 (llama.cpp
    // drops those bytes, and so do we), nor for bytes no UTF-8 text contains.
    check_round_trip(kSmolLM2Gguf, 0xFFFFFFFF, 235);
}

TEST_CASE("Llama-3 BPE round trip (every byte has a token)", "[text][roundtrip]") {
    SMOLLM_REQUIRE_SHARED(kLlamaBpeGguf);
    check_round_trip(kLlamaBpeGguf, 0xFFFFFFFF, 256);
}

TEST_CASE("Llama-2 SentencePiece round trip", "[text][roundtrip]") {
    SMOLLM_REQUIRE_SHARED(kLlamaSpmGguf);
    // U+2581 is SentencePiece's own space mark, so it cannot survive as itself.
    check_round_trip(kLlamaSpmGguf, 0x2581, 256);
}

TEST_CASE("arbitrary bytes: byte-level BPE keeps every byte or its U+FFFD, SentencePiece keeps the bytes", "[text][roundtrip]") {
    SMOLLM_REQUIRE_SHARED(kLlamaBpeGguf);
    SMOLLM_REQUIRE_SHARED(kLlamaSpmGguf);
    const Tokenizer& bpe = shared_tokenizer(kLlamaBpeGguf);
    const Tokenizer& spm = shared_tokenizer(kLlamaSpmGguf);
    std::mt19937_64 rng(99);
    for (int i = 0; i < 3000; ++i) {
        std::string bytes;
        for (size_t n = 1 + rng() % 64; n > 0; --n) bytes.push_back(static_cast<char>(rng() % 4 == 0 ? rng() % 128 : rng() % 256));
        // Byte-level BPE sees the text as code points, each bad byte read as U+FFFD.
        std::string expected;
        for (size_t pos = 0; pos < bytes.size();) unicode::append_utf8(&expected, unicode::decode_utf8(bytes, &pos));
        for (bool special : {false, true}) {
            const auto ids = bpe.encode(bytes, special);
            if (bpe.decode(ids.data(), ids.size()) != expected) FAIL("BPE changed bytes beyond U+FFFD replacement");
        }
        // SentencePiece falls back to <0xXX> tokens, so even invalid bytes survive. The one
        // change: a space is escaped to U+2581 before splitting, and when an invalid lead byte
        // swallows part of that mark, its bytes come back raw (llama.cpp does the same).
        const auto ids = spm.encode(bytes, false);
        if (space_marks_as_spaces(spm.decode(ids.data(), ids.size())) != space_marks_as_spaces(bytes)) {
            FAIL("SentencePiece lost bytes");
        }
    }
}

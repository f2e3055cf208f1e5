// Streaming text never contains part of a character, and adds up to the whole.
#include <catch.hpp>

#include "test_support.h"
#include "text/unicode.h"
#include "tokenizer_fixtures.h"

using namespace smollm;
using namespace smollm::test;

namespace {

bool well_formed(const std::string& s) { return unicode::sanitize_utf8(s) == s; }

// The single-byte token of each byte (Llama-3 has one for all 256).
std::vector<int32_t> byte_tokens(const Tokenizer& tok) {
    std::vector<int32_t> ids(256, -1);
    for (int32_t id = 0; id < tok.n_vocab(); ++id) {
        const std::string p = tok.token_to_piece(id);
        if (p.size() == 1 && ids[static_cast<uint8_t>(p[0])] < 0) ids[static_cast<uint8_t>(p[0])] = id;
    }
    return ids;
}

}  // namespace

TEST_CASE("characters split across tokens are held until complete", "[text][stream]") {
    SMOLLM_REQUIRE_SHARED(kLlamaBpeGguf);
    const Tokenizer& tok = shared_tokenizer(kLlamaBpeGguf);
    const auto bytes = byte_tokens(tok);
    StreamDetokenizer stream(tok);
    const std::string text = "a\xF0\x9F\xA6\x99\xE6\x97\xA5";   // a, llama emoji, 日
    std::vector<std::string> pieces;
    for (char c : text) pieces.push_back(stream.push(bytes[static_cast<uint8_t>(c)]));
    CHECK(pieces == std::vector<std::string>{"a", "", "", "", "\xF0\x9F\xA6\x99", "", "", "\xE6\x97\xA5"});
    CHECK(stream.flush().empty());
}

TEST_CASE("invalid sequences become U+FFFD, a dangling start is flushed as U+FFFD", "[text][stream]") {
    SMOLLM_REQUIRE_SHARED(kLlamaBpeGguf);
    const Tokenizer& tok = shared_tokenizer(kLlamaBpeGguf);
    const auto bytes = byte_tokens(tok);
    StreamDetokenizer stream(tok);
    CHECK(stream.push(bytes[0xE6]).empty());
    CHECK(stream.push(bytes['A']) == "\xEF\xBF\xBD" "A");
    CHECK(stream.push(bytes[0x97]) == "\xEF\xBF\xBD");   // a stray continuation byte
    CHECK(stream.push(bytes[0xF0]).empty());
    CHECK(stream.push(bytes[0x9F]).empty());
    CHECK(stream.flush() == "\xEF\xBF\xBD");
    CHECK(stream.push(bytes['z']) == "z");
}

TEST_CASE("streaming real tokenizations gives the decoded text, piece by piece well-formed", "[text][stream]") {
    SMOLLM_REQUIRE_SHARED(kSmolLM2Gguf);
    const Tokenizer& tok = shared_tokenizer(kSmolLM2Gguf);
    const std::string texts[] = {
        "Emoji: \xF0\x9F\xA6\x99\xF0\x9F\x9A\x80\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD and \xE2\x9D\xA4\xEF\xB8\x8F",
        "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x81\xAE\xE3\x83\x86\xE3\x82\xAD\xE3\x82\xB9\xE3\x83\x88 "
        "\xE0\xA4\xB9\xE0\xA4\xBF\xE0\xA4\xA8\xE0\xA5\x8D\xE0\xA4\xA6\xE0\xA5\x80",
        "<|im_start|>user\nHi<|im_end|>\n",
    };
    for (const std::string& text : texts) {
        const auto ids = tok.encode(text, true);
        StreamDetokenizer stream(tok);
        std::string joined;
        for (int32_t id : ids) {
            const std::string piece = stream.push(id);
            CHECK(well_formed(piece));
            joined += piece;
        }
        joined += stream.flush();
        CHECK(joined == tok.decode(ids.data(), ids.size()));   // control tokens render as nothing
    }
}

// Byte-level BPE rules on a vocabulary small enough to reason about by hand.
#include <catch.hpp>

#include "text/byte_level.h"
#include "text/tokenizer.h"
#include "text/vocab.h"

using namespace smollm;

namespace {

// The 256 byte tokens first (id = byte), then `extra`.
VocabSpec byte_vocab(std::vector<std::string> extra, std::vector<std::string> merges) {
    VocabSpec spec;
    spec.model = "gpt2";
    spec.pre = "gpt2";
    for (int b = 0; b < 256; ++b) spec.tokens.push_back(byte_level::byte_to_text(static_cast<uint8_t>(b)));
    spec.token_types.assign(256, static_cast<int32_t>(TokenType::Normal));
    for (auto& t : extra) {
        spec.tokens.push_back(t);
        spec.token_types.push_back(static_cast<int32_t>(TokenType::Normal));
    }
    spec.merges = StringList(merges);
    return spec;
}

int32_t id_of(const VocabSpec& spec, const std::string& text) {
    for (size_t i = 0; i < spec.tokens.size(); ++i) {
        if (spec.tokens[i] == text) return static_cast<int32_t>(i);
    }
    FAIL("no token " << text);
    return -1;
}

}  // namespace

TEST_CASE("merges apply lowest rank first, leftmost on ties", "[text][bpe]") {
    const VocabSpec spec = byte_vocab({"bc", "abc", "ab", "aa"}, {"b c", "a b", "a bc", "a a"});
    const auto tok = make_tokenizer(spec);
    // (b,c) has rank 0, so "abc" becomes a + bc, then abc; never ab + c.
    CHECK(tok->encode("abc", false) == std::vector<int32_t>{id_of(spec, "abc")});
    CHECK(tok->encode("abab", false) == std::vector<int32_t>{id_of(spec, "ab"), id_of(spec, "ab")});
    // Three a's: the two leftmost merge first.
    CHECK(tok->encode("aaa", false) == std::vector<int32_t>{id_of(spec, "aa"), 'a'});
}

TEST_CASE("a merge whose result is not a token still merges, then falls back to bytes", "[text][bpe]") {
    // "x y" makes "xy", which is no token, but "xy z" makes the token "xyz".
    const VocabSpec spec = byte_vocab({"xyz"}, {"x y", "xy z"});
    const auto tok = make_tokenizer(spec);
    CHECK(tok->encode("xyz", false) == std::vector<int32_t>{id_of(spec, "xyz")});
    CHECK(tok->encode("xy", false) == std::vector<int32_t>{'x', 'y'});
}

TEST_CASE("special tokens: longest first, control only when asked, user-defined always", "[text][bpe]") {
    VocabSpec spec = byte_vocab({"<a>", "<a><b>", "[U]"}, {"a b"});
    spec.token_types[static_cast<size_t>(id_of(spec, "<a>"))] = static_cast<int32_t>(TokenType::Control);
    spec.token_types[static_cast<size_t>(id_of(spec, "<a><b>"))] = static_cast<int32_t>(TokenType::Control);
    spec.token_types[static_cast<size_t>(id_of(spec, "[U]"))] = static_cast<int32_t>(TokenType::UserDefined);
    const auto tok = make_tokenizer(spec);
    const int32_t a = id_of(spec, "<a>"), ab = id_of(spec, "<a><b>"), u = id_of(spec, "[U]");
    CHECK(tok->encode("<a><b><a>", true) == std::vector<int32_t>{ab, a});
    CHECK(tok->encode("x<a>", false) == std::vector<int32_t>{'x', '<', 'a', '>'});
    CHECK(tok->encode("x[U]y", false) == std::vector<int32_t>{'x', u, 'y'});
    CHECK(tok->is_control(a));
    CHECK(tok->token_to_piece(a).empty());
    CHECK(tok->token_to_piece(a, true) == "<a>");
    CHECK(tok->token_to_piece(u) == "[U]");
}

TEST_CASE("invalid UTF-8 becomes U+FFFD, never a crash", "[text][bpe]") {
    const VocabSpec spec = byte_vocab({}, {"a b"});
    const auto tok = make_tokenizer(spec);
    CHECK(tok->encode("\xFF\xFE", false) == std::vector<int32_t>{0xEF, 0xBF, 0xBD, 0xEF, 0xBF, 0xBD});
    CHECK(tok->encode("", true).empty());
    std::string all;
    for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
    const auto ids = tok->encode(all + all, true);
    CHECK_FALSE(ids.empty());
}

TEST_CASE("bad metadata is refused with the key named", "[text][bpe]") {
    VocabSpec spec = byte_vocab({}, {"a b"});
    spec.model = "bert";
    CHECK_THROWS_WITH(make_tokenizer(spec), Catch::Contains("tokenizer.ggml.model") && Catch::Contains("bert"));
    spec = byte_vocab({}, {});
    CHECK_THROWS_WITH(make_tokenizer(spec), Catch::Contains("tokenizer.ggml.merges"));
    spec = byte_vocab({}, {"a b"});
    spec.scores = {1.0f};
    CHECK_THROWS_WITH(make_tokenizer(spec), Catch::Contains("tokenizer.ggml.scores"));
    spec = byte_vocab({}, {"a b"});
    spec.pre = "no-such-pre";
    CHECK_THROWS_WITH(make_tokenizer(spec), Catch::Contains("no-such-pre"));
    spec = byte_vocab({}, {"a b"});
    const auto tok = make_tokenizer(spec);
    CHECK_THROWS_WITH(tok->token_to_piece(256), Catch::Contains("256") && Catch::Contains("outside the vocabulary"));
    CHECK_THROWS(tok->token_to_piece(-1));
}

TEST_CASE("special ids and end of generation follow llama.cpp's rules", "[text][bpe]") {
    VocabSpec spec = byte_vocab({"<|im_end|>", "<|endoftext|>", "<reponame>"}, {"a b"});
    const auto tok = make_tokenizer(spec);
    // gpt2 defaults: bos = eos = 11 when the file names none.
    CHECK(tok->bos_id() == 11);
    CHECK(tok->eos_id() == 11);
    CHECK_FALSE(tok->add_bos());
    CHECK(tok->is_end_of_generation(id_of(spec, "<|im_end|>")));
    CHECK(tok->is_end_of_generation(id_of(spec, "<|endoftext|>")));
    CHECK(tok->is_end_of_generation(id_of(spec, "<reponame>")));   // llama.cpp's FIM repo token
    CHECK(tok->is_control(id_of(spec, "<|im_end|>")));              // promoted to control by name
    CHECK_FALSE(tok->is_end_of_generation('a'));
    spec.eos_id = 2;
    spec.bos_id = 1;
    spec.add_bos = true;
    const auto tok2 = make_tokenizer(spec);
    CHECK(tok2->eos_id() == 2);
    CHECK(tok2->bos_id() == 1);
    CHECK(tok2->add_bos());
    CHECK(tok2->is_end_of_generation(2));
}

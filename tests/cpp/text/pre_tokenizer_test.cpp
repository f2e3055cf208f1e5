// The hand-written regexes split where the regexes in llama.cpp split.
#include <catch.hpp>

#include "text/pre_tokenizer.h"
#include "text/unicode.h"

using namespace smollm;

namespace {

std::vector<std::string> split(PreTokenizerKind kind, std::string_view text) {
    std::vector<uint32_t> cps;
    std::vector<uint8_t> flags;
    for (size_t pos = 0; pos < text.size();) {
        cps.push_back(unicode::decode_utf8(text, &pos));
        flags.push_back(unicode::codepoint_flags(cps.back()));
    }
    std::vector<uint32_t> ends, scratch;
    pre_tokenize(kind, cps.data(), flags.data(), cps.size(), &ends, &scratch);
    std::vector<std::string> words;
    uint32_t begin = 0;
    for (uint32_t end : ends) {
        std::string w;
        for (uint32_t i = begin; i < end; ++i) unicode::append_utf8(&w, cps[i]);
        words.push_back(w);
        begin = end;
    }
    return words;
}

using W = std::vector<std::string>;

}  // namespace

TEST_CASE("GPT-2 pre-tokenizer", "[text][pre]") {
    const auto k = PreTokenizerKind::Gpt2;
    CHECK(split(k, "Hello world's  big\n\n  x 123") == W{"Hello", " world", "'s", " ", " big", "\n\n ", " x", " 123"});
    CHECK(split(k, "x?!\n\ny") == W{"x", "?!", "\n", "\n", "y"});
    CHECK(split(k, "IT'S (fine)") == W{"IT", "'", "S", " (", "fine", ")"});   // contractions are case-sensitive
    CHECK(split(k, "e\xCC\x81t\xC3\xA9") == W{"e", "\xCC\x81", "t\xC3\xA9"});   // a combining mark is not \p{L}
    CHECK(split(k, "\xE6\x97\xA5\xE6\x9C\xAC\xF0\x9F\xA6\x99\xF0\x9F\xA6\x99 \xD9\xA3\xD9\xA4") ==
          W{"\xE6\x97\xA5\xE6\x9C\xAC", "\xF0\x9F\xA6\x99\xF0\x9F\xA6\x99", " \xD9\xA3\xD9\xA4"});
    CHECK(split(k, "   ") == W{"   "});
    CHECK(split(k, "a ") == W{"a", " "});
}

TEST_CASE("SmolLM pre-tokenizer isolates every digit first", "[text][pre]") {
    const auto k = PreTokenizerKind::SmolLM;
    CHECK(split(k, "Hello world's  big\n\n  x 123") ==
          W{"Hello", " world", "'s", " ", " big", "\n\n ", " x", " ", "1", "2", "3"});
    CHECK(split(k, "v2.0\xC2\xBD") == W{"v", "2", ".", "0", "\xC2\xBD"});   // ½ is \p{N}
}

TEST_CASE("Llama-3 pre-tokenizer", "[text][pre]") {
    const auto k = PreTokenizerKind::Llama3;
    CHECK(split(k, "Hello world's  big\n\n  x 123") ==
          W{"Hello", " world", "'s", " ", " big", "\n\n", " ", " x", " ", "123"});
    CHECK(split(k, "x?!\n\ny") == W{"x", "?!\n\n", "y"});
    CHECK(split(k, "IT'S (fine)") == W{"IT", "'S", " (", "fine", ")"});
    CHECK(split(k, "1234567") == W{"123", "456", "7"});
    CHECK(split(k, "\thello \r\n world") == W{"\thello", " \r\n", " world"});
    CHECK(split(k, "a ") == W{"a", " "});
}

TEST_CASE("Qwen2 and default pre-tokenizers", "[text][pre]") {
    CHECK(split(PreTokenizerKind::Qwen2, "ab 1234") == W{"ab", " ", "1", "2", "3", "4"});
    CHECK(split(PreTokenizerKind::Default, "x+=12345!!") == W{"x", "+=", "123", "45", "!!"});
}

TEST_CASE("pre-tokenizer names", "[text][pre]") {
    bool ignore = false;
    CHECK(pre_tokenizer_for_name("smollm", &ignore) == PreTokenizerKind::SmolLM);
    CHECK_FALSE(ignore);
    CHECK(pre_tokenizer_for_name("llama-bpe", &ignore) == PreTokenizerKind::Llama3);
    CHECK(ignore);
    CHECK(pre_tokenizer_for_name("gpt-2", &ignore) == PreTokenizerKind::Gpt2);
    CHECK(pre_tokenizer_for_name("", &ignore) == PreTokenizerKind::Default);
    CHECK_THROWS_WITH(pre_tokenizer_for_name("tekken", &ignore), Catch::Contains("tekken") && Catch::Contains("tokenizer.ggml.pre"));
}

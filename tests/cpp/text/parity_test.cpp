// Token ids must equal llama.cpp's on its own reference vectors, for every case.
#include <catch.hpp>

#include "test_support.h"
#include "util/json_value.h"
#include "tokenizer_fixtures.h"

using namespace smollm;
using namespace smollm::test;

namespace {

std::string show(const std::vector<int32_t>& ids) {
    std::string s;
    for (int32_t id : ids) s += std::to_string(id) + " ";
    return s;
}

void check_vocab_vectors(const char* gguf, const char* pre, const char* model) {
    const Tokenizer& tok = shared_tokenizer(gguf);
    CHECK(tok.model_name() == model);
    CHECK(tok.pre_tokenizer() == pre);
    const auto cases = read_vocab_cases(gguf);
    REQUIRE(cases.size() > 40);
    size_t agree = 0;
    for (const VocabCase& c : cases) {
        const std::vector<int32_t> got = tok.encode(c.text, false);
        INFO("text: [" << c.text << "]\nexpected: " << show(c.ids) << "\ngot:      " << show(got));
        CHECK(got == c.ids);
        agree += got == c.ids;
    }
    WARN(gguf << ": " << agree << "/" << cases.size() << " cases identical to llama.cpp");
}

}  // namespace

TEST_CASE("SmolLM2 tokenizer matches tokenizer-golden.json", "[text][parity]") {
    SMOLLM_REQUIRE_SHARED("golden/tokenizer-golden.json");
    SMOLLM_REQUIRE_SHARED(kSmolLM2Gguf);
    const Tokenizer& tok = shared_tokenizer(kSmolLM2Gguf);
    CHECK(tok.model_name() == "gpt2");
    CHECK(tok.pre_tokenizer() == "smollm");
    CHECK_FALSE(tok.add_bos());
    const smollm::JsonValue golden = smollm::json_parse(read_file_text(shared_path("golden/tokenizer-golden.json")),
                                    smollm::LoneSurrogate::ReplaceWithFffd);
    const smollm::JsonValue* cases = golden.find("cases");
    REQUIRE(cases);
    REQUIRE(cases->array.size() >= 20);
    size_t agree = 0;
    for (const smollm::JsonValue& c : cases->array) {
        const std::string& text = c.at("text").as_string();
        const bool special = c.at("parse_special").boolean;
        std::vector<int32_t> want;
        for (const smollm::JsonValue& id : c.at("ids").array) want.push_back(static_cast<int32_t>(id.as_int()));
        const std::vector<int32_t> got = tok.encode(text, special);
        INFO("text: [" << text << "] special=" << special << "\nexpected: " << show(want) << "\ngot:      " << show(got));
        CHECK(got == want);
        agree += got == want;
    }
    WARN("tokenizer-golden.json: " << agree << "/" << cases->array.size() << " cases identical");
}

TEST_CASE("Llama-2 SentencePiece vocabulary matches llama.cpp's test vectors", "[text][parity]") {
    SMOLLM_REQUIRE_SHARED(kLlamaSpmGguf);
    check_vocab_vectors(kLlamaSpmGguf, "default", "llama");
}

TEST_CASE("Llama-3 BPE vocabulary matches llama.cpp's test vectors", "[text][parity]") {
    SMOLLM_REQUIRE_SHARED(kLlamaBpeGguf);
    check_vocab_vectors(kLlamaBpeGguf, "llama-bpe", "gpt2");
}

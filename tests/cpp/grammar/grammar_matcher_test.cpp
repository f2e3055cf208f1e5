#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <catch.hpp>

#include "grammar/gbnf_parser.h"
#include "grammar/grammar_matcher.h"

using namespace smollm::grammar;

namespace {

std::shared_ptr<const Grammar> compile(const std::string& text) { return std::make_shared<const Grammar>(parse_gbnf(text)); }

// A small vocabulary with multi-character pieces, split UTF-8 ("\xC3" + "\xA9" = "é"), an
// invalid piece, an empty piece and an end-of-generation token (last).

TokenTrie make_trie(const std::vector<std::string>& pieces) {
    std::vector<bool> eog(pieces.size(), false);
    eog.back() = true;
    return TokenTrie(pieces, eog);
}

const std::vector<std::string> kPieces{"a", "b", "ab", "abc", "{", "}", "\"", "\"a", "1", "12", "x\"", " ",
                                       "\xC3", "\xA9", "\xC3\xA9", "\xFF", "", "</s>"};

std::vector<std::string> allowed(GrammarMatcher& m, const TokenTrie& trie, MaskResult* result = nullptr) {
    std::vector<uint32_t> mask;
    MaskResult r = m.fill_mask(trie, mask);
    if (result) *result = r;
    std::vector<std::string> out;
    for (int32_t id = 0; id < trie.n_vocab(); ++id) {
        if (mask[static_cast<size_t>(id) >> 5] >> (id & 31) & 1u) out.push_back(std::string(trie.piece(id)));
    }
    CHECK(out.size() == r.n_allowed);
    // The trie walk must agree with checking each token on its own.
    for (int32_t id = 0; id < trie.n_vocab(); ++id) {
        GrammarMatcher copy = m;
        const bool alone = copy.accept_token(trie, id);
        const bool in_mask = mask[static_cast<size_t>(id) >> 5] >> (id & 31) & 1u;
        INFO("token " << id << " '" << trie.piece(id) << "'");
        CHECK(alone == in_mask);
    }
    return out;
}

int32_t id_of(const std::string& piece) {
    return static_cast<int32_t>(std::find(kPieces.begin(), kPieces.end(), piece) - kPieces.begin());
}

}  // namespace

TEST_CASE("mask: literal alternatives allow exactly the tokens that keep a prefix", "[grammar]") {
    const TokenTrie trie = make_trie(kPieces);
    GrammarMatcher m(compile("root ::= \"ab\" | \"abc\" \"1\"*\n"));
    CHECK(allowed(m, trie) == std::vector<std::string>{"a", "ab", "abc"});
    REQUIRE(m.accept_token(trie, id_of("ab")));
    MaskResult r;
    CHECK(allowed(m, trie, &r) == std::vector<std::string>{"</s>"});  // "ab" is complete; "c" is no token
    CHECK(r.end_allowed);
    CHECK(!m.accept_token(trie, id_of("a")));
    REQUIRE(m.accept_token(trie, id_of("</s>")));
    CHECK(m.finished());
    CHECK(allowed(m, trie, &r).empty());
    CHECK(r.no_token_allowed());
}

TEST_CASE("mask: repetitions, classes and end of generation", "[grammar]") {
    const TokenTrie trie = make_trie(kPieces);
    GrammarMatcher m(compile("root ::= \"{\" [0-9]{1,3} \"}\"\n"));
    CHECK(allowed(m, trie) == std::vector<std::string>{"{"});
    REQUIRE(m.accept_token(trie, id_of("{")));
    CHECK(allowed(m, trie) == std::vector<std::string>{"1", "12"});
    REQUIRE(m.accept_token(trie, id_of("12")));
    CHECK(allowed(m, trie) == std::vector<std::string>{"}", "1"});
    REQUIRE(m.accept_token(trie, id_of("1")));
    CHECK(allowed(m, trie) == std::vector<std::string>{"}"});
    REQUIRE(m.accept_token(trie, id_of("}")));
    CHECK(allowed(m, trie) == std::vector<std::string>{"</s>"});
}

TEST_CASE("mask: negated classes and any-char; invalid and empty pieces never pass", "[grammar]") {
    const TokenTrie trie = make_trie(kPieces);
    GrammarMatcher m(compile("root ::= \"\\\"\" [^\"]* \"\\\"\"\n"));
    REQUIRE(m.accept_token(trie, id_of("\"")));
    CHECK(allowed(m, trie) == std::vector<std::string>{"a", "b", "ab", "abc", "{", "}", "\"", "1", "12", "x\"", " ",
                                                       "\xC3", "\xC3\xA9", "\xFF"});
    // Inside the string the stack set repeats, so this mask comes from the matcher's cache; it
    // must still agree with each token checked on its own (allowed() checks that).
    const std::vector<std::string> inside = allowed(m, trie);
    REQUIRE(m.accept_token(trie, id_of("a")));
    REQUIRE(m.accept_token(trie, id_of("b")));
    CHECK(allowed(m, trie) == inside);
    REQUIRE(m.accept_token(trie, id_of("\"")));
    CHECK(allowed(m, trie) == std::vector<std::string>{"</s>"});

    GrammarMatcher any(compile("root ::= .*\n"));
    // All but "" and "\xA9" (a lone continuation byte is invalid), with </s>. "\xFF" passes as
    // llama.cpp lets it: its decoder reads it as the start of a 4-byte sequence.
    CHECK(allowed(any, trie).size() == 16);
}

TEST_CASE("mask: a character split across tokens", "[grammar]") {
    const TokenTrie trie = make_trie(kPieces);
    GrammarMatcher m(compile("root ::= [\\u00e0-\\u00ff] \"a\"\n"));
    CHECK(allowed(m, trie) == std::vector<std::string>{"\xC3", "\xC3\xA9"});
    REQUIRE(m.accept_token(trie, id_of("\xC3")));
    CHECK(allowed(m, trie) == std::vector<std::string>{"\xA9"});
    REQUIRE(m.accept_token(trie, id_of("\xA9")));
    CHECK(allowed(m, trie) == std::vector<std::string>{"a"});

    GrammarMatcher ascii(compile("root ::= [a-z]+\n"));
    CHECK(allowed(ascii, trie) == std::vector<std::string>{"a", "b", "ab", "abc"});
}

TEST_CASE("mask: no token allowed is a result, not a hang", "[grammar]") {
    const TokenTrie trie = make_trie(kPieces);
    GrammarMatcher m(compile("root ::= \"z\"\n"));
    MaskResult r;
    CHECK(allowed(m, trie, &r).empty());
    CHECK(r.no_token_allowed());
    CHECK(!r.end_allowed);
}

TEST_CASE("a copied matcher is independent of the original", "[grammar]") {
    const TokenTrie trie = make_trie(kPieces);
    auto original = std::make_unique<GrammarMatcher>(compile("root ::= \"{\" [0-9]+ \"}\"\n"));
    REQUIRE(original->accept_token(trie, id_of("{")));
    GrammarMatcher copy = *original;
    original.reset();
    CHECK(allowed(copy, trie) == std::vector<std::string>{"1", "12"});
    REQUIRE(copy.accept_token(trie, id_of("12")));
    REQUIRE(copy.accept_token(trie, id_of("}")));
    CHECK(copy.can_end());
}

TEST_CASE("accept_text follows the grammar and refuses what leaves it", "[grammar]") {
    GrammarMatcher m(compile("root ::= \"[\" (item (\",\" item)*)? \"]\"\nitem ::= [0-9]+ | \"x\"\n"));
    CHECK(m.accept_text("[1"));
    CHECK(!m.accept_text("a"));
    CHECK(m.accept_text("2,x,"));
    CHECK(!m.can_end());
    CHECK(m.accept_text("3]"));
    CHECK(m.can_end());
    CHECK(!m.accept_text(" "));
}

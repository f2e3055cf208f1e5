#include <memory>
#include <string>

#include <catch.hpp>

#include "grammar/gbnf_parser.h"
#include "grammar/grammar_matcher.h"
#include "grammar/json_object_grammar.h"

using namespace smollm::grammar;

namespace {

// Whether `text` is a complete sentence of the json_object grammar.
bool complete(const std::string& text) {
    static const auto grammar = std::make_shared<const Grammar>(parse_gbnf(json_object_gbnf()));
    GrammarMatcher m(grammar);
    return m.accept_text(text) && m.can_end();
}

}  // namespace

TEST_CASE("json_object grammar accepts JSON objects", "[grammar]") {
    CHECK(complete("{}"));
    CHECK(complete("{ }"));
    CHECK(complete("{\"a\": 1}"));
    CHECK(complete("{\"a\":[1, -2.5e+3, true, false, null, \"x\\n\\u00e9\"], \"b\": {\"c\": {}}}"));
    CHECK(complete("{\n  \"caf\xC3\xA9\": \"\xF0\x9F\x98\x80\"\n}"));
}

TEST_CASE("json_object grammar refuses what is not one JSON object", "[grammar]") {
    CHECK(!complete("[1]"));
    CHECK(!complete("\"a\""));
    CHECK(!complete("{a: 1}"));
    CHECK(!complete("{\"a\": 1,}"));
    CHECK(!complete("{\"a\": 01}"));
    CHECK(!complete("{\"a\": \"\x01\"}"));
    CHECK(!complete("{\"a\": \"\\q\"}"));
    CHECK(!complete("{\"a\": 1"));
    CHECK(!complete("{} {}"));
}

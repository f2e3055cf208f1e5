// JSON schema `pattern`: which JSON strings our matcher accepts under the converted regex.
#include <memory>
#include <string>

#include <catch.hpp>

#include "grammar/gbnf_parser.h"
#include "grammar/json_schema_to_gbnf.h"
#include "schema_test_helpers.h"
#include "util/json_value.h"

using namespace smollm::grammar;
using namespace smollm::grammar::test;

namespace {

std::string pattern_schema(const std::string& pattern) {
    return R"({"type": "string", "pattern": )" + smollm::json_quote(pattern) + "}";
}

std::shared_ptr<const Grammar> pattern_grammar(const std::string& pattern, JsonSchemaOptions options = {}) {
    return compile_schema(pattern_schema(pattern), options);
}

std::string error_of(const std::string& pattern, JsonSchemaOptions options = {}) {
    return schema_error(pattern_schema(pattern), options);
}

}  // namespace

TEST_CASE("pattern: literals, classes and counted repetition", "[grammar]") {
    const auto g = pattern_grammar(R"(^[A-Z]{2}-\d{3,4}$)");
    CHECK(accepts(g, R"("AB-123")"));
    CHECK(accepts(g, R"("ZZ-0000")"));
    CHECK(!accepts(g, R"("ab-123")"));
    CHECK(!accepts(g, R"("AB-12")"));
    CHECK(!accepts(g, R"("AB-12345")"));
    CHECK(!accepts(g, R"("AB 123")"));
    const auto open = pattern_grammar("^x{2,}$");
    CHECK(!accepts(open, R"("x")"));
    CHECK(accepts(open, R"("xx")"));
    CHECK(accepts(open, R"("xxxxxxx")"));
}

TEST_CASE("pattern: groups, alternation, ? * + and lazy quantifiers", "[grammar]") {
    const auto g = pattern_grammar("^(foo|ba(r|z))+$");
    CHECK(accepts(g, R"("foo")"));
    CHECK(accepts(g, R"("barbazfoo")"));
    CHECK(!accepts(g, R"("")"));
    CHECK(!accepts(g, R"("bax")"));
    const auto q = pattern_grammar("^a+?b??c*(?:de)?$");
    CHECK(accepts(q, R"("a")"));
    CHECK(accepts(q, R"("aabccde")"));
    CHECK(!accepts(q, R"("abbc")"));
    CHECK(!accepts(q, R"("ad")"));
    const auto empty_alt = pattern_grammar("^(a|)b$");
    CHECK(accepts(empty_alt, R"("ab")"));
    CHECK(accepts(empty_alt, R"("b")"));
    CHECK(!accepts(empty_alt, R"("aab")"));
    const auto empty = pattern_grammar("^$");
    CHECK(accepts(empty, R"("")"));
    CHECK(!accepts(empty, R"(" ")"));
    const auto named = pattern_grammar("^(?<year>[0-9]{4})$");
    CHECK(accepts(named, R"("2024")"));
    // Each top-level alternative keeps its own anchors.
    const auto alts = pattern_grammar("^a$|^b");
    CHECK(accepts(alts, R"("a")"));
    CHECK(accepts(alts, R"("bcd")"));
    CHECK(!accepts(alts, R"("ab")"));
}

TEST_CASE("pattern: the output is always valid JSON", "[grammar]") {
    // `.` matches any character but a line terminator, written as JSON writes it.
    const auto dot = pattern_grammar("^a.c$");
    CHECK(accepts(dot, R"("abc")"));
    CHECK(accepts(dot, R"("a\"c")"));
    CHECK(accepts(dot, R"("a\\c")"));
    CHECK(accepts(dot, R"("a\tc")"));
    CHECK(accepts(dot, R"("a\u001fc")"));
    CHECK(accepts(dot, "\"a\xC3\xA9" "c\""));
    CHECK(accepts(dot, R"("a\u0009c")"));
    CHECK(accepts(dot, R"("a\u001Fc")"));
    CHECK(!accepts(dot, R"("a\u000ac")"));
    CHECK(!accepts(dot, R"("a\u000Dc")"));
    CHECK(!accepts(dot, R"("a"c")"));
    CHECK(!accepts(dot, R"("a\nc")"));
    CHECK(!accepts(dot, "\"a\tc\""));  // a raw control character is not JSON
    CHECK(!accepts(dot, R"("ac")"));
    const auto quote = pattern_grammar(R"(^say "hi" \\o/$)");
    CHECK(accepts(quote, R"("say \"hi\" \\o/")"));
    CHECK(!accepts(quote, R"("say "hi" \o/")"));
    const auto negated = pattern_grammar("^[^a-z]+$");
    CHECK(accepts(negated, R"("AB 1")"));
    CHECK(accepts(negated, R"("\"")"));
    CHECK(accepts(negated, R"("\n")"));
    CHECK(!accepts(negated, R"("aB")"));
    CHECK(!accepts(negated, R"(""")"));
}

TEST_CASE("pattern: adjacent literals are one GBNF string", "[grammar]") {
    const std::string gbnf = json_schema_to_gbnf(R"({"type": "string", "pattern": "^say \"hi\" x+$"})");
    INFO(gbnf);
    CHECK(gbnf.find(R"(root ::= "\"" ("say \\\"hi\\\" " "x"+) "\"")") != std::string::npos);
}

TEST_CASE("pattern: escapes and class escapes", "[grammar]") {
    const auto g = pattern_grammar(R"(^\x41\u00e9\.\*\(\[\t$)");
    CHECK(accepts(g, "\"A\xC3\xA9.*([\\t\""));
    CHECK(!accepts(g, "\"A\xC3\xA9.*([ \""));
    const auto w = pattern_grammar(R"(^\w+\s\D[\d\-]$)");
    CHECK(accepts(w, R"("snake_case1 x-")"));
    CHECK(accepts(w, R"("a\tx7")"));
    CHECK(!accepts(w, R"("a b 7")"));
    CHECK(!accepts(w, R"("a-b x7")"));
    CHECK(!accepts(w, R"("ab 77")"));
    const auto cls = pattern_grammar(R"(^[-a\]\\c-e]+$)");
    CHECK(accepts(cls, R"("-a]\\cde")"));
    CHECK(!accepts(cls, R"("b")"));
    const auto braces = pattern_grammar("^{a}$");  // not a quantifier: literal braces
    CHECK(accepts(braces, R"("{a}")"));
}

TEST_CASE("pattern: an unanchored side matches anywhere, as JSON schema says", "[grammar]") {
    const auto g = pattern_grammar("ab");
    CHECK(accepts(g, R"("ab")"));
    CHECK(accepts(g, R"("xx\"ab\n")"));
    CHECK(!accepts(g, R"("a b")"));
    const auto start = pattern_grammar("^ab");
    CHECK(accepts(start, R"("abzz")"));
    CHECK(!accepts(start, R"("zab")"));
    const auto end = pattern_grammar("[0-9]$");
    CHECK(accepts(end, R"("v1")"));
    CHECK(!accepts(end, R"("1v")"));
}

TEST_CASE("pattern: regex features without a grammar equivalent are errors naming them", "[grammar]") {
    CHECK(error_of("^(?=a)a$").find("unsupported pattern \"^(?=a)a$\": at offset 1: lookahead is not supported") != std::string::npos);
    CHECK(error_of("^(?<!a)b$").find("lookbehind is not supported") != std::string::npos);
    CHECK(error_of(R"(^(a)\1$)").find("at offset 4: a backreference is not supported") != std::string::npos);
    CHECK(error_of(R"(^a\b$)").find("the word boundary '\\b' is not supported") != std::string::npos);
    CHECK(error_of("^a^b$").find("'^' inside the pattern is not supported") != std::string::npos);
    CHECK(error_of("^a$b").find("'$' inside the pattern is not supported") != std::string::npos);
    CHECK(error_of(R"(^\p{L}$)").find("Unicode property escape") != std::string::npos);
    CHECK(error_of("^(?i)a$").find("the group syntax '(?i'") != std::string::npos);
    CHECK(error_of("^a{2000}$").find("above 1000") != std::string::npos);
    CHECK(error_of("^[^\\s\\S]$").find("empty character class") != std::string::npos);
    // Ignoring what cannot be enforced leaves the other string keywords, as llama.cpp does.
    JsonSchemaOptions ignore;
    ignore.ignore_unsupported = true;
    const auto any = pattern_grammar("^(?=a)a$", ignore);
    CHECK(accepts(any, R"("zzz")"));
}

TEST_CASE("pattern: malformed regexes are errors even when ignoring unsupported keywords", "[grammar]") {
    JsonSchemaOptions ignore;
    ignore.ignore_unsupported = true;
    CHECK(error_of("^(a$", ignore).find("invalid pattern \"^(a$\"") != std::string::npos);
    CHECK(error_of("^a)$").find("unmatched ')'") != std::string::npos);
    CHECK(error_of("^*a$").find("nothing to repeat") != std::string::npos);
    CHECK(error_of("^a**$").find("nothing to repeat") != std::string::npos);
    CHECK(error_of("^[ab$").find("unterminated character class") != std::string::npos);
    CHECK(error_of("^[z-a]$").find("range out of order") != std::string::npos);
    CHECK(error_of("^a{3,2}$").find("numbers out of order") != std::string::npos);
    CHECK(error_of(R"(^\q$)").find("unknown escape '\\q'") != std::string::npos);
    CHECK(error_of("^a\\").find("trailing backslash") != std::string::npos);
    CHECK(error_of(R"(^\x4$)").find("expected 2 hex digits") != std::string::npos);
}

TEST_CASE("pattern: with other keywords and inside objects", "[grammar]") {
    CHECK(schema_error(R"({"type": "string", "pattern": "^a+$", "maxLength": 3})") ==
          "JSON schema #: unsupported keyword 'maxLength' together with 'pattern'");
    CHECK(schema_error(R"({"type": "string", "pattern": 5})") == "JSON schema #: pattern must be a string");
    JsonSchemaOptions ignore;
    ignore.ignore_unsupported = true;
    const std::string with_length = json_schema_to_gbnf(R"({"type": "string", "pattern": "^a+$", "maxLength": 3})", ignore);
    const auto pattern_wins = std::make_shared<const Grammar>(parse_gbnf(with_length));
    CHECK(accepts(pattern_wins, R"("aaaaa")"));
    CHECK(!accepts(pattern_wins, R"("b")"));
    // No "type": the pattern alone makes it a string, as in llama.cpp.
    const auto object = std::make_shared<const Grammar>(parse_gbnf(json_schema_to_gbnf(
        R"({"type": "object", "properties": {"code": {"pattern": "^[0-9]{3}$"}, "ids": {"type": "array",
            "items": {"type": "string", "pattern": "^id-[a-f0-9]+$"}}}, "required": ["code", "ids"]})")));
    CHECK(accepts(object, R"({"code": "123", "ids": ["id-0f", "id-a"]})"));
    CHECK(!accepts(object, R"({"code": "12", "ids": []})"));
    CHECK(!accepts(object, R"({"code": "123", "ids": ["id-"]})"));
}

TEST_CASE("pattern: any regex text converts or gives an error, never a crash or a hang", "[grammar]") {
    // Seeded random patterns over the regex syntax characters, plus hostile shapes.
    const std::string alphabet = R"(ab09^$.|()[]{},-*+?\\dwsbBpk1<>=!:"')";
    uint32_t state = 12345;
    int converted = 0;
    auto next = [&] {
        state = state * 1664525u + 1013904223u;
        return state >> 8;
    };
    for (int i = 0; i < 3000; ++i) {
        std::string pattern;
        const size_t len = next() % 12;
        for (size_t k = 0; k < len; ++k) pattern += alphabet[next() % alphabet.size()];
        INFO(pattern);
        std::string gbnf;
        try {
            gbnf = json_schema_to_gbnf(pattern_schema(pattern));
        } catch (const std::invalid_argument& e) {
            CHECK(std::string(e.what()).find("pattern") != std::string::npos);
            continue;
        }
        CHECK_NOTHROW(parse_gbnf(gbnf));
        ++converted;
    }
    INFO("converted " << converted);
    CHECK(converted > 300);  // the loop must exercise conversions, not only errors
    CHECK(error_of(std::string(100000, '(')).find("nesting deeper than 100 groups") != std::string::npos);
    const auto nested = pattern_grammar("^((a{1000}){1000}){1000}$");
    CHECK(!accepts(nested, R"("aaa")"));
}

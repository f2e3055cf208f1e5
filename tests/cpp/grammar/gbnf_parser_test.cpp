#include <string>

#include <catch.hpp>

#include "grammar/gbnf_parser.h"

using smollm::grammar::GrammarError;
using smollm::grammar::parse_gbnf;

namespace {

// The error a bad grammar gives (fails the test when it parses).
GrammarError error_of(const std::string& text) {
    try {
        parse_gbnf(text);
    } catch (const GrammarError& e) {
        return e;
    }
    FAIL("grammar parsed but should not: " << text);
    return GrammarError("", 0, 0);
}

}  // namespace

TEST_CASE("GBNF rules print back in llama.cpp's rewritten form", "[grammar]") {
    auto g = parse_gbnf("root ::= \"ab\" [a-c^\\]] | x*  # comment\nx ::= [^\\n\\t] .\n");
    CHECK(g.to_gbnf() ==
          "root ::= [a] [b] [a-c\\^\\]] | root_2\n"
          "x ::= [^\\x0A\\x09] .\n"
          "root_2 ::= x root_2 |\n");
    CHECK(g.rule_names[g.root] == "root");
}

TEST_CASE("GBNF repetitions expand as llama.cpp expands them", "[grammar]") {
    CHECK(parse_gbnf("root ::= \"a\"{2}").to_gbnf() == "root ::= [a] [a]\n");
    CHECK(parse_gbnf("root ::= \"a\"{1,3}").to_gbnf() ==
          "root ::= [a] root_2\nroot_1 ::= [a] |\nroot_2 ::= [a] root_1 |\n");
    CHECK(parse_gbnf("root ::= \"a\"{2,}").to_gbnf() == "root ::= [a] [a] root_1\nroot_1 ::= [a] root_1 |\n");
    CHECK(parse_gbnf("root ::= \"a\"+").to_gbnf() == "root ::= [a] root_1\nroot_1 ::= [a] root_1 |\n");
    CHECK(parse_gbnf("root ::= (\"a\" | \"b\")?").to_gbnf() ==
          "root ::= root_2\nroot_1 ::= [a] | [b]\nroot_2 ::= root_1 |\n");
}

TEST_CASE("GBNF escapes: \\n \\t \\\\ \\\" \\xHH \\uHHHH and raw UTF-8", "[grammar]") {
    auto g = parse_gbnf("root ::= \"\\n\\t\\\\\\\"\\x41\\u00e9\xC3\xA9\"\n");
    std::vector<uint32_t> values;
    for (uint32_t pos = g.rule_start[g.root]; g.elements[pos].type != smollm::grammar::ElementType::End; ++pos) {
        values.push_back(g.elements[pos].value);
    }
    CHECK(values == std::vector<uint32_t>{'\n', '\t', '\\', '"', 'A', 0xE9, 0xE9});
}

TEST_CASE("GBNF syntax errors name line and column", "[grammar]") {
    auto e = error_of("root ::= \"a\"\nx ::= \"b\" )\n");
    CHECK(e.line() == 2);
    CHECK(e.column() == 11);
    CHECK(std::string(e.what()).find("line 2, column 11") != std::string::npos);

    e = error_of("root ::= \"abc\n");
    CHECK(std::string(e.what()).find("unterminated string literal at line 1, column 10") != std::string::npos);
    e = error_of("root ::= [a-\n");
    CHECK(std::string(e.what()).find("unterminated character class") != std::string::npos);
    e = error_of("root ::= (\"a\"\n");
    CHECK(std::string(e.what()).find("expecting ')'") != std::string::npos);
    e = error_of("root ::= \"\\q\"");
    CHECK(std::string(e.what()).find("unknown escape \\q at line 1, column 11") != std::string::npos);
    e = error_of("root ::= \"\\x4\"");
    CHECK(std::string(e.what()).find("hex digits") != std::string::npos);
    e = error_of("root = \"a\"");
    CHECK(std::string(e.what()).find("expecting ::=") != std::string::npos);
    e = error_of("root ::= * \"a\"");
    CHECK(std::string(e.what()).find("expecting an item before the repetition") != std::string::npos);
    e = error_of("root ::= \"a\"{x}");
    CHECK(std::string(e.what()).find("expecting an integer") != std::string::npos);
    e = error_of("root ::= \"a\"{3,2}");
    CHECK(std::string(e.what()).find("n < m") != std::string::npos);
    e = error_of("root ::= <[12]>");
    CHECK(std::string(e.what()).find("token references") != std::string::npos);
    e = error_of("root ::= \"a\"\nroot ::= \"b\"");
    CHECK(std::string(e.what()).find("defined twice at line 2, column 1") != std::string::npos);
}

TEST_CASE("GBNF semantic errors: undefined rule, no root, left recursion, never finishing", "[grammar]") {
    auto e = error_of("root ::= item\n");
    CHECK(std::string(e.what()) == "undefined rule 'item' at line 1, column 10");
    e = error_of("start ::= \"a\"\n");
    CHECK(std::string(e.what()) == "the grammar has no 'root' rule");
    e = error_of("root ::= expr\nexpr ::= expr \"+\" term | term\nterm ::= [0-9]\n");
    CHECK(std::string(e.what()).find("left recursion: expr -> expr") != std::string::npos);
    e = error_of("root ::= a\na ::= b? a \"x\"\nb ::= \"y\"\n");  // a can reach itself after an empty b
    CHECK(std::string(e.what()).find("left recursion") != std::string::npos);
    e = error_of("root ::= \"a\" root\n");
    CHECK(std::string(e.what()).find("rule 'root' can never finish") != std::string::npos);
    e = error_of("root ::= \"a\" | loop\nloop ::= \"b\" loop\n");
    CHECK(std::string(e.what()).find("rule 'loop' can never finish") != std::string::npos);
}

TEST_CASE("GBNF accepts CRLF line ends, comments and multi-line groups", "[grammar]") {
    auto g = parse_gbnf("# a grammar\r\nroot ::= (\r\n  \"a\" # first\r\n  | \"b\"\r\n)\r\n\r\n");
    CHECK(g.to_gbnf() == "root ::= root_1\nroot_1 ::= [a] | [b]\n");
}

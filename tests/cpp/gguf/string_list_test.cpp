// StringList: the packed string list GGUF string arrays (vocabularies, merges) are read into.
#include <catch.hpp>

#include <string>
#include <vector>

#include "gguf/string_list.h"

using smollm::StringList;

TEST_CASE("StringList keeps strings in order, empty ones and embedded NULs included", "[gguf][strings]") {
    StringList list;
    CHECK(list.empty());
    CHECK(list.begin() == list.end());
    const std::string nul("a\0b", 3);
    list.push_back("first");
    list.push_back("");
    list.push_back(nul);
    list.push_back("\xe2\x82\xac");
    REQUIRE(list.size() == 4);
    CHECK(list[0] == "first");
    CHECK(list[1].empty());
    CHECK(list[2] == nul);
    CHECK(list[3] == "\xe2\x82\xac");
    CHECK(list.text_bytes() == 5 + 0 + 3 + 3);
    std::vector<std::string> seen;
    for (std::string_view s : list) seen.emplace_back(s);
    CHECK(seen == std::vector<std::string>{"first", "", nul, "\xe2\x82\xac"});
    CHECK(list == seen);
}

TEST_CASE("StringList compares by content, and a copy is independent", "[gguf][strings]") {
    const StringList a{"x", "yz"};
    StringList b(std::vector<std::string>{"x", "yz"});
    CHECK(a == b);
    StringList c = a;
    c.push_back("w");
    CHECK(a != c);
    CHECK(a.size() == 2);
    // The same bytes split differently are different lists.
    CHECK(StringList{"xy", "z"} != a);
    CHECK_FALSE(StringList{"x"} == std::vector<std::string>{"x", "yz"});
}

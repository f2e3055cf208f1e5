// A JSON schema `pattern` (an ECMA-262 regular expression) -> GBNF for the JSON string
// literal whose decoded value the regex matches. What llama.cpp's json-schema-to-grammar
// converts is covered (literals, escapes, `.`, classes with ranges and negation, groups,
// alternation, `?` `*` `+` `{m,n}`), and two things it gets wrong are done right:
// - characters JSON must escape (`"`, `\`, controls) are written escaped, so the output is
//   always valid JSON (llama.cpp emits them raw, e.g. `.` can write a bare `"`);
// - an unanchored pattern matches anywhere in the string, as JSON schema says (llama.cpp then
//   gives up and accepts any string).
// Lookaround, backreferences, word boundaries, anchors inside the pattern, Unicode property
// escapes and the like have no grammar equivalent: they throw UnsupportedPattern naming the
// feature; a malformed regex throws InvalidPattern.
#pragma once
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace smollm::grammar {

struct UnsupportedPattern : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};
struct InvalidPattern : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

// add_rule(name, body) adds a helper rule and returns the name it got. char_rule() adds and
// names a rule for any one JSON string character (the converter's "char" primitive), used to
// pad unanchored patterns. Returns a GBNF expression, quotes included.
std::string regex_to_json_string_gbnf(std::string_view pattern, const std::string& name, const std::function<std::string()>& char_rule,
                                      const std::function<std::string(const std::string&, const std::string&)>& add_rule);

}  // namespace smollm::grammar

// What the schema tests share: a schema's grammar, whether it accepts a text, and the error a
// schema gives.
#pragma once
#include <memory>
#include <stdexcept>
#include <string>

#include <catch.hpp>

#include "grammar/gbnf_parser.h"
#include "grammar/grammar_matcher.h"
#include "grammar/json_schema_to_gbnf.h"

namespace smollm::grammar::test {

// The schema's grammar, compiled (the conversion must always give a valid grammar).
inline std::shared_ptr<const Grammar> compile_schema(const std::string& schema, JsonSchemaOptions options = {}) {
    const std::string gbnf = json_schema_to_gbnf(schema, options);
    INFO(gbnf);
    return std::make_shared<const Grammar>(parse_gbnf(gbnf));
}

inline bool accepts(const std::shared_ptr<const Grammar>& g, const std::string& text) {
    GrammarMatcher m(g);
    return m.accept_text(text) && m.can_end();
}

// The conversion's error message, "" when there is none.
inline std::string schema_error(const std::string& schema, JsonSchemaOptions options = {}) {
    try {
        json_schema_to_gbnf(schema, options);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "";
}

}  // namespace smollm::grammar::test

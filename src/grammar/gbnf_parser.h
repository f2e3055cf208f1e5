// GBNF text -> Grammar, with llama.cpp's syntax and rewriting rules (so a grammar accepts
// exactly what it accepts in llama.cpp): rules `name ::= ...` one per line, `|`, groups,
// `?` `*` `+` `{m}` `{m,}` `{m,n}`, "literals" and [classes] with escapes
// (\n \r \t \\ \" \[ \] \- \xHH \uHHHH \UHHHHHHHH), `.`, `#` comments.
#pragma once
#include <string_view>

#include "grammar/grammar.h"

namespace smollm::grammar {

// Throws GrammarError naming line and column for syntax errors, and naming the rule for an
// undefined rule, a missing `root`, left recursion, or a rule that can never finish.
// Token references (`<[id]>`, `<tok>`) are not supported (an error says so).
Grammar parse_gbnf(std::string_view text);

}  // namespace smollm::grammar

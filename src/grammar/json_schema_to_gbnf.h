// JSON schema -> GBNF, following llama.cpp's json-schema-to-grammar (the rules it emits and
// their whitespace), so a schema constrains output as it does there: $ref into the same
// document ($defs, definitions, any JSON pointer), anyOf / oneOf, allOf (object merge, enum
// intersection), const, enum, type (also a list of types), object properties with required
// and optional ones and additionalProperties, arrays (items, prefixItems, minItems,
// maxItems), strings (minLength, maxLength, pattern (regex_to_gbnf.h), format date / time /
// date-time / uuid), integer minimum / maximum / exclusiveMinimum / exclusiveMaximum, number,
// boolean, null.
#pragma once
#include <stdexcept>
#include <string>
#include <string_view>

namespace smollm {
class JsonValue;
}

namespace smollm::grammar {

struct JsonSchemaOptions {
    // Keywords the converter cannot enforce (e.g. "multipleOf", "uniqueItems", a pattern using
    // lookaround) are errors naming them unless this is set; then they are ignored, as
    // llama.cpp ignores them (a pattern it cannot convert then accepts any string).
    bool ignore_unsupported = false;
};

// Throws std::invalid_argument naming the keyword and its place ("#/properties/a: ...").
std::string json_schema_to_gbnf(const JsonValue& schema, const JsonSchemaOptions& options = {});
std::string json_schema_to_gbnf(std::string_view schema_json, const JsonSchemaOptions& options = {});

}  // namespace smollm::grammar

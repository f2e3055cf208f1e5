#include <memory>
#include <string>

#include <catch.hpp>

#include "grammar/json_schema_to_gbnf.h"
#include "schema_test_helpers.h"

using namespace smollm::grammar;
using namespace smollm::grammar::test;

TEST_CASE("schema: required and optional properties, nested objects and arrays", "[grammar]") {
    const auto g = compile_schema(R"({"type": "object", "properties": {
        "name": {"type": "string"},
        "age": {"type": "integer"},
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 2},
        "address": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}},
        "required": ["name", "address"]})");
    CHECK(accepts(g, R"({"name": "Ada", "address": {"city": "London"}})"));
    // Required properties come first, then the optional ones, each in schema order (as llama.cpp).
    CHECK(accepts(g, R"({ "name":"Ada", "address": {"city": "x"}, "age": 36, "tags": ["a", "b"] })"));
    CHECK(accepts(g, R"({"name": "Ada", "address": {"city": "x"}, "tags": ["a"]})"));
    CHECK(!accepts(g, R"({"name": "Ada", "address": {"city": "x"}, "tags": ["a"], "age": 1})"));
    CHECK(accepts(g, "{\n  \"name\": \"A\",\n  \"address\": {\"city\": \"\"},\n  \"tags\": [\"x\"]\n}"));
    CHECK(!accepts(g, R"({"name": "Ada"})"));                                          // address required
    CHECK(!accepts(g, R"({"address": {"city": "x"}, "name": "Ada"})"));                // llama.cpp keeps order
    CHECK(!accepts(g, R"({"name": "A", "address": {"city": "x"}, "tags": []})"));      // minItems
    CHECK(!accepts(g, R"({"name": "A", "address": {"city": "x"}, "tags": ["a","b","c"]})"));  // maxItems
    CHECK(!accepts(g, R"({"name": "A", "address": {"city": "x"}, "age": 1.5})"));
    CHECK(!accepts(g, R"({"name": "A", "address": {"city": "x"}, "extra": 1})"));
}

TEST_CASE("schema: additionalProperties", "[grammar]") {
    const auto closed = compile_schema(R"({"type": "object", "properties": {"a": {"type": "integer"}}, "additionalProperties": false})");
    CHECK(accepts(closed, R"({"a": 1})"));
    CHECK(accepts(closed, R"({})"));
    CHECK(!accepts(closed, R"({"b": 1})"));
    const auto typed = compile_schema(R"({"type": "object", "properties": {"a": {"type": "integer"}}, "additionalProperties": {"type": "boolean"}})");
    CHECK(accepts(typed, R"({"a": 1, "b": true, "ab": false})"));
    CHECK(accepts(typed, R"({"b": true})"));
    CHECK(!accepts(typed, R"({"a": true})"));  // "a" is not an additional key
    CHECK(!accepts(typed, R"({"b": 1})"));
    const auto any = compile_schema(R"({"type": "object"})");
    CHECK(accepts(any, R"({"x": [1, {"y": null}]})"));
    CHECK(!accepts(any, "[]"));
}

TEST_CASE("schema: enum, const, anyOf / oneOf, type lists, boolean and null", "[grammar]") {
    const auto g = compile_schema(R"({"type": "object", "properties": {
        "color": {"enum": ["red", "green", 3, null]},
        "kind": {"const": "fixed"},
        "either": {"anyOf": [{"type": "boolean"}, {"type": "null"}]},
        "one": {"oneOf": [{"type": "number"}, {"type": "string", "maxLength": 1}]},
        "many": {"type": ["integer", "null"]}},
        "required": ["color", "kind", "either", "one", "many"]})");
    CHECK(accepts(g, R"({"color": "red", "kind": "fixed", "either": true, "one": -1.5e3, "many": null})"));
    CHECK(accepts(g, R"({"color": 3, "kind": "fixed", "either": null, "one": "x", "many": 7})"));
    CHECK(!accepts(g, R"({"color": "blue", "kind": "fixed", "either": true, "one": 1, "many": 1})"));
    const auto numbers = compile_schema(R"({"enum": [0.1, -2.5e-7, 1e21, 42]})");
    CHECK(accepts(numbers, "0.1"));
    CHECK(accepts(numbers, "-2.5e-07"));  // written as C's %g writes it
    CHECK(accepts(numbers, "42"));
    CHECK(!accepts(numbers, "0.10"));
    CHECK(!accepts(g, R"({"color": "red", "kind": "other", "either": true, "one": 1, "many": 1})"));
    CHECK(!accepts(g, R"({"color": "red", "kind": "fixed", "either": 1, "one": 1, "many": 1})"));
    CHECK(!accepts(g, R"({"color": "red", "kind": "fixed", "either": true, "one": "xy", "many": 1})"));
    CHECK(!accepts(g, R"({"color": "red", "kind": "fixed", "either": true, "one": 1, "many": 1.5})"));
}

TEST_CASE("schema: $ref into $defs / definitions, recursive refs and allOf", "[grammar]") {
    const auto g = compile_schema(R"({"$defs": {"node": {"type": "object", "properties": {
            "v": {"type": "integer"}, "next": {"anyOf": [{"$ref": "#/$defs/node"}, {"type": "null"}]}},
            "required": ["v", "next"]}},
        "$ref": "#/$defs/node"})");
    CHECK(accepts(g, R"({"v": 1, "next": {"v": 2, "next": null}})"));
    CHECK(!accepts(g, R"({"v": 1, "next": {"v": 2}})"));
    const auto old = compile_schema(R"({"definitions": {"n": {"type": "integer"}}, "type": "array", "items": {"$ref": "#/definitions/n"}})");
    CHECK(accepts(old, "[1, 2, 3]"));
    CHECK(!accepts(old, "[1, \"2\"]"));
    const auto all = compile_schema(R"({"allOf": [{"properties": {"a": {"type": "integer"}}},
                                                  {"anyOf": [{"properties": {"b": {"type": "string"}}}]}]})");
    CHECK(accepts(all, R"({"a": 1, "b": "x"})"));
    CHECK(accepts(all, R"({"a": 1})"));
    CHECK(!accepts(all, R"({"b": "x"})"));
    const auto escaped = compile_schema(R"({"$defs": {"a/b~c": {"type": "null"}}, "$ref": "#/$defs/a~1b~0c"})");
    CHECK(accepts(escaped, "null"));
    CHECK(!accepts(escaped, "1"));
    CHECK(schema_error(R"({"$ref": "#/$defs/missing"})").find("cannot resolve $ref '#/$defs/missing'") != std::string::npos);
    CHECK(schema_error(R"({"$ref": "https://example.com/s.json"})").find("only references into the same document") != std::string::npos);
}

TEST_CASE("schema: string lengths and formats", "[grammar]") {
    const auto len = compile_schema(R"({"type": "string", "minLength": 2, "maxLength": 3})");
    CHECK(!accepts(len, R"("a")"));
    CHECK(accepts(len, R"("ab")"));
    CHECK(accepts(len, R"("a\n\u00e9")"));
    CHECK(!accepts(len, R"("abcd")"));
    const auto date = compile_schema(R"({"type": "string", "format": "date"})");
    CHECK(accepts(date, R"("2024-02-29")"));
    CHECK(!accepts(date, R"("2024-13-01")"));
    const auto time = compile_schema(R"({"type": "string", "format": "time"})");
    CHECK(accepts(time, R"("23:59:01.123Z")"));
    CHECK(!accepts(time, R"("24:00:00Z")"));
    const auto dt = compile_schema(R"({"type": "string", "format": "date-time"})");
    CHECK(accepts(dt, R"("2024-01-02T03:04:05+01:00")"));
    const auto uuid = compile_schema(R"({"type": "string", "format": "uuid"})");
    CHECK(accepts(uuid, R"("123e4567-e89b-12d3-a456-426614174000")"));
    CHECK(!accepts(uuid, R"("123e4567")"));
}

TEST_CASE("schema: integer bounds accept exactly the integers in range", "[grammar]") {
    struct Range {
        const char* schema;
        int64_t lo, hi;
    };
    const Range ranges[] = {
        {R"({"type": "integer", "minimum": 0, "maximum": 9})", 0, 9},
        {R"({"type": "integer", "minimum": 7, "maximum": 123})", 7, 123},
        {R"({"type": "integer", "minimum": -42, "maximum": 17})", -42, 17},
        {R"({"type": "integer", "minimum": -120, "maximum": -3})", -120, -3},
        {R"({"type": "integer", "exclusiveMinimum": 10, "exclusiveMaximum": 100})", 11, 99},
        {R"({"type": "integer", "minimum": 1.5, "maximum": 20.5})", 2, 20},
        {R"({"type": "integer", "minimum": 95})", 95, 9999999999999999},
        {R"({"type": "integer", "maximum": -5})", -9999999999999999, -5},
    };
    for (const Range& r : ranges) {
        INFO(r.schema);
        const auto g = compile_schema(r.schema);
        for (int64_t n = -250; n <= 250; ++n) {
            INFO(n);
            CHECK(accepts(g, std::to_string(n)) == (n >= r.lo && n <= r.hi));
        }
        CHECK(!accepts(g, "007"));
        CHECK(!accepts(g, "-0"));
    }
    CHECK(schema_error(R"({"type": "integer", "minimum": 5, "maximum": 4})").find("no integer lies between") != std::string::npos);
}

TEST_CASE("schema: unsupported keywords are errors naming them unless ignored", "[grammar]") {
    CHECK(schema_error(R"({"type": "object", "properties": {"a": {"type": "string", "pattern": "^(?=a)a$"}}})") ==
          "JSON schema #/properties/a: unsupported pattern \"^(?=a)a$\": at offset 1: lookahead is not supported");
    CHECK(schema_error(R"({"type": "array", "uniqueItems": true})").find("unsupported keyword 'uniqueItems'") != std::string::npos);
    CHECK(schema_error(R"({"not": {"type": "string"}})").find("#: unsupported keyword 'not'") != std::string::npos);
    CHECK(schema_error(R"({"type": "number", "minimum": 0})").find("unsupported keyword 'minimum' on a number") != std::string::npos);
    CHECK(schema_error(R"({"type": "string", "format": "email"})").find("unsupported format 'email'") != std::string::npos);
    CHECK(schema_error(R"({"type": "integer", "minItems": "x"})").find("unsupported") == std::string::npos);
    CHECK(schema_error(R"({"type": "widget"})").find("unrecognized type 'widget'") != std::string::npos);
    CHECK(schema_error("{").find("not valid JSON") != std::string::npos);
    JsonSchemaOptions ignore;
    ignore.ignore_unsupported = true;
    const auto g = compile_schema(R"({"type": "array", "uniqueItems": true, "items": {"type": "string", "pattern": "^a\\b$"}})", ignore);
    CHECK(accepts(g, R"(["b", "b"])"));
    CHECK(schema_error(R"({"title": "T", "description": "d", "$schema": "x", "type": "null"})").empty());
}

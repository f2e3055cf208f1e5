#include "grammar/json_schema_to_gbnf.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>
#include <vector>

#include "grammar/regex_to_gbnf.h"
#include "util/json_value.h"

namespace smollm::grammar {
namespace {

// llama.cpp's whitespace between JSON items: none, a space, or up to two newlines and 20
// spaces / tabs of indentation.
const char* kSpaceRule = R"(| " " | "\n"{1,2} [ \t]{0,20})";

struct BuiltinRule {
    const char* content;
    std::vector<std::string> deps;
};

const std::map<std::string, BuiltinRule>& primitive_rules() {
    static const std::map<std::string, BuiltinRule> rules = {
        {"boolean", {R"(("true" | "false"))", {}}},
        {"decimal-part", {"[0-9]{1,16}", {}}},
        {"integral-part", {"[0] | [1-9] [0-9]{0,15}", {}}},
        {"number", {R"(("-"? integral-part) ("." decimal-part)? ([eE] [-+]? integral-part)?)", {"integral-part", "decimal-part"}}},
        {"integer", {R"(("-"? integral-part))", {"integral-part"}}},
        {"value", {"object | array | string | number | boolean | null", {"object", "array", "string", "number", "boolean", "null"}}},
        {"object", {R"("{" space ( string ":" space value ("," space string ":" space value)* )? space "}")", {"string", "value"}}},
        {"array", {R"("[" space ( value ("," space value)* )? space "]")", {"value"}}},
        {"uuid", {R"("\"" [0-9a-fA-F]{8} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{12} "\"")", {}}},
        {"char", {R"([^"\\\x7F\x00-\x1F] | [\\] (["\\bfnrt] | "u" [0-9a-fA-F]{4}))", {}}},
        {"string", {R"("\"" char* "\"")", {"char"}}},
        {"null", {R"("null")", {}}},
        {"date", {R"([0-9]{4} "-" ( "0" [1-9] | "1" [0-2] ) "-" ( "0" [1-9] | [1-2] [0-9] | "3" [0-1] ))", {}}},
        {"time", {R"(([01] [0-9] | "2" [0-3]) ":" [0-5] [0-9] ":" [0-5] [0-9] ( "." [0-9]{3} )? ( "Z" | ( "+" | "-" ) ( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] ))", {}}},
        {"date-time", {R"(date "T" time)", {"date", "time"}}},
        {"date-string", {R"("\"" date "\"")", {"date"}}},
        {"time-string", {R"("\"" time "\"")", {"time"}}},
        {"date-time-string", {R"("\"" date-time "\"")", {"date-time"}}},
    };
    return rules;
}

// Keywords that only describe (never constrain) and so are always fine to see.
const std::set<std::string>& annotation_keywords() {
    static const std::set<std::string> k = {"$schema", "$id", "$comment", "title", "description", "default",
                                            "examples", "deprecated", "readOnly", "writeOnly", "$defs",
                                            "definitions", "strict", "name"};
    return k;
}

// Keywords the converter enforces.
const std::set<std::string>& supported_keywords() {
    static const std::set<std::string> k = {"type", "properties", "required", "additionalProperties", "items",
                                            "prefixItems", "minItems", "maxItems", "enum", "const", "anyOf",
                                            "oneOf", "allOf", "$ref", "minLength", "maxLength", "format", "pattern",
                                            "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"};
    return k;
}

// `text` as a GBNF string literal.
std::string format_literal(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        switch (c) {
            case '\r': out += "\\r"; break;
            case '\n': out += "\\n"; break;
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            default: out += c;
        }
    }
    return out + "\"";
}

void dump_json(const JsonValue& v, std::string& out) {
    switch (v.kind) {
        case JsonValue::Kind::Null: out += "null"; break;
        case JsonValue::Kind::Bool: out += v.boolean ? "true" : "false"; break;
        case JsonValue::Kind::Number: {
            char buf[40];
            const double d = v.number;
            if (std::nearbyint(d) == d && std::fabs(d) < 9.2e18) {
                std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(d));
            } else {
                // The shortest form that reads back as the same double (wasm's libc++ has no
                // floating-point to_chars).
                for (int precision = 15; precision <= 17; ++precision) {
                    std::snprintf(buf, sizeof buf, "%.*g", precision, d);
                    if (std::strtod(buf, nullptr) == d) break;
                }
            }
            out += buf;
            break;
        }
        case JsonValue::Kind::String: out += json_quote(v.string); break;
        case JsonValue::Kind::Array:
            out += '[';
            for (size_t i = 0; i < v.array.size(); ++i) {
                if (i) out += ',';
                dump_json(v.array[i], out);
            }
            out += ']';
            break;
        case JsonValue::Kind::Object:
            out += '{';
            for (size_t i = 0; i < v.object.size(); ++i) {
                if (i) out += ',';
                out += json_quote(v.object[i].first);
                out += ':';
                dump_json(v.object[i].second, out);
            }
            out += '}';
            break;
    }
}

std::string constant_rule(const JsonValue& v) {
    std::string dumped;
    dump_json(v, dumped);
    return format_literal(dumped);
}

std::string escape_rule_name(const std::string& name) {
    std::string out;
    bool in_bad = false;
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
        if (ok) {
            out += c;
            in_bad = false;
        } else if (!in_bad) {
            out += '-';
            in_bad = true;
        }
    }
    return out;
}

// Items separated by `separator`, between min_items and max_items times (max -1: no bound),
// written as llama.cpp writes it.
std::string build_repetition(const std::string& item, int64_t min_items, int64_t max_items, const std::string& separator = "") {
    const bool has_max = max_items >= 0;
    if (max_items == 0) return "";
    if (min_items == 0 && max_items == 1) return item + "?";
    if (separator.empty()) {
        if (min_items == 1 && !has_max) return item + "+";
        if (min_items == 0 && !has_max) return item + "*";
        return item + "{" + std::to_string(min_items) + "," + (has_max ? std::to_string(max_items) : "") + "}";
    }
    std::string result = item + " " +
                         build_repetition("(" + separator + " " + item + ")", min_items == 0 ? 0 : min_items - 1,
                                          has_max ? max_items - 1 : -1);
    return min_items == 0 ? "(" + result + ")?" : result;
}

// Decimal strings of equal length, lo <= hi: GBNF for every string between them.
std::string digits_between(const std::string& lo, const std::string& hi) {
    if (lo == hi) return "\"" + lo + "\"";
    if (lo.size() == 1) return std::string("[") + lo[0] + "-" + hi[0] + "]";
    const std::string lo_rest = lo.substr(1), hi_rest = hi.substr(1);
    if (lo[0] == hi[0]) return std::string("\"") + lo[0] + "\" (" + digits_between(lo_rest, hi_rest) + ")";
    const size_t n = lo_rest.size();
    std::string out = std::string("\"") + lo[0] + "\" (" + digits_between(lo_rest, std::string(n, '9')) + ")";
    if (lo[0] + 1 <= hi[0] - 1) {
        out += std::string(" | [") + static_cast<char>(lo[0] + 1) + "-" + static_cast<char>(hi[0] - 1) + "] [0-9]{" +
               std::to_string(n) + "}";
    }
    return out + " | \"" + hi[0] + "\" (" + digits_between(std::string(n, '0'), hi_rest) + ")";
}

// Non-negative integers lo..hi without leading zeros.
std::string nonnegative_between(uint64_t lo, uint64_t hi) {
    std::vector<std::string> alts;
    std::string lo_s = std::to_string(lo);
    const std::string hi_s = std::to_string(hi);
    while (lo_s.size() < hi_s.size()) {
        alts.push_back(digits_between(lo_s, std::string(lo_s.size(), '9')));
        lo_s.assign(lo_s.size() + 1, '0');
        lo_s[0] = '1';
    }
    alts.push_back(digits_between(lo_s, hi_s));
    std::string out;
    for (const std::string& a : alts) out += (out.empty() ? "" : " | ") + a;
    return out;
}

// Integers in [lo, hi]. An open side is bounded by 16 digits, as llama.cpp's "integer" is.
std::string integer_between(int64_t lo, int64_t hi) {
    constexpr int64_t kOpen = 9999999999999999;  // 16 digits
    lo = std::max(lo, -kOpen);
    hi = std::min(hi, kOpen);
    std::vector<std::string> alts;
    if (lo < 0) {
        const uint64_t neg_hi = static_cast<uint64_t>(-lo), neg_lo = hi < 0 ? static_cast<uint64_t>(-hi) : 1;
        alts.push_back("\"-\" (" + nonnegative_between(neg_lo, neg_hi) + ")");
    }
    if (hi >= 0) alts.push_back(nonnegative_between(static_cast<uint64_t>(std::max<int64_t>(lo, 0)), static_cast<uint64_t>(hi)));
    std::string out;
    for (const std::string& a : alts) out += (out.empty() ? "" : " | ") + a;
    return out;
}

class Converter {
public:
    Converter(const JsonValue& root, const JsonSchemaOptions& options) : root_(root), options_(options) {
        rules_["space"] = kSpaceRule;
    }

    std::string visit(const JsonValue& schema, const std::string& name, const std::string& path) {
        if (!schema.is_object()) {
            if (schema.is_bool() && schema.boolean) return add_rule(rule_name_for(name), add_primitive("value"));
            fail(path, "a schema must be an object");
        }
        check_keywords(schema, path);
        const std::string rule_name = rule_name_for(name);
        if (const JsonValue* ref = schema.find("$ref")) return add_rule(rule_name, resolve_ref(*ref, path));
        const JsonValue* alts = schema.find("oneOf");
        const char* alts_key = "oneOf";
        if (!alts) {
            alts = schema.find("anyOf");
            alts_key = "anyOf";
        }
        if (alts) {
            if (!alts->is_array() || alts->array.empty()) fail(path + "/" + alts_key, "must be a non-empty array of schemas");
            std::string rule;
            for (size_t i = 0; i < alts->array.size(); ++i) {
                rule += (i ? " | " : "") + visit(alts->array[i], name + (name.empty() ? "alternative-" : "-") + std::to_string(i),
                                                 path + "/" + alts_key + "/" + std::to_string(i));
            }
            return add_rule(rule_name, rule);
        }
        const JsonValue* type = schema.find("type");
        if (type && type->is_array()) {
            if (type->array.empty()) fail(path, "type must not be empty");
            std::string rule;
            for (size_t i = 0; i < type->array.size(); ++i) {
                JsonValue alt = schema;
                for (auto& kv : alt.object) {
                    if (kv.first == "type") kv.second = type->array[i];
                }
                rule += (i ? " | " : "") + visit(alt, name + (name.empty() ? "alternative-" : "-") + std::to_string(i),
                                                 path + "/type/" + std::to_string(i));
            }
            return add_rule(rule_name, rule);
        }
        if (const JsonValue* c = schema.find("const")) return add_rule(rule_name, constant_rule(*c));
        if (const JsonValue* e = schema.find("enum")) {
            if (!e->is_array() || e->array.empty()) fail(path, "enum must be a non-empty array");
            std::string rule = "(";
            for (size_t i = 0; i < e->array.size(); ++i) rule += (i ? " | " : "") + constant_rule(e->array[i]);
            return add_rule(rule_name, rule + ")");
        }
        if (type && !type->is_string()) fail(path, "type must be a string or an array of strings");
        const std::string type_name = type ? type->string : "";
        const JsonValue* additional = schema.find("additionalProperties");
        const bool has_properties =
            schema.find("properties") || (additional && !(additional->is_bool() && additional->boolean));
        if (type_name.empty()) {
            if (has_properties) return visit_object(schema, name, rule_name, path);
            if (schema.find("allOf")) return visit_all_of(schema, name, rule_name, path);
            if (schema.find("items") || schema.find("prefixItems")) return visit_array(schema, name, rule_name, path);
            if (schema.find("pattern") || schema.find("minLength") || schema.find("maxLength") ||
                string_format(schema, path)) {
                return visit_string(schema, rule_name, path);
            }
            return add_rule(rule_name, add_primitive("value"));
        }
        if (type_name == "object") {
            if (!has_properties && schema.find("allOf")) return visit_all_of(schema, name, rule_name, path);
            return visit_object(schema, name, rule_name, path);
        }
        if (type_name == "string") {
            if (schema.find("allOf")) return visit_all_of(schema, name, rule_name, path);
            return visit_string(schema, rule_name, path);
        }
        if (type_name == "array") return visit_array(schema, name, rule_name, path);
        if (type_name == "integer") return visit_integer(schema, rule_name, path);
        if (type_name == "number" || type_name == "boolean" || type_name == "null") return visit_primitive(rule_name, type_name);
        fail(path, "unrecognized type '" + type_name + "'");
    }

    std::string format_grammar() const {
        std::string out;
        for (const auto& [name, rule] : rules_) out += name + " ::= " + rule + "\n";
        return out;
    }

private:
    [[noreturn]] static void fail(const std::string& path, const std::string& message) {
        throw std::invalid_argument("JSON schema " + path + ": " + message);
    }

    static std::string rule_name_for(const std::string& name) {
        if (name.empty()) return "root";
        if (name == "root" || primitive_rules().count(name)) return name + "-";
        return name;
    }

    void check_keywords(const JsonValue& schema, const std::string& path) const {
        if (options_.ignore_unsupported) return;
        for (const auto& kv : schema.object) {
            if (!supported_keywords().count(kv.first) && !annotation_keywords().count(kv.first)) {
                fail(path, "unsupported keyword '" + kv.first + "' (set ignore_unsupported to let it pass unenforced)");
            }
        }
        if (const JsonValue* t = schema.find("type"); t && t->is_string() && t->string == "number") {
            for (const char* k : {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}) {
                if (schema.find(k)) fail(path, std::string("unsupported keyword '") + k + "' on a number (only integers can be bounded)");
            }
        }
    }

    std::string add_rule(const std::string& name, const std::string& rule) {
        const std::string esc = escape_rule_name(name);
        auto it = rules_.find(esc);
        if (it == rules_.end() || it->second == rule) {
            rules_[esc] = rule;
            return esc;
        }
        int i = 0;
        while (rules_.count(esc + std::to_string(i)) && rules_[esc + std::to_string(i)] != rule) ++i;
        const std::string key = esc + std::to_string(i);
        rules_[key] = rule;
        return key;
    }

    std::string add_primitive(const std::string& name, const std::string& primitive) {
        const BuiltinRule& rule = primitive_rules().at(primitive);
        const std::string n = add_rule(name, rule.content);
        for (const std::string& dep : rule.deps) {
            if (!rules_.count(dep)) add_primitive(dep, dep);
        }
        return n;
    }
    std::string add_primitive(const std::string& name) { return add_primitive(name, name); }

    std::string visit_primitive(const std::string& rule_name, const std::string& type) {
        return add_primitive(rule_name == "root" ? "root" : type, type);
    }

    // "#/$defs/a" style pointers into the same document.
    const JsonValue& resolve_pointer(const std::string& ref, const std::string& path) const {
        if (ref.rfind("#/", 0) != 0 && ref != "#") {
            fail(path, "unsupported $ref '" + ref + "' (only references into the same document are supported)");
        }
        const JsonValue* target = &root_;
        size_t pos = 2;
        while (pos <= ref.size() && ref.size() > 1) {
            size_t end = ref.find('/', pos);
            if (end == std::string::npos) end = ref.size();
            std::string token;  // with the pointer escapes ~1 ("/") and ~0 ("~") undone
            for (size_t i = pos; i < end; ++i) {
                if (ref[i] == '~' && i + 1 < end && (ref[i + 1] == '0' || ref[i + 1] == '1')) {
                    token += ref[++i] == '1' ? '/' : '~';
                } else {
                    token += ref[i];
                }
            }
            const JsonValue* next = nullptr;
            if (target->is_object()) {
                next = target->find(token);
            } else if (target->is_array() && !token.empty() &&
                       std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; })) {
                const size_t index = std::stoul(token);
                if (index < target->array.size()) next = &target->array[index];
            }
            if (!next) fail(path, "cannot resolve $ref '" + ref + "': '" + token + "' not found");
            target = next;
            pos = end + 1;
        }
        return *target;
    }

    std::string resolve_ref(const JsonValue& ref_value, const std::string& path) {
        if (!ref_value.is_string()) fail(path, "$ref must be a string");
        const std::string& ref = ref_value.string;
        const size_t hash = ref.find('#');
        const std::string fragment = hash == std::string::npos ? ref : ref.substr(hash + 1);
        std::string ref_name = "ref" + escape_rule_name(fragment);
        const JsonValue& target = resolve_pointer(ref, path);
        if (!rules_.count(ref_name) && !refs_in_progress_.count(ref)) {
            refs_in_progress_.insert(ref);
            ref_name = visit(target, ref_name, ref);
            refs_in_progress_.erase(ref);
        }
        return ref_name;
    }

    const JsonValue* string_format(const JsonValue& schema, const std::string& path) const {
        const JsonValue* f = schema.find("format");
        if (!f) return nullptr;
        if (!f->is_string()) fail(path, "format must be a string");
        const std::string& s = f->string;
        const bool known = s == "date" || s == "time" || s == "date-time" || s == "uuid" ||
                           (s.size() == 5 && s.rfind("uuid", 0) == 0 && s[4] >= '1' && s[4] <= '5');
        if (!known && !options_.ignore_unsupported) {
            fail(path, "unsupported format '" + s + "' (supported: date, time, date-time, uuid)");
        }
        return known ? f : nullptr;
    }

    static int64_t count(const JsonValue& schema, const char* key, const std::string& path, int64_t fallback) {
        const JsonValue* v = schema.find(key);
        if (!v) return fallback;
        if (!v->is_number() || v->number < 0 || std::nearbyint(v->number) != v->number || v->number > 1e9) {
            fail(path, std::string(key) + " must be a non-negative integer");
        }
        return static_cast<int64_t>(v->number);
    }

    std::string visit_string(const JsonValue& schema, const std::string& rule_name, const std::string& path) {
        if (const JsonValue* pattern = schema.find("pattern")) {
            if (std::string rule = visit_pattern(schema, *pattern, rule_name, path); !rule.empty()) return rule;
        }
        if (const JsonValue* f = string_format(schema, path)) {
            if (f->string.rfind("uuid", 0) == 0) return visit_primitive(rule_name, "uuid");
            const std::string primitive = f->string + "-string";
            return add_rule(rule_name, add_primitive(primitive));
        }
        const int64_t min_len = count(schema, "minLength", path, 0), max_len = count(schema, "maxLength", path, -1);
        if (min_len > 0 || max_len >= 0) {
            if (max_len >= 0 && max_len < min_len) fail(path, "maxLength is below minLength");
            const std::string char_rule = add_primitive("char");
            return add_rule(rule_name, "\"\\\"\" " + build_repetition(char_rule, min_len, max_len) + " \"\\\"\"");
        }
        return visit_primitive(rule_name, "string");
    }

    // The pattern's rule, or "" when its regex feature is unsupported and the caller asked to
    // ignore what cannot be enforced (then the string's other keywords apply, as in llama.cpp).
    std::string visit_pattern(const JsonValue& schema, const JsonValue& pattern, const std::string& rule_name,
                              const std::string& path) {
        if (!pattern.is_string()) fail(path, "pattern must be a string");
        for (const char* other : {"minLength", "maxLength", "format"}) {
            if (schema.find(other) && !options_.ignore_unsupported) {
                fail(path, std::string("unsupported keyword '") + other + "' together with 'pattern'");
            }
        }
        const auto saved_rules = rules_;
        try {
            return add_rule(rule_name, regex_to_json_string_gbnf(pattern.string, rule_name, [this] { return add_primitive("char"); },
                                                                 [this](const std::string& n, const std::string& body) {
                                                                     return add_rule(n, body);
                                                                 }));
        } catch (const UnsupportedPattern& e) {
            rules_ = saved_rules;
            if (!options_.ignore_unsupported) fail(path, "unsupported pattern " + json_quote(pattern.string) + ": " + e.what());
        } catch (const InvalidPattern& e) {
            fail(path, "invalid pattern " + json_quote(pattern.string) + ": " + e.what());
        }
        return "";
    }

    std::string visit_integer(const JsonValue& schema, const std::string& rule_name, const std::string& path) {
        auto bound = [&](const char* key, bool round_up) -> double {
            const JsonValue* v = schema.find(key);
            if (!v->is_number()) fail(path, std::string(key) + " must be a number");
            if (std::fabs(v->number) > 9e15) fail(path, std::string(key) + " is beyond 16 digits");
            return round_up ? std::ceil(v->number) : std::floor(v->number);
        };
        int64_t lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
        if (schema.find("minimum")) {
            lo = static_cast<int64_t>(bound("minimum", true));
        } else if (schema.find("exclusiveMinimum")) {
            lo = static_cast<int64_t>(bound("exclusiveMinimum", false)) + 1;
        }
        if (schema.find("maximum")) {
            hi = static_cast<int64_t>(bound("maximum", false));
        } else if (schema.find("exclusiveMaximum")) {
            hi = static_cast<int64_t>(bound("exclusiveMaximum", true)) - 1;
        }
        if (lo == std::numeric_limits<int64_t>::min() && hi == std::numeric_limits<int64_t>::max()) {
            return visit_primitive(rule_name, "integer");
        }
        if (lo > hi) fail(path, "no integer lies between the minimum and the maximum");
        return add_rule(rule_name, "(" + integer_between(lo, hi) + ")");
    }

    std::string visit_array(const JsonValue& schema, const std::string& name, const std::string& rule_name,
                            const std::string& path) {
        const std::string sub = name + (name.empty() ? "" : "-");
        const char* key = schema.find("items") ? "items" : "prefixItems";
        const JsonValue* items = schema.find(key);
        if (items && items->is_array()) {
            std::string rule = "\"[\" space ";
            for (size_t i = 0; i < items->array.size(); ++i) {
                if (i) rule += " \",\" space ";
                rule += visit(items->array[i], sub + "tuple-" + std::to_string(i), path + "/" + key + "/" + std::to_string(i));
            }
            return add_rule(rule_name, rule + " space \"]\"");
        }
        const int64_t min_items = count(schema, "minItems", path, 0), max_items = count(schema, "maxItems", path, -1);
        if (max_items >= 0 && max_items < min_items) fail(path, "maxItems is below minItems");
        const bool any_item = !items || (items->is_object() && items->object.empty()) || (items->is_bool() && items->boolean);
        if (any_item && min_items == 0 && max_items < 0) return visit_primitive(rule_name, "array");
        const std::string item_rule = any_item ? add_primitive("value") : visit(*items, sub + "item", path + "/items");
        return add_rule(rule_name, "\"[\" space " + build_repetition(item_rule, min_items, max_items, "\",\" space") + " space \"]\"");
    }

    using Properties = std::vector<std::pair<std::string, const JsonValue*>>;

    std::string visit_object(const JsonValue& schema, const std::string& name, const std::string& rule_name,
                             const std::string& path) {
        std::set<std::string> required;
        if (const JsonValue* r = schema.find("required"); r && r->is_array()) {
            for (const JsonValue& v : r->array) {
                if (v.is_string()) required.insert(v.string);
            }
        }
        Properties properties;
        const JsonValue* props = schema.find("properties");
        if (props) {
            if (!props->is_object()) fail(path, "properties must be an object");
            for (const auto& kv : props->object) properties.emplace_back(kv.first, &kv.second);
        }
        const JsonValue* additional = schema.find("additionalProperties");
        static const JsonValue kAny = [] {
            JsonValue v;
            v.kind = JsonValue::Kind::Object;
            return v;
        }();
        const JsonValue* additional_schema = nullptr;
        if (additional) {
            if (additional->is_bool()) {
                if (additional->boolean) additional_schema = &kAny;
            } else if (additional->is_object()) {
                additional_schema = additional;
            } else {
                fail(path, "additionalProperties must be a boolean or a schema");
            }
        } else if (!props) {
            additional_schema = &kAny;  // {"type": "object"} alone: any object
        }
        if (properties.empty() && additional_schema == &kAny) return add_rule(rule_name, add_primitive("object"));
        return add_rule(rule_name, build_object_rule(properties, required, name, additional_schema, path));
    }

    std::string visit_all_of(const JsonValue& schema, const std::string& name, const std::string& rule_name,
                             const std::string& path) {
        const JsonValue* all = schema.find("allOf");
        if (!all->is_array() || all->array.empty()) fail(path + "/allOf", "must be a non-empty array of schemas");
        std::set<std::string> required;
        Properties properties;
        std::map<std::string, size_t> enum_counts;
        std::function<void(const JsonValue&, bool)> add_component = [&](const JsonValue& c, bool is_required) {
            if (const JsonValue* ref = c.find("$ref"); ref && ref->is_string()) {
                add_component(resolve_pointer(ref->string, path), is_required);
            } else if (const JsonValue* p = c.find("properties"); p && p->is_object()) {
                for (const auto& kv : p->object) {
                    properties.emplace_back(kv.first, &kv.second);
                    if (is_required) required.insert(kv.first);
                }
            } else if (const JsonValue* e = c.find("enum"); e && e->is_array()) {
                for (const JsonValue& v : e->array) enum_counts[constant_rule(v)] += 1;
            }
        };
        for (const JsonValue& child : all->array) {
            if (const JsonValue* any = child.find("anyOf"); any && any->is_array()) {
                for (const JsonValue& alt : any->array) add_component(alt, false);
            } else {
                add_component(child, true);
            }
        }
        if (!enum_counts.empty()) {
            std::string rule;
            for (const auto& [literal, n] : enum_counts) {
                if (n == all->array.size()) rule += (rule.empty() ? "" : " | ") + literal;
            }
            if (!rule.empty()) return add_rule(rule_name, "(" + rule + ")");
        }
        return add_rule(rule_name, build_object_rule(properties, required, name, nullptr, path));
    }

    // A JSON string (with trailing space) that is none of `names`: a trie of the names, where
    // leaving the trie early, going past a name's end, or stopping inside a name is allowed.
    std::string not_strings_rule(const std::vector<std::string>& names) {
        struct Node {
            std::map<uint32_t, Node> children;
            bool end = false;
        };
        Node trie;
        for (const std::string& s : names) {
            Node* n = &trie;
            std::vector<uint32_t> cps;
            for (size_t i = 0; i < s.size();) {  // UTF-8 -> code points (names come from valid JSON)
                const uint8_t b = static_cast<uint8_t>(s[i]);
                const int len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
                uint32_t cp = len == 1 ? b : b & (0x3F >> (len - 1));
                for (int k = 1; k < len && i + static_cast<size_t>(k) < s.size(); ++k) cp = (cp << 6) | (static_cast<uint8_t>(s[i + static_cast<size_t>(k)]) & 0x3F);
                cps.push_back(cp);
                i += static_cast<size_t>(len);
            }
            for (uint32_t cp : cps) n = &n->children[cp];
            n->end = true;
        }
        const std::string char_rule = add_primitive("char");
        auto cls = [](uint32_t cp) {
            char buf[16];
            std::snprintf(buf, sizeof buf, "\\U%08X", cp);
            return std::string(buf);
        };
        std::function<std::string(const Node&)> rest = [&](const Node& node) {
            // Suffixes that make the key differ from every name below this node.
            std::string alts, excluded;
            for (const auto& [cp, child] : node.children) {
                excluded += cls(cp);
                alts += (alts.empty() ? "" : " | ") + std::string("[") + cls(cp) + "] (" + rest(child) + ")";
            }
            alts += (alts.empty() ? "" : " | ") + std::string("[^\"\\\\\\x7F\\x00-\\x1F") + excluded + "] " + char_rule + "*";
            alts += " | [\\\\] ([\"\\\\bfnrt] | \"u\" [0-9a-fA-F]{4}) " + char_rule + "*";
            if (!node.end) alts += " | ";  // stopping here is fine unless a name ends here
            return alts;
        };
        return "\"\\\"\" (" + rest(trie) + ") \"\\\"\" space";
    }

    std::string build_object_rule(const Properties& properties, const std::set<std::string>& required, const std::string& name,
                                  const JsonValue* additional, const std::string& path) {
        const std::string prefix = name + (name.empty() ? "" : "-");
        std::vector<std::string> required_props, optional_props, prop_names;
        std::unordered_map<std::string, std::string> kv_rules;
        for (const auto& [prop_name, prop_schema] : properties) {
            const std::string value_rule = visit(*prop_schema, prefix + prop_name, path + "/properties/" + prop_name);
            JsonValue key;
            key.kind = JsonValue::Kind::String;
            key.string = prop_name;
            kv_rules[prop_name] = add_rule(prefix + prop_name + "-kv", constant_rule(key) + " space \":\" space " + value_rule);
            (required.count(prop_name) ? required_props : optional_props).push_back(prop_name);
            prop_names.push_back(prop_name);
        }
        if (additional) {
            const std::string sub = prefix + "additional";
            const bool any = additional->is_object() && additional->object.empty();
            const std::string value_rule = any ? add_primitive("value") : visit(*additional, sub + "-value", path + "/additionalProperties");
            const std::string key_rule = prop_names.empty() ? add_primitive("string") : add_rule(sub + "-k", not_strings_rule(prop_names));
            kv_rules["*"] = add_rule(sub + "-kv", key_rule + " \":\" space " + value_rule);
            optional_props.push_back("*");
        }
        if (required_props.empty() && optional_props.empty()) return "\"{\" space \"}\"";
        std::string rule = "\"{\" space ";
        for (size_t i = 0; i < required_props.size(); ++i) rule += (i ? " \",\" space " : "") + kv_rules[required_props[i]];
        if (!optional_props.empty()) {
            rule += " (";
            if (!required_props.empty()) rule += " \",\" space ( ";
            // Optional properties keep their order; any of them may come first.
            std::function<std::string(size_t, bool)> chain = [&](size_t from, bool first_is_optional) {
                const std::string& k = optional_props[from];
                const std::string& kv = kv_rules[k];
                const std::string comma_ref = "( \",\" space " + kv + " )";
                std::string res = first_is_optional ? comma_ref + (k == "*" ? "*" : "?")
                                                    : kv + (k == "*" ? " " + comma_ref + "*" : "");
                if (from + 1 < optional_props.size()) res += " " + add_rule(prefix + k + "-rest", chain(from + 1, true));
                return res;
            };
            for (size_t i = 0; i < optional_props.size(); ++i) rule += (i ? " | " : "") + chain(i, false);
            if (!required_props.empty()) rule += " )";
            rule += " )?";
        }
        return rule + " space \"}\"";
    }

    const JsonValue& root_;
    JsonSchemaOptions options_;
    std::map<std::string, std::string> rules_;
    std::set<std::string> refs_in_progress_;
};

}  // namespace

std::string json_schema_to_gbnf(const JsonValue& schema, const JsonSchemaOptions& options) {
    Converter converter(schema, options);
    converter.visit(schema, "", "#");
    return converter.format_grammar();
}

std::string json_schema_to_gbnf(std::string_view schema_json, const JsonSchemaOptions& options) {
    JsonValue schema;
    try {
        schema = json_parse(schema_json);
    } catch (const std::exception& e) {
        throw std::invalid_argument(std::string("JSON schema is not valid JSON: ") + e.what());
    }
    return json_schema_to_gbnf(schema, options);
}

}  // namespace smollm::grammar

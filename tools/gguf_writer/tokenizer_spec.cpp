#include "gguf_writer/tokenizer_spec.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "util/json_value.h"
#include "gguf_writer/synthetic_corpus.h"

namespace smollm::tools {

const char* const kChatMlTemplate =
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + "
    "'<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

namespace {

bool read_text(const std::string& path, std::string* out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::ostringstream ss;
    ss << in.rdbuf();
    *out = ss.str();
    return true;
}

std::string sibling(const std::string& path, const std::string& name) {
    const size_t slash = path.find_last_of('/');
    return (slash == std::string::npos ? std::string() : path.substr(0, slash + 1)) + name;
}

void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else {
        out += static_cast<char>(0xc0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    }
}

int64_t find_token(const TokenizerSpec& spec, const std::string& text) {
    for (size_t i = 0; i < spec.tokens.size(); ++i)
        if (spec.tokens[i] == text) return static_cast<int64_t>(i);
    return -1;
}

// SmolLM2-Instruct's special-token choices, for ChatML vocabularies without a config file.
void default_special_ids(TokenizerSpec& spec) {
    const int64_t endoftext = find_token(spec, "<|endoftext|>");
    const int64_t im_start = find_token(spec, "<|im_start|>");
    const int64_t im_end = find_token(spec, "<|im_end|>");
    if (im_start >= 0 && im_end >= 0) {
        spec.bos_id = im_start;
        spec.eos_id = im_end;
        spec.eot_id = im_end;
        spec.pad_id = im_end;
        spec.unk_id = endoftext;
    } else if (endoftext >= 0) {
        spec.bos_id = endoftext;
        spec.eos_id = endoftext;
        spec.unk_id = endoftext;
    }
}

// tokenizer_config.json names tokens either as a string or as {"content": "..."}.
std::string token_name_from_config(const JsonValue* v) {
    if (!v || v->is_null()) return "";
    if (v->is_string()) return v->string;
    if (const JsonValue* c = v->find("content"); c && c->is_string()) return c->string;
    return "";
}

void apply_tokenizer_config(TokenizerSpec& spec, const JsonValue& config, const std::string& path) {
    auto id_of = [&](const char* field) -> int64_t {
        const std::string name = token_name_from_config(config.find(field));
        if (name.empty()) return -1;
        const int64_t id = find_token(spec, name);
        if (id < 0) throw std::runtime_error(path + ": " + field + " '" + name + "' is not in the vocabulary");
        return id;
    };
    if (const int64_t id = id_of("bos_token"); id >= 0) spec.bos_id = id;
    if (const int64_t id = id_of("eos_token"); id >= 0) spec.eos_id = id;
    if (const int64_t id = id_of("pad_token"); id >= 0) spec.pad_id = id;
    if (const int64_t id = id_of("unk_token"); id >= 0) spec.unk_id = id;
    if (const JsonValue* b = config.find("add_bos_token"); b && b->is_bool()) spec.add_bos = b->boolean;
    if (const JsonValue* t = config.find("chat_template")) {
        if (t->is_string()) {
            spec.chat_template = t->string;
        } else if (t->is_array()) {
            // Named templates: llama.cpp stores the "default" one as tokenizer.chat_template.
            for (const auto& entry : t->array)
                if (const JsonValue* n = entry.find("name"); n && n->is_string() && n->string == "default")
                    spec.chat_template = entry.at("template").as_string();
        }
    }
}

// Which llama.cpp pre-tokenizer the tokenizer.json's pre_tokenizer corresponds to. Only the
// shapes this project meets are recognised; anything else is the caller's to name (--pre).
std::string detect_pre_tokenizer(const JsonValue& root) {
    const JsonValue* pre = root.find("pre_tokenizer");
    if (!pre || pre->is_null()) return "gpt2";
    const std::string type = pre->find("type") && pre->at("type").is_string() ? pre->at("type").string : "";
    if (type == "ByteLevel") return "gpt2";
    if (type == "Sequence") {
        bool digits = false, byte_level = false, split = false;
        for (const auto& p : pre->at("pretokenizers").array) {
            const std::string t = p.find("type") ? p.at("type").as_string() : "";
            if (t == "Digits") digits = true;
            if (t == "ByteLevel") byte_level = true;
            if (t == "Split") split = true;
        }
        if (digits && byte_level && !split) return "smollm";
        if (split && byte_level) return "llama-bpe";
    }
    return "gpt2";
}

bool looks_special(const std::string& t) {
    return t.size() >= 4 && t.compare(0, 2, "<|") == 0 && t.compare(t.size() - 2, 2, "|>") == 0;
}

}  // namespace

std::string byte_to_token_text(uint8_t byte) {
    // Printable bytes stand for themselves; the others are shifted past U+00FF in byte order.
    auto printable = [](uint32_t b) { return (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255); };
    uint32_t cp = byte;
    if (!printable(byte)) {
        uint32_t n = 0;
        for (uint32_t b = 0; b < byte; ++b)
            if (!printable(b)) ++n;
        cp = 256 + n;
    }
    std::string out;
    append_utf8(out, cp);
    return out;
}

void pad_vocabulary(TokenizerSpec& spec, uint32_t vocab_size) {
    if (vocab_size < spec.tokens.size())
        throw std::runtime_error("vocabulary size " + std::to_string(vocab_size) + " is smaller than the tokenizer's " +
                                 std::to_string(spec.tokens.size()) + " tokens");
    while (spec.tokens.size() < vocab_size) {
        spec.tokens.push_back("[PAD" + std::to_string(spec.tokens.size()) + "]");
        spec.token_types.push_back(TokenType::UserDefined);
    }
}

TokenizerSpec load_hf_tokenizer(const std::string& path) {
    std::string text;
    if (!read_text(path, &text)) throw std::runtime_error("cannot read tokenizer file " + path);
    JsonValue root;
    try {
        root = json_parse(text);
    } catch (const std::exception& e) {
        throw std::runtime_error(path + ": " + e.what());
    }
    const JsonValue* model = root.find("model");
    if (!model || !model->find("type") || model->at("type").string != "BPE")
        throw std::runtime_error(path + ": only BPE tokenizers (model.type \"BPE\") are supported");

    std::map<int64_t, std::string> by_id;
    for (const auto& [token, id] : model->at("vocab").object) by_id[id.as_int()] = token;
    std::map<int64_t, bool> added_special;
    if (const JsonValue* added = root.find("added_tokens")) {
        for (const auto& a : added->array) {
            const int64_t id = a.at("id").as_int();
            by_id[id] = a.at("content").as_string();
            const JsonValue* sp = a.find("special");
            added_special[id] = sp && sp->is_bool() && sp->boolean;
        }
    }
    if (by_id.empty()) throw std::runtime_error(path + ": empty vocabulary");
    if (by_id.begin()->first < 0) throw std::runtime_error(path + ": negative token id");
    const int64_t n = by_id.rbegin()->first + 1;

    TokenizerSpec spec;
    spec.pre = detect_pre_tokenizer(root);
    spec.tokens.resize(n);
    spec.token_types.assign(n, TokenType::Normal);
    for (int64_t id = 0; id < n; ++id) {
        auto it = by_id.find(id);
        if (it == by_id.end()) {
            spec.tokens[id] = "[PAD" + std::to_string(id) + "]";
            spec.token_types[id] = TokenType::UserDefined;
            continue;
        }
        spec.tokens[id] = it->second;
        auto sp = added_special.find(id);
        if (sp != added_special.end())
            spec.token_types[id] = sp->second || looks_special(it->second) ? TokenType::Control : TokenType::UserDefined;
    }
    for (const auto& m : model->at("merges").array) {
        // Older files store "a b", newer ones ["a", "b"].
        if (m.is_string()) spec.merges.push_back(m.string);
        else if (m.is_array() && m.array.size() == 2) spec.merges.push_back(m.array[0].as_string() + " " + m.array[1].as_string());
        else throw std::runtime_error(path + ": malformed merge entry");
    }

    default_special_ids(spec);
    std::string config_text;
    const std::string config_path = sibling(path, "tokenizer_config.json");
    if (read_text(config_path, &config_text)) {
        try {
            apply_tokenizer_config(spec, json_parse(config_text), config_path);
        } catch (const std::runtime_error& e) {
            throw std::runtime_error(config_path + ": " + e.what());
        }
    }
    if (spec.chat_template.empty()) read_text(sibling(path, "chat_template.jinja"), &spec.chat_template);
    return spec;
}

TokenizerSpec synthetic_bpe_tokenizer(uint32_t vocab_size) {
    TokenizerSpec spec;
    for (const char* s : {"<|endoftext|>", "<|im_start|>", "<|im_end|>"}) {
        spec.tokens.push_back(s);
        spec.token_types.push_back(TokenType::Control);
    }
    for (uint32_t b = 0; b < 256; ++b) {
        spec.tokens.push_back(byte_to_token_text(static_cast<uint8_t>(b)));
        spec.token_types.push_back(TokenType::Normal);
    }
    if (vocab_size < spec.tokens.size())
        throw std::runtime_error("a synthetic vocabulary needs at least " + std::to_string(spec.tokens.size()) + " tokens");

    // Learn merges the way BPE training does: words are runs of letters with their leading
    // space; repeatedly merge the most frequent adjacent pair (ties broken by text order so
    // the result is the same everywhere).
    std::map<std::vector<std::string>, uint32_t> words;
    {
        std::string corpus = kSyntheticCorpus;
        std::vector<std::string> word;
        auto flush = [&] {
            if (word.size() > 1) ++words[word];
            word.clear();
        };
        for (size_t i = 0; i < corpus.size(); ++i) {
            const char c = corpus[i];
            const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
            if (letter) {
                if (word.empty() && i > 0 && corpus[i - 1] == ' ') word.push_back(byte_to_token_text(' '));
                word.push_back(byte_to_token_text(static_cast<uint8_t>(c)));
            } else {
                flush();
            }
        }
        flush();
    }
    std::set<std::string> known(spec.tokens.begin(), spec.tokens.end());
    while (spec.tokens.size() < vocab_size) {
        std::map<std::pair<std::string, std::string>, uint32_t> pairs;
        for (const auto& [w, count] : words)
            for (size_t i = 0; i + 1 < w.size(); ++i) pairs[{w[i], w[i + 1]}] += count;
        const std::pair<std::string, std::string>* best = nullptr;
        uint32_t best_count = 0;
        for (const auto& [p, count] : pairs)
            if (count > best_count) best = &p, best_count = count;
        if (!best) break;
        const std::string left = best->first, right = best->second, merged = left + right;
        spec.merges.push_back(left + " " + right);
        // Two different pairs can spell the same piece; it is still one token.
        if (known.insert(merged).second) {
            spec.tokens.push_back(merged);
            spec.token_types.push_back(TokenType::Normal);
        }
        std::map<std::vector<std::string>, uint32_t> next;
        for (const auto& [w, count] : words) {
            std::vector<std::string> out;
            for (size_t i = 0; i < w.size(); ++i) {
                if (i + 1 < w.size() && w[i] == left && w[i + 1] == right) {
                    out.push_back(merged);
                    ++i;
                } else {
                    out.push_back(w[i]);
                }
            }
            next[out] += count;
        }
        words.swap(next);
    }
    pad_vocabulary(spec, vocab_size);
    default_special_ids(spec);
    spec.chat_template = kChatMlTemplate;
    return spec;
}

}  // namespace smollm::tools

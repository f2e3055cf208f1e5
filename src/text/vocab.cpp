#include "text/vocab.h"

#include <algorithm>
#include <span>
#include <stdexcept>

#include "gguf/gguf_reader.h"
#include "text/pre_tokenizer.h"
#include "text/special_texts.h"

namespace smollm {

namespace {

[[noreturn]] void bad_key(std::string_view key, std::string_view why) {
    throw std::runtime_error("tokenizer metadata: " + std::string(key) + " " + std::string(why));
}

std::optional<int64_t> optional_id(const GgufFile& file, std::string_view key) {
    if (!file.find(key)) return std::nullopt;
    int64_t v = 0;
    if (!file.get_i64(key, &v)) bad_key(key, "is not an integer");
    return v;
}

std::optional<bool> optional_bool(const GgufFile& file, std::string_view key) {
    if (!file.find(key)) return std::nullopt;
    bool v = false;
    if (!file.get_bool(key, &v)) bad_key(key, "is not a bool");
    return v;
}

uint32_t attr_for_type(int32_t type) {
    switch (static_cast<TokenType>(type)) {
        case TokenType::Normal: return kAttrNormal;
        case TokenType::Unknown: return kAttrUnknown;
        case TokenType::Control: return kAttrControl;
        case TokenType::UserDefined: return kAttrUserDefined;
        case TokenType::Unused: return kAttrUnused;
        case TokenType::Byte: return kAttrByte;
        case TokenType::Undefined: break;
    }
    return kAttrUndefined;
}

// Empty texts would match everywhere; llama.cpp renames them the same way.
StringList usable_texts(const StringList& tokens) {
    if (tokens.empty()) throw std::runtime_error("tokenizer metadata: tokenizer.ggml.tokens is empty");
    if (std::none_of(tokens.begin(), tokens.end(), [](std::string_view t) { return t.empty(); })) return tokens;
    StringList texts;
    texts.reserve(tokens.size());
    for (size_t i = 0; i < tokens.size(); ++i) {
        if (tokens[i].empty()) {
            texts.push_back("[EMPTY_" + std::to_string(i) + "]");
        } else {
            texts.push_back(tokens[i]);
        }
    }
    return texts;
}

}  // namespace

bool parse_byte_token(std::string_view text, uint8_t* byte) {
    if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') return false;
    int value = 0;
    for (size_t i = 3; i < 5; ++i) {
        const char c = text[i];
        const int digit = (c >= '0' && c <= '9') ? c - '0' : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
        if (digit < 0) return false;
        value = value * 16 + digit;
    }
    *byte = static_cast<uint8_t>(value);
    return true;
}

VocabSpec VocabSpec::from_gguf(const GgufFile& file) {
    VocabSpec spec;
    if (!file.find("tokenizer.ggml.model")) bad_key("tokenizer.ggml.model", "is missing");
    if (!file.get_string("tokenizer.ggml.model", &spec.model)) bad_key("tokenizer.ggml.model", "is not a string");
    if (file.find("tokenizer.ggml.pre") && !file.get_string("tokenizer.ggml.pre", &spec.pre)) {
        bad_key("tokenizer.ggml.pre", "is not a string");
    }

    const auto* tokens = file.get_string_array("tokenizer.ggml.tokens");
    if (!tokens) bad_key("tokenizer.ggml.tokens", file.find("tokenizer.ggml.tokens") ? "is not an array of strings" : "is missing");
    spec.tokens = *tokens;

    if (file.find("tokenizer.ggml.scores")) {
        const auto* scores = file.get_float_array("tokenizer.ggml.scores");
        const auto* iscores = scores ? nullptr : file.get_int_array("tokenizer.ggml.scores");
        if (!scores && !iscores) bad_key("tokenizer.ggml.scores", "is not an array of numbers");
        if (scores) {
            spec.scores.assign(scores->begin(), scores->end());
        } else {
            for (int64_t s : *iscores) spec.scores.push_back(static_cast<float>(s));
        }
    }
    if (file.find("tokenizer.ggml.token_type")) {
        const auto* types = file.get_int_array("tokenizer.ggml.token_type");
        if (!types) bad_key("tokenizer.ggml.token_type", "is not an array of integers");
        spec.token_types.assign(types->begin(), types->end());
    }
    if (file.find("tokenizer.ggml.merges")) {
        const auto* merges = file.get_string_array("tokenizer.ggml.merges");
        if (!merges) bad_key("tokenizer.ggml.merges", "is not an array of strings");
        spec.merges = *merges;
    }
    spec.bos_id = optional_id(file, "tokenizer.ggml.bos_token_id");
    spec.eos_id = optional_id(file, "tokenizer.ggml.eos_token_id");
    spec.eot_id = optional_id(file, "tokenizer.ggml.eot_token_id");
    spec.eom_id = optional_id(file, "tokenizer.ggml.eom_token_id");
    spec.unk_id = optional_id(file, "tokenizer.ggml.unknown_token_id");
    spec.add_bos = optional_bool(file, "tokenizer.ggml.add_bos_token");
    spec.add_space_prefix = optional_bool(file, "tokenizer.ggml.add_space_prefix");
    return spec;
}

Vocab::Vocab(const VocabSpec& spec) : texts_(usable_texts(spec.tokens)), index_(texts_) {
    const size_t n = texts_.size();
    if (n > static_cast<size_t>(INT32_MAX)) throw std::runtime_error("tokenizer metadata: too many tokens");
    if (!spec.scores.empty()) {
        if (spec.scores.size() < n) {
            throw std::runtime_error("tokenizer metadata: tokenizer.ggml.scores has " + std::to_string(spec.scores.size()) +
                                     " entries for " + std::to_string(n) + " tokens");
        }
        scores_.assign(spec.scores.begin(), spec.scores.begin() + static_cast<std::ptrdiff_t>(n));
    }
    attrs_.assign(n, kAttrNormal);
    if (!spec.token_types.empty()) {
        if (spec.token_types.size() < n) {
            throw std::runtime_error("tokenizer metadata: tokenizer.ggml.token_type has " +
                                     std::to_string(spec.token_types.size()) + " entries for " + std::to_string(n) + " tokens");
        }
        for (size_t i = 0; i < n; ++i) attrs_[i] = attr_for_type(spec.token_types[i]);
    }

    const bool is_spm = spec.model == "llama";
    bos_id_ = is_spm ? 1 : 11;
    eos_id_ = is_spm ? 2 : 11;
    unk_id_ = is_spm ? 0 : -1;
    for (int32_t* id : {&bos_id_, &eos_id_, &unk_id_}) {
        if (!valid(*id)) *id = -1;
    }
    const auto take = [&](const std::optional<int64_t>& given, int32_t* id) {
        if (given && *given >= 0 && *given < static_cast<int64_t>(n)) *id = static_cast<int32_t>(*given);
    };
    take(spec.bos_id, &bos_id_);
    take(spec.eos_id, &eos_id_);
    take(spec.unk_id, &unk_id_);

    if (is_spm) {
        add_bos_ = true;
    } else {
        bool llama3_family = false;
        pre_tokenizer_for_name(spec.pre, &llama3_family);
        add_bos_ = llama3_family;
    }
    if (spec.add_bos) add_bos_ = *spec.add_bos;

    detect_special_tokens(spec);
}

// The special texts are looked up in the index, never found by scanning the vocabulary: a
// scan of ~50k texts per name list was where WebKit 2.50 trapped at load, about once in 150
// loads on a busy 2-core machine ("Out of bounds memory access" in memcmp called from here;
// none in 600 loads with its loop on-stack replacement off, JSC_useWasmOSR=0, so a JSC tier-up
// fault). Lookups give the same ids and skip the scans.
void Vocab::detect_special_tokens(const VocabSpec& spec) {
    const int32_t n = size();
    // The lowest id whose text is one of `names`, marked control (llama.cpp picks by hash order).
    const auto detect = [&](std::span<const std::string_view> names) -> int32_t {
        int32_t lowest = -1;
        for (std::string_view name : names) {
            const std::vector<int32_t> ids = index_.find_all(name);   // highest first
            if (!ids.empty() && (lowest < 0 || ids.back() < lowest)) lowest = ids.back();
        }
        if (lowest >= 0) attrs_[static_cast<size_t>(lowest)] |= kAttrControl;
        return lowest;
    };
    const auto given = [&](const std::optional<int64_t>& id) -> int32_t {
        return id && *id >= 0 && *id < n ? static_cast<int32_t>(*id) : -1;
    };
    namespace st = special_texts;
    int32_t eot = given(spec.eot_id);
    if (eot < 0) eot = detect(st::kEndOfTurn);
    int32_t eom = given(spec.eom_id);
    if (eom < 0) eom = detect(st::kEndOfMessage);
    detect(st::kFimPrefix);
    detect(st::kFimSuffix);
    detect(st::kFimMiddle);
    const int32_t fim_pad = detect(st::kFimPad);
    const int32_t fim_rep = detect(st::kFimRepo);
    const int32_t fim_sep = detect(st::kFimSep);

    for (int32_t id = 0; id < n; ++id) {
        uint32_t& a = attrs_[static_cast<size_t>(id)];
        if ((a & kAttrControl) && texts_[static_cast<size_t>(id)].find("unused") != std::string_view::npos) a |= kAttrUnused;
    }

    eog_.assign(static_cast<size_t>(n), false);
    for (int32_t id : {fim_pad, fim_rep, fim_sep, eos_id_, eot, eom}) {
        if (valid(id)) eog_[static_cast<size_t>(id)] = true;
    }
    for (std::string_view name : special_texts::kEndOfGeneration) {
        for (int32_t id : index_.find_all(name)) {
            eog_[static_cast<size_t>(id)] = true;
            attrs_[static_cast<size_t>(id)] |= kAttrControl;
        }
    }
    for (int32_t id = 0; id < n; ++id) {
        if (attrs_[static_cast<size_t>(id)] & (kAttrControl | kAttrUserDefined | kAttrUnknown)) special_tokens_.push_back(id);
    }
    std::stable_sort(special_tokens_.begin(), special_tokens_.end(), [&](int32_t a, int32_t b) {
        return texts_[static_cast<size_t>(a)].size() > texts_[static_cast<size_t>(b)].size();
    });
    std::vector<bool> user_defined(special_tokens_.size());
    for (size_t rank = 0; rank < special_tokens_.size(); ++rank) {
        user_defined[rank] = !(attrs_[static_cast<size_t>(special_tokens_[rank])] & (kAttrControl | kAttrUnknown));
    }
    special_index_ = std::make_unique<SpecialTokenIndex>(texts_, special_tokens_, user_defined);
}

}  // namespace smollm

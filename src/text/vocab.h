// What both tokenizers share: token texts, attributes and scores, the special ids and the
// end-of-generation set, decided from GGUF metadata with llama.cpp's rules (its defaults,
// its token-type mapping and its name-based detection of end-of-turn tokens).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gguf/string_list.h"
#include "text/special_index.h"
#include "text/token_index.h"

namespace smollm {

class GgufFile;
class Tokenizer;

// tokenizer.ggml.token_type values.
enum class TokenType : int32_t { Undefined = 0, Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 };

// llama.cpp's token attributes (a bit set).
enum TokenAttr : uint32_t {
    kAttrUndefined = 0,
    kAttrUnknown = 1u << 0,
    kAttrUnused = 1u << 1,
    kAttrNormal = 1u << 2,
    kAttrControl = 1u << 3,
    kAttrUserDefined = 1u << 4,
    kAttrByte = 1u << 5,
};

// The tokenizer metadata of a GGUF file, or of a vocabulary a test builds by hand.
struct VocabSpec {
    std::string model;                   // tokenizer.ggml.model: "gpt2" or "llama"
    std::string pre;                     // tokenizer.ggml.pre
    StringList tokens;                   // tokenizer.ggml.tokens
    std::vector<float> scores;           // tokenizer.ggml.scores (may be empty)
    std::vector<int32_t> token_types;    // tokenizer.ggml.token_type (may be empty: all normal)
    StringList merges;                   // tokenizer.ggml.merges ("left right")
    std::optional<int64_t> bos_id, eos_id, eot_id, eom_id, unk_id;
    std::optional<bool> add_bos, add_space_prefix;

    // Throws std::runtime_error naming the missing or mistyped key.
    static VocabSpec from_gguf(const GgufFile& file);
};

// "<0xXX>" (a byte-fallback token's text) -> the byte; false for any other text.
bool parse_byte_token(std::string_view text, uint8_t* byte);

// Builds the tokenizer the spec's model names; throws std::runtime_error naming what is wrong.
std::unique_ptr<Tokenizer> make_tokenizer(const VocabSpec& spec);

class Vocab {
public:
    explicit Vocab(const VocabSpec& spec);
    Vocab(const Vocab&) = delete;   // index_ refers to texts_
    Vocab& operator=(const Vocab&) = delete;

    int32_t size() const { return static_cast<int32_t>(texts_.size()); }
    size_t text_bytes() const { return texts_.text_bytes(); }
    std::string_view text(int32_t id) const { return texts_[static_cast<size_t>(id)]; }
    uint32_t attr(int32_t id) const { return attrs_[static_cast<size_t>(id)]; }
    float score(int32_t id) const { return scores_.empty() ? 0.0f : scores_[static_cast<size_t>(id)]; }
    int32_t find(std::string_view text) const { return index_.find(text); }
    bool valid(int32_t id) const { return id >= 0 && id < size(); }

    int32_t bos_id() const { return bos_id_; }
    int32_t eos_id() const { return eos_id_; }
    int32_t unk_id() const { return unk_id_; }
    bool add_bos() const { return add_bos_; }
    bool is_end_of_generation(int32_t id) const { return valid(id) && eog_[static_cast<size_t>(id)]; }
    // Tokens that text can contain literally (control, user-defined, unknown), longest first.
    const std::vector<int32_t>& special_tokens() const { return special_tokens_; }
    // special_tokens() by text, for finding them in a prompt.
    const SpecialTokenIndex& special_index() const { return *special_index_; }

private:
    void detect_special_tokens(const VocabSpec& spec);

    StringList texts_;
    std::vector<uint32_t> attrs_;
    std::vector<float> scores_;
    TokenIndex index_;
    int32_t bos_id_ = -1, eos_id_ = -1, unk_id_ = -1;
    bool add_bos_ = false;
    std::vector<bool> eog_;
    std::vector<int32_t> special_tokens_;
    std::unique_ptr<SpecialTokenIndex> special_index_;
};

}  // namespace smollm

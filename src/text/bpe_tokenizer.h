// Byte-level BPE (tokenizer.ggml.model "gpt2"): special tokens, then the pre-tokenizer's
// words, then merges by rank inside each word, as llama.cpp's llm_tokenizer_bpe does.
// Merges run on interned symbol ids with a flat pair table, so a merge lookup is one probe.
#pragma once
#include <array>
#include <string>

#include "text/pre_tokenizer.h"
#include "text/tokenizer.h"
#include "text/vocab.h"

namespace smollm {

class BpeTokenizer final : public Tokenizer {
public:
    explicit BpeTokenizer(const VocabSpec& spec);

    std::vector<int32_t> encode(std::string_view text, bool parse_special) const override;
    std::string token_to_piece(int32_t id, bool render_special = false) const override;
    int32_t n_vocab() const override { return vocab_.size(); }
    int32_t bos_id() const override { return vocab_.bos_id(); }
    int32_t eos_id() const override { return vocab_.eos_id(); }
    bool add_bos() const override { return vocab_.add_bos(); }
    bool is_end_of_generation(int32_t id) const override { return vocab_.is_end_of_generation(id); }
    bool is_control(int32_t id) const override { return vocab_.valid(id) && (vocab_.attr(id) & kAttrControl); }
    std::string_view model_name() const override { return "gpt2"; }
    std::string_view pre_tokenizer() const override { return pre_name_; }

    struct Scratch;

private:
    void encode_text(std::string_view text, Scratch& s, std::vector<int32_t>* out) const;
    void encode_word(std::string_view bytes, Scratch& s, std::vector<int32_t>* out) const;
    void emit_unmerged(std::string_view bytes, std::vector<int32_t>* out) const;

    Vocab vocab_;
    std::string pre_name_;
    PreTokenizerKind pre_;
    bool ignore_merges_ = false;
    PairTable merges_;
    std::array<int32_t, 256> byte_symbol_{};   // symbol id of each byte's alphabet character, -1 if none
    std::string pieces_;                       // token_to_piece text of every token, back to back
    std::vector<uint32_t> piece_offsets_;      // n_vocab + 1 offsets into pieces_
};

}  // namespace smollm

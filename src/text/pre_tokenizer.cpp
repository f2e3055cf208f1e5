#include "text/pre_tokenizer.h"

#include <stdexcept>
#include <string>

#include "text/unicode.h"

namespace smollm {

namespace {

using unicode::UnicodeClass;

// One piece [begin, end) of the text being split. Positions at or past `end` behave like
// "no character", which is what the regex lookaheads see at a piece boundary.
struct Piece {
    const uint32_t* cps;
    const uint8_t* flags;
    size_t begin, end;

    UnicodeClass cls(size_t p) const { return static_cast<UnicodeClass>(flags[p] & unicode::kClassMask); }
    bool letter(size_t p) const { return p < end && cls(p) == UnicodeClass::Letter; }
    bool number(size_t p) const { return p < end && cls(p) == UnicodeClass::Number; }
    bool space(size_t p) const { return p < end && (flags[p] & unicode::kWhitespaceBit); }
    // [^\s\p{L}\p{N}]
    bool other(size_t p) const { return p < end && !space(p) && !letter(p) && !number(p); }
    uint32_t cp(size_t p) const { return p < end ? cps[p] : 0xFFFFFFFFu; }
};

// Appends word ends for one piece; `emit(to)` closes the word that runs up to `to`.
struct Emitter {
    std::vector<uint32_t>* ends;
    size_t prev;
    void emit(size_t to) {
        if (to > prev) ends->push_back(static_cast<uint32_t>(to));
        prev = to;
    }
};

uint32_t ascii_lower(uint32_t c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

// Length of an English contraction ('s 't 're 've 'm 'll 'd) at p, or 0.
size_t contraction(const Piece& s, size_t p, bool any_case) {
    if (s.cp(p) != '\'' || p + 1 >= s.end) return 0;
    const auto low = [&](size_t q) { return any_case ? ascii_lower(s.cps[q]) : s.cps[q]; };
    const uint32_t a = low(p + 1);
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
    if (p + 2 >= s.end) return 0;
    const uint32_t b = low(p + 2);
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
    return 0;
}

// Whitespace at p: \s+(?!\S) leaves the last space to the word that follows; \s+ otherwise.
size_t whitespace_run_end(const Piece& s, size_t p) {
    size_t n = 0;
    while (s.space(p + n)) ++n;
    if (n > 1 && p + n < s.end) return p + n - 1;
    return p + (n > 0 ? n : 1);
}

void split_gpt2(const Piece& s, Emitter& out) {
    for (size_t pos = s.begin; pos < s.end;) {
        if (const size_t n = contraction(s, pos, false)) {
            pos += n;
            out.emit(pos);
            continue;
        }
        // " ?X+" : an optional single space, then a run of one class.
        const size_t q = s.cps[pos] == ' ' ? pos + 1 : pos;
        if (s.letter(q)) {
            pos = q;
            while (s.letter(pos)) ++pos;
        } else if (s.number(q)) {
            pos = q;
            while (s.number(pos)) ++pos;
        } else if (s.other(q)) {
            pos = q;
            while (s.other(pos)) ++pos;
        } else {
            pos = whitespace_run_end(s, pos);
        }
        out.emit(pos);
    }
}

void split_llama3(const Piece& s, Emitter& out, size_t max_digits) {
    for (size_t pos = s.begin; pos < s.end;) {
        const uint32_t c = s.cps[pos];
        if (const size_t n = contraction(s, pos, true)) {
            pos += n;
            out.emit(pos);
            continue;
        }
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if (c != '\r' && c != '\n' && !s.number(pos) && (s.letter(pos) || s.letter(pos + 1))) {
            ++pos;
            while (s.letter(pos)) ++pos;
            out.emit(pos);
            continue;
        }
        // \p{N}{1,max_digits}
        if (s.number(pos)) {
            size_t start = pos;
            while (s.number(pos)) {
                if (++pos - start >= max_digits) {
                    out.emit(pos);
                    start = pos;
                }
            }
            out.emit(pos);
            continue;
        }
        // " ?[^\s\p{L}\p{N}]+[\r\n]*": a lone space at the piece end also lands here, alone.
        const size_t q = c == ' ' ? pos + 1 : pos;
        if (!s.space(q) && !s.letter(q) && !s.number(q)) {
            pos = q;
            while (s.other(pos)) ++pos;
            while (s.cp(pos) == '\r' || s.cp(pos) == '\n') ++pos;
            out.emit(pos);
            continue;
        }
        // \s*[\r\n]+ : the whitespace run up to its last line break.
        size_t n = 0, last_break = 0;
        bool has_break = false;
        while (s.space(pos + n)) {
            const uint32_t w = s.cps[pos + n];
            if (w == '\r' || w == '\n') {
                last_break = pos + n + 1;
                has_break = true;
            }
            ++n;
        }
        pos = has_break ? last_break : whitespace_run_end(s, pos);
        out.emit(pos);
    }
}

// A regex of one simple pattern: every match becomes its own piece, and so does each gap
// between matches. `match(p)` is the match length at p (0 for none).
template <typename Match>
void split_isolating(const Piece& s, Emitter& out, Match match) {
    for (size_t pos = s.begin; pos < s.end;) {
        const size_t n = match(pos);
        if (n == 0) {
            ++pos;
            continue;
        }
        out.emit(pos);
        pos += n;
        out.emit(pos);
    }
    out.emit(s.end);
}

bool is_default_punct(const Piece& s, size_t p) {
    if (p >= s.end) return false;
    const uint32_t c = s.cps[p];
    if (c == '$' || c == '+' || c == '<' || c == '=' || c == '>' || c == '^' || c == '~' || c == '|') return true;
    return s.cls(p) == UnicodeClass::Punctuation && !s.space(p);
}

enum class Stage { IsolateEachNumber, Gpt2, Llama3, Qwen2, PunctRuns, NumberRuns, AsciiDigitTriples };

void run_stage(Stage stage, const Piece& s, Emitter& out) {
    switch (stage) {
        case Stage::IsolateEachNumber:
            split_isolating(s, out, [&](size_t p) -> size_t { return s.number(p) ? 1 : 0; });
            break;
        case Stage::Gpt2: split_gpt2(s, out); break;
        case Stage::Llama3: split_llama3(s, out, 3); break;
        case Stage::Qwen2: split_llama3(s, out, 1); break;
        case Stage::PunctRuns:
            split_isolating(s, out, [&](size_t p) -> size_t {
                size_t q = p;
                while (is_default_punct(s, q)) ++q;
                return q - p;
            });
            break;
        case Stage::NumberRuns:
            split_isolating(s, out, [&](size_t p) -> size_t {
                size_t q = p;
                while (s.number(q)) ++q;
                return q - p;
            });
            break;
        case Stage::AsciiDigitTriples:
            split_isolating(s, out, [&](size_t p) -> size_t {
                for (size_t i = 0; i < 3; ++i) {
                    const uint32_t c = s.cp(p + i);
                    if (c < '0' || c > '9') return 0;
                }
                return 3;
            });
            break;
    }
}

struct StageList {
    const Stage* stages;
    size_t count;
};

StageList stages_for(PreTokenizerKind kind) {
    static const Stage gpt2[] = {Stage::Gpt2};
    static const Stage smollm[] = {Stage::IsolateEachNumber, Stage::Gpt2};
    static const Stage llama3[] = {Stage::Llama3};
    static const Stage qwen2[] = {Stage::Qwen2};
    static const Stage fallback[] = {Stage::PunctRuns, Stage::Gpt2, Stage::NumberRuns, Stage::AsciiDigitTriples};
    switch (kind) {
        case PreTokenizerKind::Gpt2: return {gpt2, 1};
        case PreTokenizerKind::SmolLM: return {smollm, 2};
        case PreTokenizerKind::Llama3: return {llama3, 1};
        case PreTokenizerKind::Qwen2: return {qwen2, 1};
        case PreTokenizerKind::Default: break;
    }
    return {fallback, 4};
}

}  // namespace

PreTokenizerKind pre_tokenizer_for_name(std::string_view name, bool* ignore_merges) {
    *ignore_merges = false;
    const auto any_of = [&](std::initializer_list<std::string_view> names) {
        for (std::string_view n : names) {
            if (n == name) return true;
        }
        return false;
    };
    // The name groups follow llama.cpp's src/llama-vocab.cpp.
    if (name.empty() || name == "default") return PreTokenizerKind::Default;
    if (any_of({"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2",
                "jina-v5-nano"})) {
        *ignore_merges = true;
        return PreTokenizerKind::Llama3;
    }
    if (any_of({"dbrx", "smaug-bpe", "chatglm-bpe"})) return PreTokenizerKind::Llama3;
    if (any_of({"smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b"})) {
        return PreTokenizerKind::SmolLM;
    }
    if (any_of({"gpt2", "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0",
                "mellum", "modern-bert", "mpt", "olmo", "jais", "trillion", "granite-docling", "exaone4",
                "jina-v1-en", "jina-v2-code", "roberta-bpe"})) {
        return PreTokenizerKind::Gpt2;
    }
    if (any_of({"qwen2", "stablelm2", "hunyuan", "megrez", "solar-open"})) return PreTokenizerKind::Qwen2;
    throw std::runtime_error("unsupported pre-tokenizer '" + std::string(name) +
                             "' (tokenizer.ggml.pre); supported: smollm, llama-bpe, gpt2, qwen2, default and their aliases");
}

void pre_tokenize(PreTokenizerKind kind, const uint32_t* cps, const uint8_t* flags, size_t n,
                  std::vector<uint32_t>* ends, std::vector<uint32_t>* scratch) {
    ends->clear();
    if (n == 0) return;
    ends->push_back(static_cast<uint32_t>(n));
    const StageList list = stages_for(kind);
    for (size_t i = 0; i < list.count; ++i) {
        scratch->swap(*ends);
        ends->clear();
        size_t begin = 0;
        for (const uint32_t end : *scratch) {
            Emitter out{ends, begin};
            run_stage(list.stages[i], Piece{cps, flags, begin, end}, out);
            begin = end;
        }
    }
}

}  // namespace smollm

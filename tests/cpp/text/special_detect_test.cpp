// Which tokens are control / end-of-generation: found by index lookups (text/vocab.cpp says
// why not by scanning the vocabulary), with the same result as the scan they replaced, kept
// here as the reference, on vocabularies where the special texts repeat (the lowest id of a
// detected text is the one marked, every id of an end-of-generation text ends generation).
#include <catch.hpp>

#include <iterator>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "text/special_texts.h"
#include "text/token_index.h"
#include "text/vocab.h"

using namespace smollm;

namespace {

const std::vector<std::string> kSpecialTexts = {
    "<|eot_id|>", "<|im_end|>", "<|endoftext|>", "<|eom_id|>", "<|fim_prefix|>", "<fim_suffix>", "<|fim_middle|>",
    "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>", "</s>", "<eos>", "[EOS]", "<unused_7>", "<|im_start|>"};

bool one_of(std::string_view text, std::span<const std::string_view> names) {
    for (std::string_view n : names) {
        if (text == n) return true;
    }
    return false;
}

struct Reference {
    std::vector<uint32_t> attrs;
    std::vector<bool> eog;
};

// The scan text/vocab.cpp used before, over the same lists (special_texts.h).
Reference reference(const VocabSpec& spec, const Vocab& vocab) {
    const int32_t n = vocab.size();
    Reference r;
    for (int32_t id = 0; id < n; ++id) r.attrs.push_back(vocab.attr(id));   // start from the result...
    for (uint32_t& a : r.attrs) a &= ~(kAttrControl | kAttrUnused);          // ...less what detection adds
    for (size_t i = 0; i < spec.token_types.size(); ++i) {
        if (spec.token_types[i] == static_cast<int32_t>(TokenType::Control)) r.attrs[i] |= kAttrControl;
        if (spec.token_types[i] == static_cast<int32_t>(TokenType::Unused)) r.attrs[i] |= kAttrUnused;
    }
    const auto detect = [&](std::span<const std::string_view> names) -> int32_t {
        for (int32_t id = 0; id < n; ++id) {
            if (one_of(vocab.text(id), names)) {
                r.attrs[static_cast<size_t>(id)] |= kAttrControl;
                return id;
            }
        }
        return -1;
    };
    namespace st = special_texts;
    // Each list in the order the scan took them; whether the token it finds ends generation.
    const std::span<const std::string_view> lists[] = {st::kEndOfTurn, st::kEndOfMessage, st::kFimPrefix, st::kFimSuffix,
                                                       st::kFimMiddle, st::kFimPad, st::kFimRepo, st::kFimSep};
    const bool ends[] = {true, true, false, false, false, true, true, true};
    std::vector<int32_t> ending;
    for (size_t i = 0; i < std::size(lists); ++i) {
        const int32_t id = detect(lists[i]);
        if (ends[i]) ending.push_back(id);
    }
    for (int32_t id = 0; id < n; ++id) {
        if ((r.attrs[static_cast<size_t>(id)] & kAttrControl) && vocab.text(id).find("unused") != std::string_view::npos) {
            r.attrs[static_cast<size_t>(id)] |= kAttrUnused;
        }
    }
    r.eog.assign(static_cast<size_t>(n), false);
    ending.push_back(vocab.eos_id());
    for (int32_t id : ending) {
        if (id >= 0 && id < n) r.eog[static_cast<size_t>(id)] = true;
    }
    for (int32_t id = 0; id < n; ++id) {
        if (one_of(vocab.text(id), st::kEndOfGeneration)) {
            r.eog[static_cast<size_t>(id)] = true;
            r.attrs[static_cast<size_t>(id)] |= kAttrControl;
        }
    }
    return r;
}

}  // namespace

TEST_CASE("token index: every id of a repeated text, highest first", "[text][special]") {
    const StringList texts{"a", "b", "a", "c", "a", "b"};
    const TokenIndex index(texts);
    CHECK(index.find("a") == 4);
    CHECK(index.find_all("a") == std::vector<int32_t>{4, 2, 0});
    CHECK(index.find_all("b") == std::vector<int32_t>{5, 1});
    CHECK(index.find_all("c") == std::vector<int32_t>{3});
    CHECK(index.find_all("z").empty());
}

TEST_CASE("special detection by lookup equals the scan, with repeated special texts", "[text][special]") {
    std::mt19937 rng(20261204);
    for (int round = 0; round < 200; ++round) {
        VocabSpec spec;
        spec.model = "gpt2";
        spec.pre = "gpt2";
        const int n = 30 + static_cast<int>(rng() % 60);
        for (int i = 0; i < n; ++i) {
            // A third special texts (repeats likely), the rest ordinary ones.
            const bool special = rng() % 3 == 0;
            spec.tokens.push_back(special ? kSpecialTexts[rng() % kSpecialTexts.size()] : "t" + std::to_string(i));
            const int types[] = {1, 1, 3, 4, 5};
            spec.token_types.push_back(types[rng() % 5]);
        }
        if (rng() % 2) spec.eos_id = static_cast<int64_t>(rng() % static_cast<unsigned>(n));
        const Vocab vocab(spec);
        const Reference want = reference(spec, vocab);
        INFO("round " << round);
        for (int32_t id = 0; id < vocab.size(); ++id) {
            INFO("id " << id << " '" << vocab.text(id) << "'");
            REQUIRE(vocab.attr(id) == want.attrs[static_cast<size_t>(id)]);
            REQUIRE(vocab.is_end_of_generation(id) == want.eog[static_cast<size_t>(id)]);
        }
    }
}

// Fuzz target: the chat path with arbitrary message strings. Messages go through a ChatML
// prompt (the package's fallback template; SmolLM2's own template renders the same turns),
// are encoded with special-token parsing, and the ids are streamed back through the
// streaming detokenizer and a stop-string matcher, as a generation's output would be.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "sample/sampler.h"
#include "text/tokenizer.h"

using smollm::fuzz::all_bytes_have_tokens;
using smollm::fuzz::is_valid_utf8;
using smollm::fuzz::shared_tokenizer;

namespace {

struct ChatTokens {
    int32_t im_start = -1;
    int32_t im_end = -1;
};

int32_t single_control_token(const smollm::Tokenizer& tok, std::string_view text) {
    const std::vector<int32_t> ids = tok.encode(text, true);
    return ids.size() == 1 && tok.is_control(ids[0]) ? ids[0] : -1;
}

const ChatTokens& chat_tokens() {
    static const ChatTokens t = [] {
        const smollm::Tokenizer& tok = shared_tokenizer();
        ChatTokens c;
        c.im_start = single_control_token(tok, "<|im_start|>");
        c.im_end = single_control_token(tok, "<|im_end|>");
        if (c.im_start < 0 || c.im_end < 0) {
            std::fprintf(stderr, "fuzz: the tokenizer has no <|im_start|>/<|im_end|> control tokens\n");
            std::exit(2);
        }
        return c;
    }();
    return t;
}

void check_stop_matcher(const std::vector<std::string>& pieces, const std::string& streamed,
                        const std::vector<std::string>& stops) {
    smollm::StopStringMatcher matcher(stops);
    std::string emitted;
    bool stopped = false;
    for (const auto& piece : pieces) {
        const smollm::StopStringMatcher::Result r = matcher.push(piece);
        emitted += r.emit;
        if (r.stopped) {
            stopped = true;
            break;
        }
    }
    if (!stopped) emitted += matcher.flush();
    FUZZ_CHECK(streamed.compare(0, emitted.size(), emitted) == 0);
    for (const auto& s : stops) FUZZ_CHECK(emitted.find(s) == std::string::npos);
    if (!stopped) {
        FUZZ_CHECK(emitted == streamed);
    } else {
        bool starts_with_stop = false;
        for (const auto& s : stops) starts_with_stop = starts_with_stop || streamed.compare(emitted.size(), s.size(), s) == 0;
        FUZZ_CHECK(starts_with_stop);
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    chat_tokens();
    all_bytes_have_tokens("");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FuzzedDataProvider in(data, size);
    const smollm::Tokenizer& tok = shared_tokenizer();
    const ChatTokens& chat = chat_tokens();
    static const char* const kRoles[] = {"system", "user", "assistant"};

    const size_t n_messages = in.ConsumeIntegralInRange<size_t>(1, 6);
    std::string prompt;
    bool all_valid = true;
    bool injected = false;   // message text that spells a special token is parsed as one
    for (size_t i = 0; i < n_messages; ++i) {
        const std::string role = in.ConsumeBool() ? kRoles[in.ConsumeIntegralInRange<size_t>(0, 2)]
                                                  : in.ConsumeRandomLengthString(16);
        const std::string content = in.ConsumeRandomLengthString(512);
        all_valid = all_valid && is_valid_utf8(role) && is_valid_utf8(content) &&
                    all_bytes_have_tokens(role) && all_bytes_have_tokens(content);
        injected = injected || role.find("<|") != std::string::npos || content.find("<|") != std::string::npos;
        prompt += "<|im_start|>" + role + "\n" + content + "<|im_end|>\n";
    }
    prompt += "<|im_start|>assistant\n";
    std::vector<std::string> stops;
    const size_t n_stops = in.ConsumeIntegralInRange<size_t>(0, 3);
    for (size_t i = 0; i < n_stops; ++i) {
        std::string s = in.ConsumeRandomLengthString(8);
        if (!s.empty()) stops.push_back(std::move(s));
    }

    const std::vector<int32_t> ids = tok.encode(prompt, true);
    size_t starts = 0, ends = 0;
    for (int32_t id : ids) {
        FUZZ_CHECK(id >= 0 && id < tok.n_vocab());
        starts += id == chat.im_start;
        ends += id == chat.im_end;
    }
    // The turn structure survives any message text that does not spell a special token.
    if (!injected && all_valid) {
        FUZZ_CHECK(starts == n_messages + 1);
        FUZZ_CHECK(ends == n_messages);
    }
    FUZZ_CHECK(starts >= n_messages + 1 && ends >= n_messages);
    if (all_valid) FUZZ_CHECK(tok.decode(ids.data(), ids.size(), true) == prompt);

    // Streamed back as a generation would be: every piece whole UTF-8, then stop strings.
    smollm::StreamDetokenizer stream(tok);
    std::vector<std::string> pieces;
    std::string streamed;
    for (int32_t id : ids) {
        pieces.push_back(stream.push(id));
        FUZZ_CHECK(is_valid_utf8(pieces.back()));
        streamed += pieces.back();
    }
    pieces.push_back(stream.flush());
    FUZZ_CHECK(is_valid_utf8(pieces.back()));
    streamed += pieces.back();
    check_stop_matcher(pieces, streamed, stops);
    return 0;
}

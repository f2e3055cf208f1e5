// Fuzz target: the GGUF header reader on arbitrary bytes, whole and as growing prefixes (how
// the web loader feeds it during a download), then everything built on a parsed header that
// must also survive hostile metadata: the accessors, Tokenizer::from_gguf and plan_memory.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "engine.h"
#include "fuzz_support.h"
#include "gguf/gguf_reader.h"
#include "text/tokenizer.h"

using smollm::GgufFile;
using smollm::GgufParseResult;
using smollm::gguf_parse;
using Status = smollm::GgufParseResult::Status;

namespace {

// Invariants the reader promises for a Complete header, checked with our own arithmetic.
void check_complete(const GgufFile& f, uint64_t file_size) {
    FUZZ_CHECK(f.version == 2 || f.version == 3);
    FUZZ_CHECK(f.alignment != 0 && (f.alignment & (f.alignment - 1)) == 0);
    FUZZ_CHECK(f.data_offset % f.alignment == 0);
    FUZZ_CHECK(f.file_size == file_size);
    if (file_size != 0 && !f.tensors.empty()) {
        FUZZ_CHECK(f.data_offset <= file_size);
        FUZZ_CHECK(f.data_size <= file_size - f.data_offset);
    }
    std::vector<std::pair<uint64_t, uint64_t>> spans;
    for (const auto& t : f.tensors) {
        FUZZ_CHECK(t.n_dims >= 1 && t.n_dims <= 4);
        uint64_t elems = 1;
        for (uint32_t d = 0; d < 4; ++d) {
            if (d >= t.n_dims) FUZZ_CHECK(t.ne[d] == 1);
            FUZZ_CHECK(t.ne[d] == 0 || elems <= UINT64_MAX / t.ne[d]);
            elems *= t.ne[d];
        }
        FUZZ_CHECK(elems == t.n_elements);
        uint64_t bytes = 0;
        FUZZ_CHECK(smollm::ggml_bytes_for(t.type, t.n_elements, &bytes));
        FUZZ_CHECK(bytes == t.n_bytes);
        FUZZ_CHECK(t.offset % f.alignment == 0);
        FUZZ_CHECK(t.offset <= f.data_size && t.n_bytes <= f.data_size - t.offset);
        FUZZ_CHECK(f.find_tensor(t.name) == &t);
        if (t.n_bytes) spans.emplace_back(t.offset, t.n_bytes);
    }
    std::sort(spans.begin(), spans.end());
    for (size_t i = 1; i < spans.size(); ++i)
        FUZZ_CHECK(spans[i - 1].first + spans[i - 1].second <= spans[i].first);

    for (const auto& kv : f.metadata) {
        FUZZ_CHECK(f.find(kv.key) == &kv.value);
        const auto& v = kv.value;
        if (v.type == smollm::GgufValueType::ARRAY) {
            const uint64_t n = v.array_len();
            const uint64_t held = v.strings.size() + v.ints.size() + v.floats.size() + v.arrays.size();
            FUZZ_CHECK(held == n);
        }
        std::string s;
        uint64_t u = 0;
        int64_t i = 0;
        double d = 0;
        bool b = false;
        f.get_string(kv.key, &s);
        f.get_u64(kv.key, &u);
        f.get_i64(kv.key, &i);
        f.get_f64(kv.key, &d);
        f.get_bool(kv.key, &b);
        f.get_string_array(kv.key);
        f.get_int_array(kv.key);
        f.get_float_array(kv.key);
    }
    uint64_t u = 0;
    double d = 0;
    f.architecture();
    f.arch_u64("context_length", &u);
    f.arch_f64("rope.freq_base", &d);
}

// Layers above the reader take any Complete header: they may refuse it, with the exception
// their contracts name, but never crash or throw anything else.
void exercise_consumers(const GgufFile& f) {
    try {
        std::unique_ptr<smollm::Tokenizer> tok = smollm::Tokenizer::from_gguf(f);
        const int32_t n = tok->n_vocab();
        FUZZ_CHECK(n > 0);
        const std::vector<int32_t> ids = tok->encode("def f(x):\n    return x <|im_end|>", true);
        for (int32_t id : ids) FUZZ_CHECK(id >= 0 && id < n);
        tok->decode(ids.data(), ids.size(), true);
    } catch (const std::runtime_error&) {
    }
    try {
        const smollm::MemoryPlan plan = smollm::plan_memory(f, smollm::EngineOptions{});
        FUZZ_CHECK(plan.total_bytes >= plan.kv_cache_bytes);
    } catch (const smollm::EngineError&) {
    }
}

void check_result(const GgufParseResult& r, uint64_t available, uint64_t file_size) {
    switch (r.status) {
        case Status::Complete:
            FUZZ_CHECK(r.file != nullptr);
            check_complete(*r.file, file_size);
            break;
        case Status::NeedMore:
            // Progress is always possible, and never asks for bytes past the known end.
            FUZZ_CHECK(r.bytes_needed > available);
            FUZZ_CHECK(file_size == 0 || available < file_size);
            FUZZ_CHECK(file_size == 0 || r.bytes_needed <= file_size);
            break;
        case Status::Error:
            FUZZ_CHECK(!r.error.empty());
            break;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const uint64_t n = size;
    const GgufParseResult whole = gguf_parse(data, n, n);
    check_result(whole, n, n);
    if (n == 0) return 0;   // a size of 0 means "unknown" to the reader: nothing more to ask

    // Size unknown: a header the reader accepts with the size known is accepted without it.
    const GgufParseResult open = gguf_parse(data, n, 0);
    check_result(open, n, 0);
    if (whole.status == Status::Complete) FUZZ_CHECK(open.status == Status::Complete);

    // The download path: start from nothing and feed exactly what the reader asks for. After a
    // dozen steps jump to the end (a real loader feeds 64 KiB chunks, not single fields, and
    // every step is a whole re-parse: more would only slow the fuzzer down).
    uint64_t avail = 0;
    GgufParseResult step = gguf_parse(data, avail, n);
    for (int steps = 0; step.status == Status::NeedMore && avail < n; ++steps) {
        check_result(step, avail, n);
        avail = steps < 12 ? std::min<uint64_t>(step.bytes_needed, n) : n;
        // The whole input was parsed above; the reader is a pure function of its arguments.
        if (avail == n) break;
        step = gguf_parse(data, avail, n);
    }
    if (avail < n) {
        check_result(step, avail, n);
        FUZZ_CHECK(step.status == whole.status);
    }

    // A prefix of an acceptable file is never an error: the loader must not fail a download
    // that is merely incomplete.
    if (whole.status == Status::Complete) {
        for (uint64_t cut : {n / 2, n - n / 8}) {
            const GgufParseResult part = gguf_parse(data, cut, n);
            FUZZ_CHECK(part.status != Status::Error);
            check_result(part, cut, n);
        }
        exercise_consumers(*whole.file);
    }
    return 0;
}

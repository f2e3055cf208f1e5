// Prefill and decode speed against the number of cached tokens, without prefilling them
// (issue 18). Prefilling 8,000 tokens of the 24-layer SmolLM2-1.7B shape takes many minutes
// on two cores, yet the cache's contents do not change how long attention over it takes: this
// benchmark loads a model, writes every cache row with random values (fill_cache: so no read
// lands on the kernel's shared zero page, which would make attention look free, and no row
// holds what an earlier allocation left there: a cache built where a q8_0 cache had been read
// those bytes as halves, some inf or NaN, and the f16 kernels then took their slower path for
// non-finite caches: half the decode speed at 4,096), then at each depth times
//   decode:  one token at position `depth` (median of --decode-reps steps), and
//   prefill: a batch of --batch tokens at positions [depth, depth + batch) (median of
//            --prefill-reps; 0 skips it and reports 0),
// each step re-writing the same rows, so the cache stays `depth` tokens deep. With --profile it
// also times attention alone for one decode token (every layer and head over `depth` keys of a
// KvCache of the model's shape, on the same thread pool), to say how much of a step it is.
//
//   depth_bench -m MODEL [--depths 128,1024,4096,8000] [--types f16,q8_0,q4_0] [--threads 2]
//               [--batch 64] [--decode-reps 5] [--prefill-reps 3] [--profile]
// Prints one JSON line per (type, depth), then a markdown table per type.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "gguf/gguf_reader.h"
#include "model/flash_attention.h"
#include "model/kv_cache.h"
#include "model/kv_kernels.h"
#include "model/kv_type.h"
#include "model/llama_config.h"
#include "model/llama_model.h"
#include "model/llama_weights.h"
#include "model/tensor_table.h"
#include "runtime/thread_pool.h"

using namespace smollm;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
    std::string model;
    std::vector<int32_t> depths{128, 1024, 4096, 8000};
    std::vector<KvType> types{KvType::F16, KvType::Q8_0, KvType::Q4_0};
    int threads = 2;
    int32_t batch = 64;
    int decode_reps = 5;
    int prefill_reps = 3;
    bool profile = false;
};

[[noreturn]] void usage(const std::string& why) {
    std::fprintf(stderr, "depth_bench: %s\nusage: depth_bench -m MODEL [--depths 128,1024,4096,8000] "
                 "[--types f16,q8_0,q4_0] [--threads 2] [--batch 64] [--decode-reps 5] [--prefill-reps 3] [--profile]\n",
                 why.c_str());
    std::exit(2);
}

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    size_t begin = 0;
    while (begin <= s.size()) {
        const size_t end = std::min(s.find(',', begin), s.size());
        if (end > begin) out.push_back(s.substr(begin, end - begin));
        begin = end + 1;
    }
    return out;
}

int positive(const std::string& s, const char* what, long min = 1) {
    char* end = nullptr;
    const long v = std::strtol(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0' || v < min || v > 1'000'000) usage(std::string("bad ") + what + ": " + s);
    return static_cast<int>(v);
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage(a + " needs a value");
            return argv[++i];
        };
        if (a == "-m" || a == "--model") o.model = value();
        else if (a == "--depths") {
            o.depths.clear();
            for (const std::string& d : split(value())) o.depths.push_back(positive(d, "depth"));
        } else if (a == "--types") {
            o.types.clear();
            for (const std::string& t : split(value())) {
                const auto type = parse_kv_type(t);
                if (!type || *type == KvType::F32) usage("bad KV type (f16, q8_0, q4_0): " + t);
                o.types.push_back(*type);
            }
        } else if (a == "--threads") o.threads = positive(value(), "thread count");
        else if (a == "--batch") o.batch = positive(value(), "batch");
        else if (a == "--decode-reps") o.decode_reps = positive(value(), "decode reps");
        else if (a == "--prefill-reps") o.prefill_reps = positive(value(), "prefill reps", 0);
        else if (a == "--profile") o.profile = true;
        else usage("unknown argument " + a);
    }
    if (o.model.empty()) usage("-m MODEL is required");
    if (o.depths.empty() || o.types.empty()) usage("no depths or no types");
    return o;
}

// The whole file in memory: the weights are views into it, as in the engine.
std::vector<uint8_t> read_file(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw std::runtime_error("cannot open " + path);
    std::fseek(f, 0, SEEK_END);
    const long size = std::ftell(f);
    std::fseek(f, 0, SEEK_SET);
    std::vector<uint8_t> bytes(static_cast<size_t>(size));
    const size_t got = std::fread(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
    if (got != bytes.size()) throw std::runtime_error("short read of " + path);
    return bytes;
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

constexpr int32_t kProfileLayers = 4;

// Median seconds of fn(layer, head, thread) over every head of kProfileLayers layers, spread
// over the pool by head as the model spreads attention, scaled to the model's n_layers.
template <class Fn>
double per_token_seconds(const LlamaConfig& c, ThreadPool& pool, int reps, const Fn& fn) {
    std::vector<double> times;
    for (int r = 0; r < reps + 1; ++r) {
        const auto t0 = Clock::now();
        for (int32_t layer = 0; layer < kProfileLayers; ++layer) {
            pool.for_chunks(c.n_heads, 1, [&](int64_t begin, int64_t end, int thread) {
                for (int64_t h = begin; h < end; ++h) fn(layer, static_cast<int32_t>(h), thread);
            });
        }
        if (r > 0) times.push_back(seconds_since(t0) * c.n_layers / kProfileLayers);   // the first run warms up
    }
    return median(times);
}

// --profile: attention for one decode token at `depth` (every head over `depth` keys; GQA
// heads share their K/V head as in the model), and, for a quantized cache, its parts timed on
// their own with the cache type's kernels on the same cache's rows (KvCache::head_keys /
// head_values): the K.q products, the weighted sum of V rows, and the softmax's exp per key.
// An f16 cache's kernels are internal to model/flash_attention.cpp: only its total is timed.
struct AttentionProfile {
    double total = 0.0, keys = 0.0, values = 0.0, exps = 0.0;
};

// Every row of `layers` layers of the cache: 64 random rows, cycled (finite values of one scale
// do not change the time).
void fill_cache(KvCache& cache, int32_t layers, int32_t kv_dim, std::mt19937& rng) {
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> rows(64 * static_cast<size_t>(kv_dim));
    for (float& x : rows) x = normal(rng);
    for (int32_t l = 0; l < layers; ++l)
        for (int32_t p = 0; p < cache.n_ctx(); ++p) {
            const float* row = rows.data() + static_cast<size_t>(p % 64) * static_cast<size_t>(kv_dim);
            cache.store(l, p, row, row);
        }
}

class AttentionBench {
public:
    AttentionBench(const LlamaConfig& c, KvType type, int32_t n_ctx, std::mt19937& rng)
        : c_(c), type_(type), cache_(kProfileLayers, n_ctx, c.kv_dim, c.head_dim, type, type) {
        fill_cache(cache_, kProfileLayers, c.kv_dim, rng);
    }

    AttentionProfile run(ThreadPool& pool, int32_t depth, int reps) {
        const LlamaConfig& c = c_;
        std::vector<float> q(static_cast<size_t>(c.q_dim), 0.1f);
        std::vector<float> out(static_cast<size_t>(c.q_dim));
        std::vector<float> scores(static_cast<size_t>(pool.size()) * static_cast<size_t>(cache_.n_ctx()));
        for (size_t i = 0; i < scores.size(); ++i) scores[i] = 0.001f * static_cast<float>(i % 997);
        std::vector<float> sinks(static_cast<size_t>(pool.size()) * 64);
        const int32_t group = c.n_heads / c.n_kv_heads;
        const float scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
        auto thread_scores = [&](int thread) { return scores.data() + static_cast<size_t>(thread) * static_cast<size_t>(cache_.n_ctx()); };
        AttentionProfile r;
        r.total = per_token_seconds(c, pool, reps, [&](int32_t layer, int32_t h, int thread) {
            cache_.attend(layer, depth, h / group * c.head_dim, q.data() + h * c.head_dim, c.head_dim, scale, false,
                          thread_scores(thread), out.data() + h * c.head_dim);
        });
        if (type_ == KvType::F16) return r;
        r.keys = per_token_seconds(c, pool, reps, [&](int32_t layer, int32_t h, int thread) {
            kv_kernels::QueryQ8 q8;
            kv_kernels::prepare_query(q.data() + h * c.head_dim, c.head_dim, &q8);
            float* s = thread_scores(thread);
            const KvRows k = cache_.head_keys(layer, h / group);
            const kv_kernels::KeyRows keys{k.base, k.stride, depth};
            if (type_ == KvType::Q8_0) kv_kernels::best::scores_q8_0(keys, q8, scale, s);
            else kv_kernels::best::scores_q4_0(keys, q8, scale, s);
            sinks[static_cast<size_t>(thread) * 64] += s[depth - 1];
        });
        const std::vector<float> halves(static_cast<size_t>(depth), 0.5f);
        r.values = per_token_seconds(c, pool, reps, [&](int32_t layer, int32_t h, int thread) {
            float acc[LlamaConfig::kMaxHeadDim] = {};
            const KvRows v = cache_.head_values(layer, h / group);
            const kv_kernels::WeightedRows rows{v.base, v.stride, halves.data(), depth};
            if (type_ == KvType::Q8_0) kv_kernels::best::sum_rows_q8_0(acc, rows, c.head_dim / quant::kQK);
            else kv_kernels::best::sum_rows_q4_0(acc, rows, c.head_dim / quant::kQK);
            sinks[static_cast<size_t>(thread) * 64] += acc[0];
        });
        r.exps = per_token_seconds(c, pool, reps, [&](int32_t, int32_t, int thread) {
            const float* s = thread_scores(thread);
            float sum = 0.0f;
            for (int32_t p = 0; p < depth; ++p) sum += std::exp(s[p] - 1.0f);
            sinks[static_cast<size_t>(thread) * 64] += sum;
        });
        if (sinks[0] == 12345.0f) std::fprintf(stderr, " ");   // keeps the sums alive
        return r;
    }

private:
    const LlamaConfig& c_;
    KvType type_;
    KvCache cache_;
};

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse(argc, argv);
    try {
        auto t_load = Clock::now();
        const std::vector<uint8_t> file = read_file(o.model);
        GgufParseResult parsed = gguf_parse(file.data(), file.size(), file.size());
        if (parsed.status != GgufParseResult::Status::Complete) throw std::runtime_error("not a GGUF file: " + parsed.error);
        TensorTable table;
        table.add_part(*parsed.file, file.data());
        const TensorRef* embd = table.find("token_embd.weight");
        const int64_t hint = embd && embd->info->n_dims == 2 ? static_cast<int64_t>(embd->info->ne[1]) : 0;
        const LlamaConfig config = llama_config_from_gguf(*parsed.file, hint);
        const LlamaWeights weights = llama_weights_bind(config, table, true);
        ThreadPool pool(o.threads);
        const int32_t max_depth = *std::max_element(o.depths.begin(), o.depths.end());
        // Room for the prefill batch after the deepest depth, rounded up as the CLI rounds.
        const int32_t n_ctx = (max_depth + o.batch + 255) / 256 * 256;
        std::fprintf(stderr, "model %s: %d layers, dim %d, %d heads (%d KV), vocab %d; loaded in %.1f s; n_ctx %d, %d threads\n",
                     o.model.c_str(), config.n_layers, config.dim, config.n_heads, config.n_kv_heads, config.n_vocab,
                     seconds_since(t_load), n_ctx, o.threads);

        std::mt19937 rng(1);
        std::uniform_int_distribution<int32_t> token(0, config.n_vocab - 1);
        std::vector<int32_t> tokens(static_cast<size_t>(o.batch));
        for (int32_t& t : tokens) t = token(rng);
        std::vector<float> logits(static_cast<size_t>(config.n_vocab));

        for (const KvType type : o.types) {
            const char* name = kv_type_name(type);
            auto t_make = Clock::now();
            LlamaModel model(config, weights, n_ctx, type, type, pool);
            fill_cache(model.kv_cache(), config.n_layers, config.kv_dim, rng);
            // --profile: a cache of the model's shape but kProfileLayers layers (every layer
            // costs the same; a full second cache would not fit wasm's 4 GB beside the model's).
            std::unique_ptr<AttentionBench> attn;
            if (o.profile) attn = std::make_unique<AttentionBench>(config, type, n_ctx, rng);
            std::fprintf(stderr, "%s: cache %.0f MiB ready in %.1f s\n", name, model.kv_cache_bytes() / 1048576.0,
                         seconds_since(t_make));

            std::vector<std::string> rows;
            double base_decode = 0.0;
            for (const int32_t depth : o.depths) {
                std::vector<double> decode;
                for (int r = 0; r < o.decode_reps + 1; ++r) {
                    const auto t0 = Clock::now();
                    model.forward(&tokens[static_cast<size_t>(r) % tokens.size()], 1, depth, false, logits.data());
                    if (r > 0) decode.push_back(seconds_since(t0));   // the first step warms up
                }
                std::vector<double> prefill;
                for (int r = 0; r < o.prefill_reps; ++r) {
                    const auto t0 = Clock::now();
                    model.forward(tokens.data(), o.batch, depth, false, logits.data());
                    prefill.push_back(seconds_since(t0));
                }
                const double decode_s = median(decode);
                const double prefill_s = prefill.empty() ? 0.0 : median(prefill);
                const AttentionProfile prof = o.profile ? attn->run(pool, depth, 3) : AttentionProfile{};
                const double attn_s = prof.total;
                if (base_decode == 0.0) base_decode = 1.0 / decode_s;
                const double decode_tps = 1.0 / decode_s;
                const double prefill_tps = prefill.empty() ? 0.0 : o.batch / prefill_s;   // 0: not run
                std::printf("{\"type\":\"%s\",\"depth\":%d,\"threads\":%d,\"batch\":%d,\"prefillTokensPerSecond\":%.3f,"
                            "\"decodeTokensPerSecond\":%.3f,\"decodeMs\":%.2f,\"decodeMsMin\":%.2f,\"decodeMsMax\":%.2f,"
                            "\"attentionMs\":%.2f,\"attentionKeysMs\":%.2f,\"attentionValuesMs\":%.2f,\"attentionExpMs\":%.2f}\n",
                            name, depth, o.threads, o.batch, prefill_tps, decode_tps, decode_s * 1e3,
                            *std::min_element(decode.begin(), decode.end()) * 1e3,
                            *std::max_element(decode.begin(), decode.end()) * 1e3, attn_s * 1e3, prof.keys * 1e3, prof.values * 1e3,
                            prof.exps * 1e3);
                std::fflush(stdout);
                char attn_text[96] = "-";
                if (o.profile && type == KvType::F16)
                    std::snprintf(attn_text, sizeof attn_text, "%.0f", attn_s * 1e3);
                else if (o.profile)
                    std::snprintf(attn_text, sizeof attn_text, "%.0f (K.q %.0f, V sum %.0f, exp %.0f)", attn_s * 1e3,
                                  prof.keys * 1e3, prof.values * 1e3, prof.exps * 1e3);
                char row[256];
                std::snprintf(row, sizeof row, "| %s | %d | %.2f | %.2f | %.0f%% | %.1f | %s |", name, depth, prefill_tps,
                              decode_tps, decode_tps / base_decode * 100.0, decode_s * 1e3, attn_text);
                rows.push_back(row);
            }
            std::printf("\n| KV type | cached tokens | prefill tok/s (batch %d) | decode tok/s | decode vs %d | decode ms | "
                        "attention ms / token |\n|---|---|---|---|---|---|---|\n",
                        o.batch, o.depths.front());
            for (const std::string& r : rows) std::printf("%s\n", r.c_str());
            std::printf("\n");
            std::fflush(stdout);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "depth_bench: %s\n", e.what());
        return 1;
    }
    return 0;
}

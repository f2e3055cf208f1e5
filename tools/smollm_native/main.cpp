// smollm_native: the engine on the command line without the wasm/JS stack, for development
// and parity checks against llama.cpp.
//   smollm_native eval -m FILE --tokens 1,2,3 [--top 10] [--threads N] [--ctx N] [--kv f16|f32|q8_0|q4_0]
//                      [--batch-size N (1: token by token)] [--dump-logits OUT.f32]
//   smollm_native perplexity -m FILE -f TEXT [--ctx 512] [--threads N] [--chunks N]
//   smollm_native generate -m FILE (-p TEXT | --tokens 1,2,3) [--max-tokens N] [--temp T]
//                      [--top-k K] [--top-p P] [--seed S] [--threads N] [--ignore-eos] [--json]
//                      [--context-shift] [--n-keep N] [--dump-logits OUT.f32]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <numeric>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine.h"
#include "smollm_native/model_files.h"
#include "smollm_native/perplexity.h"

namespace {

using smollm::Engine;
using smollm::EngineOptions;

const char* kUsage =
    "usage:\n"
    "  smollm_native eval -m FILE --tokens 1,2,3 [--top 10] [--threads N] [--ctx N] [--kv f16|f32|q8_0|q4_0]\n"
    "                      [--kv-type-k T] [--kv-type-v T] [--batch-size N] [--dump-logits OUT.f32]\n"
    "                      [--batch-order fast|llama.cpp]\n"
    "  smollm_native perplexity -m FILE -f TEXT [--ctx 512] [--threads N] [--chunks N] [--batch-order fast|llama.cpp]\n"
    "  smollm_native generate -m FILE (-p TEXT | --tokens 1,2,3) [--max-tokens N] [--temp T] [--top-k K]\n"
    "                         [--top-p P] [--seed S] [--threads N] [--ctx N] [--ignore-eos] [--json]\n"
    "                         [--context-shift] [--n-keep N] [--dump-logits OUT.f32 (each sampled token's logits)]\n";

struct Args {
    std::string command;
    std::map<std::string, std::string> values;
    bool has(const std::string& k) const { return values.count(k) != 0; }
    std::string get(const std::string& k, const std::string& fallback = "") const {
        auto it = values.find(k);
        return it == values.end() ? fallback : it->second;
    }
    long get_int(const std::string& k, long fallback) const {
        if (!has(k)) return fallback;
        char* end = nullptr;
        const std::string v = get(k);
        long x = std::strtol(v.c_str(), &end, 10);
        if (v.empty() || *end) throw std::runtime_error(k + " needs an integer, got '" + v + "'");
        return x;
    }
    double get_double(const std::string& k, double fallback) const {
        if (!has(k)) return fallback;
        char* end = nullptr;
        const std::string v = get(k);
        double x = std::strtod(v.c_str(), &end);
        if (v.empty() || *end) throw std::runtime_error(k + " needs a number, got '" + v + "'");
        return x;
    }
};

Args parse_args(int argc, char** argv) {
    static const char* const kFlags[] = {"--ignore-eos", "--json", "--context-shift"};
    Args a;
    if (argc < 2) throw std::runtime_error(kUsage);
    a.command = argv[1];
    for (int i = 2; i < argc; ++i) {
        std::string k = argv[i];
        if (std::find(std::begin(kFlags), std::end(kFlags), k) != std::end(kFlags)) {
            a.values[k] = "1";
        } else if (k.rfind("-", 0) == 0 && i + 1 < argc) {
            a.values[k] = argv[++i];
        } else {
            throw std::runtime_error("unexpected argument '" + k + "'\n" + kUsage);
        }
    }
    return a;
}

std::vector<int32_t> parse_ids(const std::string& text) {
    std::vector<int32_t> ids;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        char* end = nullptr;
        long v = std::strtol(item.c_str(), &end, 10);
        if (item.empty() || *end) throw std::runtime_error("--tokens needs comma-separated integers, got '" + item + "'");
        ids.push_back(static_cast<int32_t>(v));
    }
    if (ids.empty()) throw std::runtime_error("--tokens is empty");
    return ids;
}

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof(buf), "\\u%04x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

std::unique_ptr<Engine> load(const Args& a, uint32_t min_ctx) {
    if (!a.has("-m")) throw std::runtime_error("-m FILE is required\n" + std::string(kUsage));
    EngineOptions o;
    o.n_threads = static_cast<int>(a.get_int("--threads", 1));
    o.context_size = static_cast<uint32_t>(a.get_int("--ctx", 0));
    if (o.context_size != 0 && o.context_size < min_ctx) o.context_size = min_ctx;
    if (o.context_size == 0) o.context_size = std::max<uint32_t>(min_ctx, 0);
    // --kv sets both K and V; --kv-type-k / --kv-type-v override one of them.
    const std::string kv = a.get("--kv", "f16");
    const auto kv_type = [&](const char* flag) {
        const std::string name = a.get(flag, kv);
        const std::optional<smollm::KvType> t = smollm::parse_kv_type(name);
        if (!t) throw std::runtime_error(std::string(flag) + " must be f16, f32, q8_0 or q4_0, not " + name);
        return *t;
    };
    o.kv_type_k = kv_type("--kv-type-k");
    o.kv_type_v = kv_type("--kv-type-v");
    // --batch-order llama.cpp: batches sum in llama.cpp's batch orders (quant/quant.h).
    const std::string order = a.get("--batch-order", "fast");
    const std::optional<smollm::BatchOrder> batch_order = smollm::parse_batch_order(order);
    if (!batch_order) throw std::runtime_error("--batch-order must be fast or llama.cpp, not " + order);
    o.batch_order = *batch_order;
    return smollm::tools::load_engine_from_path(a.get("-m"), o);
}

int run_eval(const Args& a) {
    const std::vector<int32_t> ids = parse_ids(a.get("--tokens"));
    std::unique_ptr<Engine> e = load(a, static_cast<uint32_t>(ids.size()));
    const int32_t top = static_cast<int32_t>(a.get_int("--top", 10));
    // --batch-size N: consecutive evals of N tokens (1: token by token, the decode path).
    const auto n_ids = static_cast<int32_t>(ids.size());
    const long batch = a.get_int("--batch-size", n_ids);
    if (batch < 1) throw std::runtime_error("--batch-size must be at least 1");
    const int32_t n_vocab = e->n_vocab();
    std::vector<float> logits(ids.size() * static_cast<size_t>(n_vocab));
    for (int32_t start = 0; start < n_ids; start += static_cast<int32_t>(batch)) {
        const int32_t n = std::min<int32_t>(static_cast<int32_t>(batch), n_ids - start);
        e->eval(ids.data() + start, n, start, true);
        for (int32_t i = 0; i < n; ++i)
            std::copy_n(e->logits(i), n_vocab, logits.begin() + static_cast<ptrdiff_t>(start + i) * n_vocab);
    }
    if (a.has("--dump-logits")) {
        std::FILE* f = std::fopen(a.get("--dump-logits").c_str(), "wb");
        if (!f) throw std::runtime_error("cannot write " + a.get("--dump-logits"));
        std::fwrite(logits.data(), sizeof(float), logits.size(), f);
        std::fclose(f);
    }
    std::vector<int32_t> order(static_cast<size_t>(n_vocab));
    std::string out = "{\"positions\":[";
    for (size_t i = 0; i < ids.size(); ++i) {
        const float* l = logits.data() + i * static_cast<size_t>(n_vocab);
        std::iota(order.begin(), order.end(), 0);
        const int32_t k = std::min(top, n_vocab);
        std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int32_t x, int32_t y) {
            return l[x] > l[y] || (l[x] == l[y] && x < y);
        });
        out += (i ? ",{\"pos\":" : "{\"pos\":") + std::to_string(i) + ",\"top\":[";
        for (int32_t j = 0; j < k; ++j) {
            char buf[64];
            std::snprintf(buf, sizeof(buf), "%s[%d,%.6g]", j ? "," : "", order[static_cast<size_t>(j)], l[order[static_cast<size_t>(j)]]);
            out += buf;
        }
        out += "]}";
    }
    std::printf("%s]}\n", out.c_str());
    return 0;
}

int run_perplexity(const Args& a) {
    if (!a.has("-f")) throw std::runtime_error("-f TEXT is required");
    std::ifstream in(a.get("-f"), std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + a.get("-f"));
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const int32_t n_ctx = static_cast<int32_t>(a.get_int("--ctx", 512));
    Args la = a;
    la.values["--ctx"] = std::to_string(n_ctx);
    std::unique_ptr<Engine> e = load(la, static_cast<uint32_t>(n_ctx));
    std::vector<int32_t> tokens;
    if (e->tokenizer().add_bos() && e->tokenizer().bos_id() >= 0) tokens.push_back(e->tokenizer().bos_id());
    const std::vector<int32_t> body = e->tokenizer().encode(text, false);
    tokens.insert(tokens.end(), body.begin(), body.end());
    const auto t0 = std::chrono::steady_clock::now();
    const smollm::tools::PerplexityResult r = smollm::tools::perplexity(
        *e, tokens, n_ctx, static_cast<int32_t>(a.get_int("--chunks", -1)),
        [](int32_t c, double ppl) { std::fprintf(stderr, "[%d] %.4f\n", c + 1, ppl); });
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("tokens = %zu, chunks = %d, scored = %lld, seconds = %.1f\n", tokens.size(), r.chunks,
                static_cast<long long>(r.scored_tokens), s);
    std::printf("PPL = %.4f +/- %.5f\n", r.ppl, r.ppl_error);
    return 0;
}

int run_generate(const Args& a) {
    std::unique_ptr<Engine> e = load(a, 0);
    std::vector<int32_t> prompt;
    if (a.has("--tokens")) {
        prompt = parse_ids(a.get("--tokens"));
    } else if (a.has("-p")) {
        if (e->tokenizer().add_bos() && e->tokenizer().bos_id() >= 0) prompt.push_back(e->tokenizer().bos_id());
        const std::vector<int32_t> body = e->tokenizer().encode(a.get("-p"), true);
        prompt.insert(prompt.end(), body.begin(), body.end());
    } else {
        throw std::runtime_error("generate needs -p TEXT or --tokens IDS");
    }
    smollm::GenerationOptions g;
    g.max_tokens = static_cast<int32_t>(a.get_int("--max-tokens", 64));
    g.sampling.temperature = static_cast<float>(a.get_double("--temp", 0.0));
    g.sampling.top_k = static_cast<int32_t>(a.get_int("--top-k", 0));
    g.sampling.top_p = static_cast<float>(a.get_double("--top-p", 1.0));
    g.sampling.seed = static_cast<uint64_t>(a.get_int("--seed", 0));
    g.ignore_eos = a.has("--ignore-eos");
    g.context_shift = a.has("--context-shift");
    g.n_keep = static_cast<int32_t>(a.get_int("--n-keep", 0));
    const bool json = a.has("--json");
    std::FILE* dump = nullptr;
    if (a.has("--dump-logits")) {
        dump = std::fopen(a.get("--dump-logits").c_str(), "wb");
        if (!dump) throw std::runtime_error("cannot write " + a.get("--dump-logits"));
    }
    e->begin_generation(prompt, g);
    std::string text;
    std::vector<int32_t> generated;
    std::string reason;
    for (;;) {
        const smollm::StepResult r = e->step();
        if (r.kind == smollm::StepResult::Kind::Prefill) continue;
        text += r.text;
        if (!json) {
            std::fputs(r.text.c_str(), stdout);
            std::fflush(stdout);
        }
        if (r.token >= 0) generated.push_back(r.token);
        // A token step leaves the logits it was sampled from in place (the token itself is
        // evaluated at the next step).
        if (dump && r.kind == smollm::StepResult::Kind::Token) {
            std::fwrite(e->logits(0), sizeof(float), static_cast<size_t>(e->n_vocab()), dump);
        }
        if (r.kind == smollm::StepResult::Kind::Done) {
            reason = r.finish_reason;
            break;
        }
    }
    if (json) {
        std::string ids;
        for (size_t i = 0; i < generated.size(); ++i) ids += (i ? "," : "") + std::to_string(generated[i]);
        std::printf("{\"tokens\":[%s],\"text\":%s,\"finish_reason\":\"%s\",\"context_shifts\":%d,\"shifted_out_tokens\":%d}\n", ids.c_str(),
                    json_string(text).c_str(), reason.c_str(), e->context_shifts(), e->shifted_out_tokens());
    } else {
        std::printf("\n[finish_reason: %s, %d tokens, %d context shifts]\n", reason.c_str(), e->generated_tokens(), e->context_shifts());
    }
    if (dump) std::fclose(dump);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const Args a = parse_args(argc, argv);
        if (a.command == "eval") return run_eval(a);
        if (a.command == "perplexity") return run_perplexity(a);
        if (a.command == "generate") return run_generate(a);
        std::fprintf(stderr, "unknown command '%s'\n%s", a.command.c_str(), kUsage);
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}

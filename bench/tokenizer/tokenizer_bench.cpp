// Tokenizer throughput: encodes a text file with a GGUF's tokenizer several times and prints
// one JSON line: {"bytes":..,"tokens":..,"best_s":..,"tokens_per_s":..,"mb_per_s":..}.
// Built natively and with Emscripten by bench/tokenizer/run.mjs.
#include <chrono>
#include <cstdio>
#include <exception>
#include <fstream>
#include <sstream>
#include <string>

#include "text/tokenizer.h"
#include "tokenize_tool/gguf_header_file.h"

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s MODEL.gguf TEXT_FILE [repeats]\n", argv[0]);
        return 2;
    }
    try {
        const auto tok = smollm::Tokenizer::from_gguf(*smollm::read_gguf_header(argv[1]));
        std::ifstream in(argv[2], std::ios::binary);
        if (!in) throw std::runtime_error(std::string(argv[2]) + ": cannot open");
        std::stringstream ss;
        ss << in.rdbuf();
        const std::string text = ss.str();
        const int repeats = argc > 3 ? std::stoi(argv[3]) : 5;
        double best = 1e30;
        size_t n_tokens = 0;
        for (int r = 0; r < repeats; ++r) {
            const auto t0 = std::chrono::steady_clock::now();
            const auto ids = tok->encode(text, true);
            const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            best = std::min(best, s);
            n_tokens = ids.size();
        }
        std::printf("{\"bytes\":%zu,\"tokens\":%zu,\"best_s\":%.4f,\"tokens_per_s\":%.0f,\"mb_per_s\":%.2f}\n", text.size(),
                    n_tokens, best, n_tokens / best, text.size() / best / 1e6);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tokenizer_bench: %s\n", e.what());
        return 1;
    }
    return 0;
}

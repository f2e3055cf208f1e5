// gguf_writer: random-weight llama GGUF files for tests and benchmarks (see writer_usage()).
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "gguf_writer/writer_cli.h"

int main(int argc, char** argv) {
    using namespace smollm::tools;
    try {
        const WriterCommand cmd = parse_writer_args(std::vector<std::string>(argv + 1, argv + argc));
        if (cmd.help) {
            std::fputs(writer_usage(), stdout);
            return 0;
        }
        const WrittenModel m = write_random_llama_model(cmd.spec, cmd.output);
        std::printf("%s\n", describe_written_model(cmd.output, m).c_str());
        return 0;
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "gguf_writer: %s\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "gguf_writer: %s\n", e.what());
        return 1;
    }
}

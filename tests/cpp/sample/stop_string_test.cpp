// Stop strings are never emitted, even across pushes; nothing else is withheld for good.
#include <catch.hpp>

#include <random>

#include "sample/sampler.h"

using namespace smollm;

TEST_CASE("a stop string split over several pushes is never emitted", "[sample][stop]") {
    StopStringMatcher m({"\n\nUser:"});
    auto r = m.push("Hello\n");
    CHECK(r.emit == "Hello");
    CHECK_FALSE(r.stopped);
    r = m.push("\nUs");
    CHECK(r.emit.empty());
    r = m.push("er: hi");
    CHECK(r.stopped);
    CHECK(r.emit.empty());
}

TEST_CASE("held text is released once it can no longer start a stop string", "[sample][stop]") {
    StopStringMatcher m({"</end>"});
    CHECK(m.push("a </").emit == "a ");
    CHECK(m.push("en").emit.empty());
    CHECK(m.push("try").emit == "</entry");
    CHECK(m.push("<").emit.empty());
    CHECK(m.flush() == "<");
    CHECK(m.flush().empty());
}

TEST_CASE("the earliest of several stop strings wins", "[sample][stop]") {
    StopStringMatcher m({"ND!", "END", ""});
    const auto r = m.push("xEND!");
    CHECK(r.stopped);
    CHECK(r.emit == "x");
}

TEST_CASE("random chunking emits exactly the text before the first stop", "[sample][stop]") {
    std::mt19937_64 rng(5);
    const std::string alphabet = "ab\n<>/";
    const std::vector<std::string> stops = {"\n\n", "</a>", "bab"};
    for (int trial = 0; trial < 2000; ++trial) {
        std::string text;
        for (size_t n = rng() % 40; n > 0; --n) text += alphabet[rng() % alphabet.size()];
        size_t first = std::string::npos;
        for (const auto& s : stops) first = std::min(first, text.find(s));
        StopStringMatcher m(stops);
        std::string out;
        bool stopped = false;
        for (size_t pos = 0; pos < text.size() && !stopped;) {
            const size_t len = 1 + rng() % 5;
            const auto r = m.push(text.substr(pos, len));
            out += r.emit;
            stopped = r.stopped;
            pos += len;
        }
        if (!stopped) out += m.flush();
        INFO("text: " << text);
        CHECK(stopped == (first != std::string::npos));
        CHECK(out == text.substr(0, first));
    }
}

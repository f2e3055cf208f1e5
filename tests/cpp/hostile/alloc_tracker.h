// Counts the bytes this test binary holds through operator new (every std container, every
// make_unique), with the peak since the last reset. Hostile-header tests use it to show that
// an absurd header is refused before anything large is allocated from it.
#pragma once
#include <cstdint>

namespace smollm::hostile {

uint64_t allocated_now();
uint64_t allocated_peak();
void reset_allocated_peak();   // peak := now

}  // namespace smollm::hostile

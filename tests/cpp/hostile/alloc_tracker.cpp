#include "alloc_tracker.h"

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

namespace smollm::hostile {
namespace {

std::atomic<uint64_t> g_now{0};
std::atomic<uint64_t> g_peak{0};

// Each block starts with a header padded to the block's alignment: the size at its start, the
// header's own length in the 8 bytes just before the user pointer (so delete finds both).
constexpr size_t kHeader = 2 * sizeof(uint64_t);
static_assert(kHeader % alignof(std::max_align_t) == 0, "blocks must stay aligned for any type");

void count_alloc(uint64_t n) {
    const uint64_t now = g_now.fetch_add(n) + n;
    uint64_t peak = g_peak.load();
    while (now > peak && !g_peak.compare_exchange_weak(peak, now)) {
    }
}

void* tracked_alloc(size_t n, size_t align) {
    const size_t header = align > kHeader ? align : kHeader;
    void* raw = align > kHeader ? std::aligned_alloc(align, (header + n + align - 1) / align * align)
                                : std::malloc(header + n);
    if (!raw) return nullptr;
    char* user = static_cast<char*>(raw) + header;
    static_cast<uint64_t*>(raw)[0] = n;
    reinterpret_cast<uint64_t*>(user)[-1] = header;
    count_alloc(n);
    return user;
}

void tracked_free(void* p) {
    if (!p) return;
    char* user = static_cast<char*>(p);
    const uint64_t header = reinterpret_cast<uint64_t*>(user)[-1];
    uint64_t* raw = reinterpret_cast<uint64_t*>(user - header);
    g_now.fetch_sub(raw[0]);
    std::free(raw);
}

}  // namespace

uint64_t allocated_now() { return g_now.load(); }
uint64_t allocated_peak() { return g_peak.load(); }
void reset_allocated_peak() { g_peak.store(g_now.load()); }

}  // namespace smollm::hostile

using smollm::hostile::tracked_alloc;
using smollm::hostile::tracked_free;

void* operator new(size_t n) {
    if (void* p = tracked_alloc(n, 0)) return p;
    throw std::bad_alloc();
}
void* operator new[](size_t n) { return operator new(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept { return tracked_alloc(n, 0); }
void* operator new[](size_t n, const std::nothrow_t&) noexcept { return tracked_alloc(n, 0); }
void* operator new(size_t n, std::align_val_t a) {
    if (void* p = tracked_alloc(n, static_cast<size_t>(a))) return p;
    throw std::bad_alloc();
}
void* operator new[](size_t n, std::align_val_t a) { return operator new(n, a); }
void operator delete(void* p) noexcept { tracked_free(p); }
void operator delete[](void* p) noexcept { tracked_free(p); }
void operator delete(void* p, size_t) noexcept { tracked_free(p); }
void operator delete[](void* p, size_t) noexcept { tracked_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { tracked_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { tracked_free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { tracked_free(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { tracked_free(p); }

// Thread-pool microbenchmark: a decode step as the pool sees it, jobs of ITEMS items (chunked
// as the model chunks them: items / (threads * 16)) with a short serial gap between jobs.
// Usage: pool_bench THREADS TOKENS JOBS_PER_TOKEN JOB_US ITEMS GAP_US (JOB_US: the work of one
// job, from a calibration loop; the job time it prints is what to compare).
// Build: g++ -O2 -std=c++20 -static -Isrc bench/contention/pool_bench.cpp src/runtime/thread_pool.cpp -lpthread
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>
#include <algorithm>
#include "runtime/thread_pool.h"
using namespace std::chrono;
static volatile double sink;
static double work(int64_t n, double s = 0) { double a = 1.0 + s; for (int64_t i = 0; i < n; ++i) a = a * 1.0000001 + 1e-9; return a; }
int main(int argc, char** argv) {
  if (argc != 7) { fprintf(stderr, "usage: pool_bench THREADS TOKENS JOBS_PER_TOKEN JOB_US ITEMS GAP_US\n"); return 2; }
  int threads = atoi(argv[1]), tokens = atoi(argv[2]), jobs = atoi(argv[3]);
  double job_us = atof(argv[4]); int64_t items = atoll(argv[5]); double gap_us = atof(argv[6]);
  // calibrate iterations per microsecond
  double us = 1e30;
  for (int r = 0; r < 7; ++r) { auto t0 = steady_clock::now(); sink = work(2000000); us = std::min(us, duration<double, std::micro>(steady_clock::now() - t0).count()); }
  double it_per_us = 2000000 / us;
  int64_t per_item = (int64_t)(job_us * it_per_us / items);
  int64_t gap_it = (int64_t)(gap_us * it_per_us);
  smollm::ThreadPool pool(threads);
  int64_t chunk = std::max<int64_t>(1, items / (threads * 16));
  std::vector<double> out(items);
  auto run = [&](int ntok) {
    for (int t = 0; t < ntok; ++t)
      for (int j = 0; j < jobs; ++j) {
        pool.for_chunks(items, chunk, [&](int64_t b, int64_t e, int) { for (int64_t i = b; i < e; ++i) out[i] = work(per_item, i * 1e-12); });
        sink = work(gap_it);
      }
  };
  run(2);
  auto s = steady_clock::now(); run(tokens);
  double sec = duration<double>(steady_clock::now() - s).count();
  printf("threads %d: %.2f tok/s (%.1f us/job)\n", threads, tokens / sec, sec * 1e6 / tokens / jobs);
}

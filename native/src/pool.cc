// The thread pool and the measured serial/parallel choice declared in pool.h (baseline code: it
// holds no kernels, so it is compiled once, outside the instruction-set units).
#include "pool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <string>
#include <unordered_map>
#include <thread>
#include <vector>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define LAB_PAUSE() _mm_pause()
#else
#define LAB_PAUSE() std::this_thread::yield()
#endif

namespace lab {
namespace {

int envInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  int n = std::atoi(v);
  return n > 0 ? n : fallback;
}

class Pool {
 public:
  Pool() {
    unsigned hw = std::thread::hardware_concurrency();
    threads_ = envInt("LAB_NATIVE_THREADS", hw ? static_cast<int>(hw) : 1);
    if (threads_ > 64) threads_ = 64;
    spinUs_ = envInt("LAB_NATIVE_SPIN_US", 200);
    // Workers live for the whole process (the pool is never destroyed: no join at exit).
    for (int t = 1; t < threads_; t++) std::thread([this] { workerLoop(); }).detach();
  }

  int threads() const { return threads_; }

  void run(int tasks, const std::function<void(int)>& fn) {
    if (tasks <= 0) return;
    if (tasks == 1 || threads_ == 1) {
      for (int i = 0; i < tasks; i++) fn(i);
      return;
    }
    // One job at a time: several JS threads (workers) may call in concurrently.
    std::lock_guard<std::mutex> job(jobMutex_);
    fn_ = &fn;
    tasks_ = tasks;
    fpMode_ = fpControl();  // workers run the job under the caller's denormal mode
    done_.store(0, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lk(sleepMutex_);
      generation_++;
      state_.store(generation_ << 32, std::memory_order_release);
    }
    wake_.notify_all();
    work(generation_);
    // Wait for tasks claimed by workers (spin first: they usually finish within microseconds).
    int spins = 0;
    while (done_.load(std::memory_order_acquire) < tasks) {
      if (++spins < 4096) LAB_PAUSE();
      else std::this_thread::yield();
    }
    // A task that threw (out of memory for scratch space) fails the whole job, in the caller.
    std::exception_ptr error;
    {
      std::lock_guard<std::mutex> lk(errorMutex_);
      error.swap(error_);
    }
    if (error) std::rethrow_exception(error);
  }

 private:
  // Claims and runs tasks of generation gen until none are left or the job has moved on.
  void work(uint64_t gen) {
    bool modeSet = false;
    for (;;) {
      uint64_t s = state_.load(std::memory_order_acquire);
      if ((s >> 32) != gen) return;
      uint32_t idx = static_cast<uint32_t>(s);
      if (static_cast<int>(idx) >= tasks_) return;
      if (!state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel)) continue;
      if (!modeSet) {  // fpMode_ was written before the generation this task belongs to
        modeSet = true;
        if (fpControl() != fpMode_) setFpControl(fpMode_);
      }
      try {
        (*fn_)(static_cast<int>(idx));
      } catch (...) {  // an exception must not leave a worker thread (that would abort the process)
        std::lock_guard<std::mutex> lk(errorMutex_);
        if (!error_) error_ = std::current_exception();
      }
      done_.fetch_add(1, std::memory_order_release);
    }
  }

  void workerLoop() {
    uint64_t seen = 0;
    for (;;) {
      uint64_t gen = state_.load(std::memory_order_acquire) >> 32;
      if (gen == seen) {
        auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(spinUs_);
        int n = 0;
        while ((gen = state_.load(std::memory_order_acquire) >> 32) == seen) {
          LAB_PAUSE();
          if ((++n & 255) == 0 && std::chrono::steady_clock::now() > until) break;
        }
        if (gen == seen) {
          std::unique_lock<std::mutex> lk(sleepMutex_);
          wake_.wait(lk, [&] { return generation_ != seen; });
          gen = generation_;
        }
      }
      seen = gen;
      work(gen);
    }
  }

  int threads_ = 1;
  int spinUs_ = 200;
  std::mutex jobMutex_;
  std::mutex sleepMutex_;
  std::mutex errorMutex_;
  std::exception_ptr error_;             // the first exception of the current job's tasks
  std::condition_variable wake_;
  uint64_t generation_ = 0;              // guarded by sleepMutex_ (writes)
  std::atomic<uint64_t> state_{0};       // generation << 32 | next task index
  std::atomic<int> done_{0};
  int tasks_ = 0;
  uint64_t fpMode_ = 0;
  const std::function<void(int)>* fn_ = nullptr;
};

Pool& pool() {
  static Pool* p = new Pool();  // intentionally leaked: detached workers outlive static dtors
  return *p;
}

class ThreadChoice {
 public:
  static constexpr uint32_t kExplore = 32;  // every kExplore-th call re-tries the other way

  bool useParallel(uint64_t key) {
    std::lock_guard<std::mutex> lock(mutex_);
    Entry& e = entries_[key];
    e.calls++;
    if (e.count[0] < 2 || e.count[1] < 2) return e.count[1] <= e.count[0];  // warm-up: alternate
    const bool best = e.avg[1] < e.avg[0];
    return e.calls % kExplore == 0 ? !best : best;
  }

  void record(uint64_t key, bool parallel, double seconds) {
    std::lock_guard<std::mutex> lock(mutex_);
    Entry& e = entries_[key];
    const int i = parallel ? 1 : 0;
    e.avg[i] = e.count[i] == 0 ? seconds : 0.75 * e.avg[i] + 0.25 * seconds;
    e.count[i]++;
  }

 private:
  struct Entry {
    double avg[2] = {0, 0};
    int count[2] = {0, 0};
    uint32_t calls = 0;
  };
  std::mutex mutex_;
  std::unordered_map<uint64_t, Entry> entries_;
};

ThreadChoice& threadChoice() {
  static ThreadChoice* c = new ThreadChoice();  // leaked like the pool
  return *c;
}

// LAB_NATIVE_PARALLEL=always|never overrides the measured choice (to time what the pool gives).
int parallelOverride() {
  static const int mode = [] {
    const char* v = std::getenv("LAB_NATIVE_PARALLEL");
    if (!v) return 0;
    return std::string(v) == "always" ? 1 : std::string(v) == "never" ? -1 : 0;
  }();
  return mode;
}

}  // namespace

#if defined(__x86_64__) || defined(__i386__)
uint64_t fpControl() { return _mm_getcsr(); }
void setFpControl(uint64_t mode) { _mm_setcsr(static_cast<unsigned>(mode)); }
constexpr uint64_t kFlushBits = 0x8040;  // FTZ (bit 15) | DAZ (bit 6)
#elif defined(__aarch64__)
uint64_t fpControl() {
  uint64_t v;
  __asm__ volatile("mrs %0, fpcr" : "=r"(v));
  return v;
}
void setFpControl(uint64_t mode) { __asm__ volatile("msr fpcr, %0" : : "r"(mode)); }
constexpr uint64_t kFlushBits = uint64_t(1) << 24;  // FZ
#else
uint64_t fpControl() { return 0; }
void setFpControl(uint64_t) {}
constexpr uint64_t kFlushBits = 0;
#endif

FlushDenormals::FlushDenormals() : saved_(fpControl()) {
  if ((saved_ & kFlushBits) != kFlushBits) setFpControl(saved_ | kFlushBits);
}

FlushDenormals::~FlushDenormals() {
  if (fpControl() != saved_) setFpControl(saved_);
}

int poolThreads() { return pool().threads(); }

void parallelFor(int tasks, const std::function<void(int)>& fn) { pool().run(tasks, fn); }

void measuredChoice(uint64_t key, const std::function<void()>& parallel, const std::function<void()>& serial) {
  if (pool().threads() == 1 || parallelOverride() < 0) return serial();
  if (parallelOverride() > 0) return parallel();
  ThreadChoice& choice = threadChoice();
  const bool useParallel = choice.useParallel(key);
  const auto start = std::chrono::steady_clock::now();
  if (useParallel) parallel();
  else serial();
  choice.record(key, useParallel, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

void parallelForMeasured(uint64_t key, int tasks, const std::function<void(int)>& fn) {
  measuredChoice(
      key, [&] { parallelFor(tasks, fn); },
      [&] {
        for (int i = 0; i < tasks; i++) fn(i);
      });
}

}  // namespace lab

// A small process-wide thread pool for data-parallel loops. Workers spin briefly after each job
// (kernels arrive microseconds apart during training) and then sleep, so an idle engine costs no
// CPU. The calling thread takes tasks too, so a job finishes even if no worker wakes in time.
#pragma once
#include <cstdint>
#include <functional>

namespace lab {

/** Threads available to parallelFor, the caller included (≥ 1). */
int poolThreads();

/**
 * Runs fn(0) … fn(tasks-1) across the pool and the caller; returns when all have finished. If a task
 * throws, the others still run and the first exception is rethrown here, in the caller's thread.
 */
void parallelFor(int tasks, const std::function<void(int)>& fn);

/**
 * Runs `parallel` or `serial` (two ways to do the same work), whichever has been faster for this
 * key (a call site and its sizes). Measured, not assumed: when the machine's other cores are busy,
 * a worker preempted mid-task makes the caller wait and one thread wins. Each key keeps a moving
 * average of both and re-tries the slower one now and then, so it follows the machine's load.
 */
void measuredChoice(uint64_t key, const std::function<void()>& parallel, const std::function<void()>& serial);

/** parallelFor when measuredChoice says so for this key, else all tasks on the calling thread. */
void parallelForMeasured(uint64_t key, int tasks, const std::function<void(int)>& fn);

/**
 * While alive, the calling thread flushes denormal results and inputs to zero (x86: MXCSR FTZ and
 * DAZ; arm64: FPCR.FZ), as TensorFlow's kernels run. A value below 1.2e-38 changes no result that
 * matters here, but each one costs a microcode assist of ~100 cycles: Adam's first moment of a
 * weight whose input is rarely non-zero decays through that range for hundreds of steps. Pool jobs
 * run under their caller's mode. The previous mode is restored on exit (JavaScript needs IEEE
 * semantics on this thread).
 */
class FlushDenormals {
 public:
  FlushDenormals();
  ~FlushDenormals();
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;

 private:
  uint64_t saved_;
};

/** The calling thread's floating-point control word (MXCSR / FPCR), and setting it. */
uint64_t fpControl();
void setFpControl(uint64_t mode);

}  // namespace lab

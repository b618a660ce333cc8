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

}  // namespace lab

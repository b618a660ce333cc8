// A small process-wide thread pool for data-parallel loops. Workers spin briefly after each job
// (kernels arrive microseconds apart during training) and then sleep, so an idle engine costs no
// CPU. The calling thread takes tasks too, so a job finishes even if no worker wakes in time.
#pragma once
#include <functional>

namespace lab {

/** Threads available to parallelFor, the caller included (≥ 1). */
int poolThreads();

/** Runs fn(0) … fn(tasks-1) across the pool and the caller; returns when all have finished. */
void parallelFor(int tasks, const std::function<void(int)>& fn);

}  // namespace lab

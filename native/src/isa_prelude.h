// Every library header the kernel sources use, included by an instruction-set unit BEFORE it
// switches the target: code from these headers (std::vector, std::function, std::sort …) is then
// compiled for the baseline even when a kernel instantiates it. Otherwise a template compiled with
// AVX-512 in one unit could be the copy the linker keeps for every unit, and baseline code would
// run AVX-512 instructions on a CPU without them. Add a header here before using it in a kernel
// (tests/unit/native.test.ts disassembles the addon to check).
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <new>
#include <numeric>
#include <utility>
#include <vector>

#include "dispatch.h"
#include "pool.h"
#include "types.h"

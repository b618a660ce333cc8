// Picks the kernels' instruction-set build when the addon loads: the widest one the CPU and the
// operating system support, or the one LAB_NATIVE_ISA names (baseline, avx2, avx512; to test or
// benchmark each build on one machine). Asking for a build this CPU cannot run is an error, never
// a crash. This file itself is compiled for the baseline, like everything outside isa_*.cc.
#include "dispatch.h"

#include <cstdlib>
#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace lab {
namespace {

#if defined(__x86_64__)
struct X86Features {
  bool avx2 = false;    // AVX2 + FMA, with the OS saving YMM state
  bool avx512 = false;  // AVX-512 F/DQ/BW/VL, with the OS saving ZMM and mask state
};

// CPUID says what the CPU has; XGETBV says which register state the OS saves on a context switch
// (a CPU with AVX under an OS that does not save YMM must not use it). macOS enables AVX-512 state
// lazily, so there XCR0 lacks it until first use and we stay on AVX2: safe, a little slower.
X86Features detectX86() {
  X86Features f;
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = c & (1u << 27), avx = c & (1u << 28), fma = c & (1u << 12);
  if (!osxsave || !avx) return f;
  unsigned lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  (void)hi;
  const bool ymmState = (lo & 0x6) == 0x6;     // SSE and AVX state
  const bool zmmState = (lo & 0xe6) == 0xe6;   // plus opmask, ZMM_Hi256, Hi16_ZMM
  if (__get_cpuid_max(0, nullptr) < 7) return f;
  __cpuid_count(7, 0, a, b, c, d);
  const bool avx2 = b & (1u << 5);
  const bool avx512 = (b & (1u << 16)) && (b & (1u << 17)) && (b & (1u << 30)) && (b & (1u << 31));  // F DQ BW VL
  f.avx2 = ymmState && avx2 && fma;
  f.avx512 = f.avx2 && zmmState && avx512;
  return f;
}
#endif

KernelChoice choose() {
  KernelChoice choice;
  choice.available.push_back(&base::table);
#if defined(__x86_64__)
  const X86Features f = detectX86();
  if (f.avx2) choice.available.push_back(&avx2::table);
  if (f.avx512) choice.available.push_back(&avx512::table);
#endif
  const char* want = std::getenv("LAB_NATIVE_ISA");
  if (!want || !*want || std::strcmp(want, "best") == 0) {
    choice.kernels = choice.available.back();
    return choice;
  }
  choice.forced = true;
  std::string known = "best";
  const Kernels* all[] = {
      &base::table,
#if defined(__x86_64__)
      &avx2::table, &avx512::table,
#endif
  };
  for (const Kernels* k : all) {
    known += std::string(", ") + k->id;
    if (std::strcmp(want, k->id) != 0) continue;
    for (const Kernels* ok : choice.available)
      if (ok == k) {
        choice.kernels = k;
        return choice;
      }
    choice.error = std::string("LAB_NATIVE_ISA=") + want + " asks for " + k->name + ", which this CPU (or OS) does not support; best here: " +
                   choice.available.back()->id;
    return choice;
  }
  choice.error = std::string("LAB_NATIVE_ISA=") + want + " is not a kernel build of this addon (use one of: " + known + ")";
  return choice;
}

}  // namespace

const KernelChoice& kernelChoice() {
  static const KernelChoice choice = choose();  // thread-safe, once per process
  return choice;
}

}  // namespace lab

// gyp names objects by basename: ggml-cpu.c and ggml-cpu.cpp would both become ggml-cpu.o.
//
// Oversubscription (x86-64): after every graph node ggml's CPU threads wait for each other in ggml_barrier by
// spinning on `pause` (ggml_thread_cpu_relax), never giving the core away. When ENGINE_CONCURRENCY x WHISPER_THREADS
// exceeds the free cores, a waiting thread burns its whole time slice while the thread it waits for is descheduled,
// and decodes slow down many times over. ggml_thread_cpu_relax is ggml-cpu.c's only use of _mm_pause (its spin
// loops: the barrier and the wait for work), so _mm_pause is redirected here to a relax that also yields the core
// every `spin_yield_every` pauses (earshot_set_spin_yield, from WHISPER_SPIN_YIELD; 0 = ggml's own spin). A yield
// with nothing else runnable returns at once: about one syscall per few microseconds of spinning.
#include <stdatomic.h>

#include "spin-yield.h"

static atomic_int spin_yield_every = 0;

#if defined(__x86_64__)
#include <immintrin.h>  // first: the macro below must not rename the intrinsic's own declaration
#include <sched.h>
static inline void earshot_relax(void) {
    static _Thread_local unsigned spins;
    __builtin_ia32_pause();
    int every = atomic_load_explicit(&spin_yield_every, memory_order_relaxed);
    if (every > 0 && ++spins % (unsigned) every == 0) sched_yield();
}
#define _mm_pause() earshot_relax()
#endif

int earshot_set_spin_yield(int every) {
    atomic_store_explicit(&spin_yield_every, every > 0 ? every : 0, memory_order_relaxed);
#if defined(__x86_64__)
    return 1;
#else
    return 0;  // other architectures keep ggml's own spin (their relax is inline assembly, not an intrinsic)
#endif
}

#include "ggml-cpu/ggml-cpu.c"

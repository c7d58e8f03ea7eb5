// See ggml-cpu-c.c: ggml's spin-waiting threads yield the core every `every` pauses (0 = ggml's own spin).
#pragma once

#ifdef __cplusplus
extern "C" {
#endif
/** Process-wide; returns 1 where the hook exists (x86-64), 0 elsewhere. */
int earshot_set_spin_yield(int every);
#ifdef __cplusplus
}
#endif

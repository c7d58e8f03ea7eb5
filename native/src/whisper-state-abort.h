// See whisper-unit.cpp: what earshot adds to whisper.cpp inside its translation unit (whisper_state is private
// there). The abort callback on a whisper_state's own ggml backends (checked between graph nodes), and whisper_full's
// first step (the log-mel spectrogram, and the signal energy token timestamps use) computed with abort checks.
#pragma once

#include <cstddef>

#include "whisper.h"

void earshot_whisper_state_set_abort(struct whisper_state * state, ggml_abort_callback callback, void * data);

// Fills the state's mel spectrogram (and, when `energy`, the signal energy token timestamps use) from `samples`,
// bit for bit what whisper_full_with_state computes itself, checking `abort(abort_data)` (may be nullptr) every few
// tens of milliseconds of work. Then whisper_full_with_state(ctx, state, params, samples, 0) decodes it without
// recomputing (whisper computes both only when n_samples > 0). Returns 0 when done, 1 when aborted (the state's
// input is then partial: run nothing on it; the next prepare overwrites it), -1 on failure (bad arguments, no
// memory, no thread). `samples` is only read during the call and stays the caller's.
int earshot_whisper_prepare_input(struct whisper_context * ctx, struct whisper_state * state, const float * samples,
                                  int n_samples, int n_threads, bool energy, ggml_abort_callback abort, void * abort_data);

// The same input through whisper's own code, unabortable, exactly as whisper_full_with_state computes it (the
// reference earshot_whisper_prepare_input is tested against). Reads samples[1..200] whatever n_samples is, like
// whisper: callers pass more than 200 samples. 0 or -1.
int earshot_whisper_reference_input(struct whisper_context * ctx, struct whisper_state * state, const float * samples,
                                    int n_samples, int n_threads, bool energy);

// A view of the state's current input; the arrays belong to the state and are valid until its next run or free.
struct earshot_whisper_input {
    const float * mel;  // n_mel rows of n_len frames (row-major: mel[j * n_len + i])
    int n_mel, n_len, n_len_org;
    const float * energy;
    size_t n_energy;
};
earshot_whisper_input earshot_whisper_state_input(const struct whisper_state * state);

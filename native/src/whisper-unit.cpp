// whisper.cpp's own source, compiled unchanged from the pinned package, plus what earshot needs from its private
// whisper_state (defined only in this translation unit). binding.gyp builds this file instead of src/whisper.cpp.
#include "whisper.cpp"

#include "whisper-state-abort.h"

// whisper_full hands params.abort_callback to ggml only on graphs it computes without a scheduler. In v1.9.1 the
// encoder, cross-attention and decoder graphs run through ggml_backend_sched (ggml_graph_compute_helper(sched, ...)),
// which never sets it, so an abort waited for the whole encoder pass (seconds on base and larger). The callback
// lives on each backend of the state: set here, the CPU backend copies it into every graph plan and checks it after
// each graph node, and the aborted compute returns GGML_STATUS_ABORTED -> whisper_encode/decode_internal fail ->
// whisper_full returns an error (its schedulers are reset on failure, so the state runs the next job normally).
// The state's backends are owned by the state; this only stores (callback, data), which the caller owns and must
// keep valid until it sets them again (nullptr clears).
void earshot_whisper_state_set_abort(struct whisper_state * state, ggml_abort_callback callback, void * data) {
    if (state == nullptr) return;
    for (ggml_backend_t backend : state->backends) {
        ggml_backend_dev_t dev = ggml_backend_get_device(backend);
        ggml_backend_reg_t reg = dev ? ggml_backend_dev_backend_reg(dev) : nullptr;
        auto * set_abort = reg ? (ggml_backend_set_abort_callback_t) ggml_backend_reg_get_proc_address(reg, "ggml_backend_set_abort_callback") : nullptr;
        if (set_abort) set_abort(backend, callback, data);
    }
}

// ---- whisper_full's first step, abortable ----------------------------------------------------------------------
// whisper_full_with_state starts with the log-mel spectrogram of the whole input (log_mel_spectrogram: n_threads
// workers, ~0.4 s CPU per minute of audio per thread) and, with token timestamps, the signal energy
// (get_signal_energy: 65 reads per sample, one thread); neither checks any callback, so a client leaving during a
// long input kept the CPU busy for seconds. Both are computed here with whisper's own static helpers, unchanged,
// in slices with an abort check between slices; the padding and the normalisation copy log_mel_spectrogram's
// lines. Every mel frame and every energy sample is computed by the same code from the same values as in
// whisper's own run with the same n_threads, so the result is bit-identical (test/engine/mel.test.ts compares them).

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace {

// Frames each thread computes per round: ~70 ms of CPU here, the abort latency of the mel.
constexpr int earshot_mel_frames_per_round = 1000;
// Samples of signal energy per slice (10 s: ~40 ms here).
constexpr int64_t earshot_energy_slice = WHISPER_SAMPLE_RATE * 10;
// whisper_full_with_state: get_signal_energy(samples, n_samples, 32)
constexpr int earshot_energy_half_window = 32;

bool earshot_aborted(ggml_abort_callback abort, void * data) { return abort != nullptr && abort(data); }

// The mel, as log_mel_spectrogram computes it, in rounds. log_mel_spectrogram_worker_thread(ith, ..., n_threads)
// computes frames ith, ith + n_threads, ...; called with a stride of T*K and ith = k*T + t (t < T), round k runs on
// T threads and the K rounds together compute every frame once. 0, 1 (aborted) or -1.
int earshot_mel(const whisper_filters & filters, whisper_state & wstate, const float * samples, int n_samples,
                int n_threads, ggml_abort_callback abort, void * abort_data) {
    const int64_t t_start_us = ggml_time_us();
    const int frame_size = WHISPER_N_FFT;
    const int frame_step = WHISPER_HOP_LENGTH;
    const float * hann = global_cache.hann_window;
    whisper_mel & mel = wstate.mel;

    // padding: log_mel_spectrogram's lines (the vector starts zero-filled, which is its std::fill)
    int64_t stage_1_pad = WHISPER_SAMPLE_RATE * 30;
    int64_t stage_2_pad = frame_size / 2;
    std::vector<float> samples_padded;
    samples_padded.resize(n_samples + stage_1_pad + stage_2_pad * 2);
    if (n_samples > 0) std::copy(samples, samples + n_samples, samples_padded.begin() + stage_2_pad);
    // whisper reflects samples[1..200] to the front whatever n_samples is (reading past a shorter input); here only
    // samples that exist are read and the rest stays zero. Identical whenever n_samples > 200.
    const int64_t n_reflect = std::min<int64_t>(stage_2_pad, std::max(0, n_samples - 1));
    if (n_reflect > 0) std::reverse_copy(samples + 1, samples + 1 + n_reflect, samples_padded.begin() + (stage_2_pad - n_reflect));

    mel.n_mel     = filters.n_mel;
    mel.n_len     = (samples_padded.size() - frame_size) / frame_step;
    mel.n_len_org = 1 + (n_samples + stage_2_pad - frame_size) / frame_step;
    mel.data.resize(mel.n_mel * mel.n_len);  // every element is written by the rounds below

    const int per_round = n_threads * earshot_mel_frames_per_round;
    const int rounds = std::max(1, (mel.n_len + per_round - 1) / per_round);
    const int stride = n_threads * rounds;
    // Threads as log_mel_spectrogram starts them (the function itself handed to std::thread), frames i % T == 0 on
    // the calling thread, as there. This matters: a frame computed on a std::thread can differ in the last bit
    // from the same frame on the calling thread (whisper's own spectrogram depends on n_threads; apparently two
    // compiled copies of the worker, inlined and out of line, round differently). A call through a lambda on every
    // thread did differ from whisper at 3 threads; this way each frame runs where whisper would run it. A worker thread that throws
    // (std::bad_alloc for its 16 KB of FFT buffers) ends the process, as in whisper's own.
    for (int k = 0; k < rounds; k++) {
        if (earshot_aborted(abort, abort_data)) return 1;
        std::vector<std::thread> workers;
        bool failed = false;
        try {
            workers.reserve(n_threads - 1);
            for (int t = 1; t < n_threads; t++) {
                workers.emplace_back(log_mel_spectrogram_worker_thread, k * n_threads + t, hann, std::cref(samples_padded),
                                     n_samples + stage_2_pad, frame_size, frame_step, stride, std::cref(filters), std::ref(mel));
            }
            log_mel_spectrogram_worker_thread(k * n_threads, hann, samples_padded, n_samples + stage_2_pad, frame_size,
                                              frame_step, stride, filters, mel);
        } catch (...) {
            failed = true;  // no thread, or no memory on this one: the started threads finish and are joined first
        }
        for (std::thread & w : workers) w.join();
        if (failed) return -1;
    }

    // clamping and normalization: log_mel_spectrogram's lines
    double mmax = -1e20;
    for (int i = 0; i < mel.n_mel*mel.n_len; i++) {
        if (mel.data[i] > mmax) {
            mmax = mel.data[i];
        }
    }

    mmax -= 8.0;

    for (int i = 0; i < mel.n_mel*mel.n_len; i++) {
        if (mel.data[i] < mmax) {
            mel.data[i] = mmax;
        }

        mel.data[i] = (mel.data[i] + 4.0)/4.0;
    }

    wstate.t_mel_us += ggml_time_us() - t_start_us;
    return 0;
}

// get_signal_energy over the whole input, one slice at a time: each slice is computed from the slice plus the
// half window on either side (clipped to the input), so every sample sums the same values in the same order.
int earshot_energy(whisper_state & wstate, const float * samples, int n_samples, ggml_abort_callback abort, void * abort_data) {
    const int hw = earshot_energy_half_window;
    std::vector<float> energy(static_cast<size_t>(n_samples));
    for (int64_t a = 0; a < n_samples; a += earshot_energy_slice) {
        if (earshot_aborted(abort, abort_data)) return 1;
        const int64_t b = std::min<int64_t>(n_samples, a + earshot_energy_slice);
        const int64_t lo = std::max<int64_t>(0, a - hw);
        const int64_t hi = std::min<int64_t>(n_samples, b + hw);
        std::vector<float> part = get_signal_energy(samples + lo, static_cast<int>(hi - lo), hw);
        std::copy(part.begin() + (a - lo), part.begin() + (b - lo), energy.begin() + a);
    }
    wstate.energy = std::move(energy);
    return 0;
}

}  // namespace

int earshot_whisper_prepare_input(struct whisper_context * ctx, struct whisper_state * state, const float * samples,
                                  int n_samples, int n_threads, bool energy, ggml_abort_callback abort, void * abort_data) {
    if (ctx == nullptr || state == nullptr || n_samples < 0 || (n_samples > 0 && samples == nullptr)) return -1;
    try {
        int rc = earshot_mel(ctx->model.filters, *state, samples, n_samples, std::max(1, n_threads), abort, abort_data);
        if (rc == 0 && energy) rc = earshot_energy(*state, samples, n_samples, abort, abort_data);
        return rc;
    } catch (...) {  // std::bad_alloc from the buffers (an hour of audio needs ~0.5 GB here)
        return -1;
    }
}

int earshot_whisper_reference_input(struct whisper_context * ctx, struct whisper_state * state, const float * samples,
                                    int n_samples, int n_threads, bool energy) {
    if (ctx == nullptr || state == nullptr || n_samples <= 0 || samples == nullptr) return -1;
    try {
        // whisper_full_with_state's own first lines for n_samples > 0
        if (whisper_pcm_to_mel_with_state(ctx, state, samples, n_samples, n_threads) != 0) return -1;
        if (energy) state->energy = get_signal_energy(samples, n_samples, earshot_energy_half_window);
        return 0;
    } catch (...) {
        return -1;
    }
}

earshot_whisper_input earshot_whisper_state_input(const struct whisper_state * state) {
    if (state == nullptr) return earshot_whisper_input{nullptr, 0, 0, 0, nullptr, 0};
    return earshot_whisper_input{state->mel.data.data(), state->mel.n_mel, state->mel.n_len, state->mel.n_len_org,
                                 state->energy.data(), state->energy.size()};
}

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

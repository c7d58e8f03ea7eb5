// Speech probabilities from whisper.cpp's own Silero VAD (whisper_vad_*), for bench/vad and the converter test.
// Measurement only: it is never linked into the server.
//
//   whisper-vad-probs <ggml-silero.bin> <in.f32> <out.f32> [threads]
//
// in.f32: 16 kHz mono float32 little-endian samples. out.f32: one float32 per 512-sample window, in order.
// Prints one JSON line: {"windows":N,"load_ms":…,"vad_ms":…} (vad_ms = whisper_vad_detect_speech only).
// Every failure is a message on stderr and a non-zero exit; whisper.cpp's own log is silenced.
#include "whisper.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

static void quiet(enum ggml_log_level, const char *, void *) {}

static bool read_all(const char * path, std::vector<float> & out) {
    FILE * f = std::fopen(path, "rb");
    if (!f) return false;
    std::fseek(f, 0, SEEK_END);
    long bytes = std::ftell(f);
    std::fseek(f, 0, SEEK_SET);
    if (bytes < 0 || bytes % sizeof(float) != 0) { std::fclose(f); return false; }
    out.resize(bytes / sizeof(float));
    size_t got = out.empty() ? 0 : std::fread(out.data(), sizeof(float), out.size(), f);
    std::fclose(f);
    return got == out.size();
}

int main(int argc, char ** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s <ggml-silero.bin> <in.f32> <out.f32> [threads]\n", argv[0]);
        return 2;
    }
    whisper_log_set(quiet, nullptr);

    std::vector<float> samples;
    if (!read_all(argv[2], samples) || samples.empty()) {
        std::fprintf(stderr, "cannot read samples from %s (float32, non-empty)\n", argv[2]);
        return 1;
    }

    using clock = std::chrono::steady_clock;
    auto t0 = clock::now();
    whisper_vad_context_params cparams = whisper_vad_default_context_params();
    cparams.n_threads = argc > 4 ? std::atoi(argv[4]) : 1;
    cparams.use_gpu = false;
    // The context owns the model and the LSTM state; freed on every path below.
    whisper_vad_context * vctx = whisper_vad_init_from_file_with_params(argv[1], cparams);
    if (!vctx) {
        std::fprintf(stderr, "whisper.cpp refused the VAD model %s\n", argv[1]);
        return 1;
    }
    auto t1 = clock::now();
    bool ok = whisper_vad_detect_speech(vctx, samples.data(), (int) samples.size());
    auto t2 = clock::now();
    if (!ok) {
        std::fprintf(stderr, "whisper_vad_detect_speech failed\n");
        whisper_vad_free(vctx);
        return 1;
    }

    const int n = whisper_vad_n_probs(vctx);
    FILE * out = std::fopen(argv[3], "wb");
    bool wrote = out && std::fwrite(whisper_vad_probs(vctx), sizeof(float), n, out) == (size_t) n;
    if (out) wrote = (std::fclose(out) == 0) && wrote;
    whisper_vad_free(vctx);
    if (!wrote) {
        std::fprintf(stderr, "cannot write %s\n", argv[3]);
        return 1;
    }
    using ms = std::chrono::duration<double, std::milli>;
    std::printf("{\"windows\":%d,\"load_ms\":%.3f,\"vad_ms\":%.3f}\n", n, ms(t1 - t0).count(), ms(t2 - t1).count());
    return 0;
}

// One transcription job: a TranscribeWorker on the libuv pool borrows a state from its Model, runs earshot's
// abortable spectrogram, language detection and whisper_full on it, and settles the promise on the JS thread.
// Also the callbacks whisper calls during the run (new segment, abort checks, encoder begin) and the thread
// priority the run takes. Apart from model.cc because this is what runs off the JS thread.
#include <chrono>
#include <cerrno>

#include <sys/resource.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/syscall.h>
#endif

#include "addon.h"

namespace earshot {
namespace {

// ---- decode thread priority ------------------------------------------------------------------------------------
// ggml's worker threads are created by the thread that runs the graph and inherit its nice value (Linux: per
// thread). Lowering it on the libuv worker before whisper_full keeps the event loop (nice 0) ahead of spinning
// decode threads when cores are oversubscribed. Raising it back needs CAP_SYS_NICE; without it the libuv worker
// stays lowered, which only affects other libuv-pool work, never the JS thread.
void set_thread_nice(int nice) {
#if defined(__linux__)
  pid_t tid = static_cast<pid_t>(syscall(SYS_gettid));
  setpriority(PRIO_PROCESS, static_cast<id_t>(tid), nice);
#else
  (void)nice;
#endif
}
int get_thread_nice() {
#if defined(__linux__)
  pid_t tid = static_cast<pid_t>(syscall(SYS_gettid));
  errno = 0;
  int v = getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
  return errno == 0 ? v : 0;
#else
  return 0;
#endif
}

// onSegment bookkeeping, touched only on the JS thread. Shared with queued calls, which may run after the job
// object is gone; the promise settles only after every segment was delivered (the rest delivered from OnOK).
struct Delivery { int next = 0; bool closed = false; };
struct PendingSegment { SegmentOut seg; int index; std::shared_ptr<Delivery> delivery; };

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

// Created by StartTranscription, queued once, deleted by node-addon-api after OnOK/OnError (JS thread).
class TranscribeWorker : public Napi::AsyncWorker {
 public:
  TranscribeWorker(Napi::Env env, Model* model, Napi::Object model_ref, std::vector<float> pcm, JobOptions opts,
                   std::shared_ptr<std::atomic<bool>> aborted)
      : Napi::AsyncWorker(env, "whisper-transcribe"), model_(model), pcm_(std::move(pcm)), opts_(std::move(opts)),
        aborted_(std::move(aborted)), deferred_(Napi::Promise::Deferred::New(env)) {
    model_ref_ = Napi::Persistent(model_ref);  // keeps the Model alive (no finalizer) while the job exists
    out_.has_mel_ms = !opts_.whisper_mel;
  }
  ~TranscribeWorker() override {
    if (has_segment_fn_) segment_fn_.Release();
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

  void SetSegmentCallback(Napi::Env env, Napi::Function fn) {
    segment_fn_ = Napi::ThreadSafeFunction::New(env, fn, "whisper-segment", 0, 1);
    has_segment_fn_ = true;
    segment_ref_ = Napi::Persistent(fn);
  }

  void Execute() override;
  void OnOK() override;
  void OnError(const Napi::Error& e) override;

 private:
  // whisper calls these from inside whisper_full (worker thread): they never throw.
  static void OnNewSegment(whisper_context* ctx, whisper_state* st, int n_new, void* user) {
    auto* self = static_cast<TranscribeWorker*>(user);  // the running worker (whisper_full returns before it ends)
    if (!self->has_segment_fn_) return;
    int n = whisper_full_n_segments_from_state(st);
    for (int i = n - n_new; i < n; i++) {
      PendingSegment* seg = nullptr;
      try {
        seg = new PendingSegment{read_segment(ctx, st, i), i, self->delivery_};
      } catch (...) {
        continue;  // out of memory: OnOK delivers this segment and the ones after it instead, still in order
      }
      // seg is owned by the queued call from here, or freed below if the call is refused
      if (self->segment_fn_.NonBlockingCall(seg, [](Napi::Env env, Napi::Function fn, PendingSegment* s) {
            // in order, once: OnOK delivers whatever has not arrived yet and closes the gate
            if (!s->delivery->closed && s->index == s->delivery->next) {
              s->delivery->next++;
              try { fn.Call({segment_to_js(env, s->seg)}); } catch (const Napi::Error&) {}  // a throwing callback must not kill the job
            }
            delete s;
          }) != napi_ok) {
        delete seg;
      }
    }
  }
  static bool OnAbortCheck(void* user) { return static_cast<std::atomic<bool>*>(user)->load(); }
  static bool OnEncoderBegin(whisper_context*, whisper_state*, void* user) {
    return !static_cast<std::atomic<bool>*>(user)->load();
  }

  void Run(whisper_context* ctx, whisper_state* st);
  void Finish();

  Model* model_;                        // not owned: model_ref_ keeps it alive, free() refuses while we exist
  Napi::ObjectReference model_ref_;
  std::vector<float> pcm_;              // the job's copy of the caller's samples
  JobOptions opts_;
  std::shared_ptr<std::atomic<bool>> aborted_;  // shared with abort(), which may outlive the job
  Napi::Promise::Deferred deferred_;
  Napi::ThreadSafeFunction segment_fn_;  // released in Finish (or the destructor if the job never settled)
  Napi::FunctionReference segment_ref_;  // the same function, for the segments OnOK delivers itself
  bool has_segment_fn_ = false;
  std::shared_ptr<Delivery> delivery_ = std::make_shared<Delivery>();
  TranscriptOut out_;  // written by Execute, read by OnOK
  bool was_aborted_ = false;
};

// What the run changed on the worker thread and on the borrowed state, undone however Execute leaves (an
// exception in whisper, std::bad_alloc here): the state goes back to the pool only after a complete run, since an
// exception may leave it half-written; otherwise it is freed.
struct RunScope {
  Model* model;
  whisper_state* st;
  bool lowered;
  int saved_nice;
  bool complete = false;
  ~RunScope() {
    if (lowered) set_thread_nice(saved_nice);  // may fail without CAP_SYS_NICE (see set_thread_nice)
    earshot_whisper_state_set_abort(st, nullptr, nullptr);
    set_thread_job_aborted(nullptr);
    // reused by the next job; a state has no per-job data that leaks into the next run
    if (complete) model->Return(st); else model->Discard(st);
  }
};

void TranscribeWorker::Execute() {
  auto started = std::chrono::steady_clock::now();
  if (aborted_->load()) { was_aborted_ = true; return; }
  whisper_context* ctx = model_->ctx();
  whisper_state* st = model_->Borrow();
  if (!st) { SetError("could not allocate a whisper state (out of memory?)"); return; }
  // abort() must stop the encoder mid-pass too, not only between whisper's own steps (see whisper-unit.cpp).
  // aborted_ outlives this run (the worker owns it); cleared by RunScope before the state goes back to the pool.
  earshot_whisper_state_set_abort(st, &TranscribeWorker::OnAbortCheck, aborted_.get());
  set_thread_job_aborted(aborted_.get());
  {
    RunScope scope{model_, st, opts_.nice != 0, 0};
    if (scope.lowered) { scope.saved_nice = get_thread_nice(); set_thread_nice(scope.saved_nice + opts_.nice); }
    Run(ctx, st);
    scope.complete = true;
  }
  out_.total_ms = ms_since(started);
}

void TranscribeWorker::Run(whisper_context* ctx, whisper_state* st) {
  std::string language = opts_.language;
  const int n_samples = static_cast<int>(pcm_.size());
  if (!opts_.whisper_mel) {
    // whisper_full's first step, done here so that an abort stops it too (see whisper-unit.cpp); detection and
    // whisper_full below decode the state's spectrogram without recomputing it.
    auto t = std::chrono::steady_clock::now();
    int rc = earshot_whisper_prepare_input(ctx, st, pcm_.data(), n_samples, opts_.threads, opts_.token_timestamps,
                                           &TranscribeWorker::OnAbortCheck, aborted_.get());
    out_.mel_ms = ms_since(t);
    if (rc == 1) { was_aborted_ = true; return; }
    if (rc != 0) { SetError("whisper could not compute the spectrogram (out of memory?)"); return; }
  }
  if (opts_.detect_language && whisper_is_multilingual(ctx)) {
    // Detection on the first 30 s, with the probabilities whisper_full would not return.
    auto t = std::chrono::steady_clock::now();
    std::vector<float> probs(static_cast<size_t>(whisper_lang_max_id() + 1), 0.0f);
    bool ok = false;
    if (opts_.whisper_mel && whisper_pcm_to_mel_with_state(ctx, st, pcm_.data(), n_samples, opts_.threads) != 0) {
      SetError("whisper could not compute the spectrogram");
    } else if (aborted_->load()) {
      was_aborted_ = true;
    } else {
      int id = whisper_lang_auto_detect_with_state(ctx, st, 0, opts_.threads, probs.data());
      if (aborted_->load()) {
        was_aborted_ = true;  // an abort mid-encoder makes detection fail: not an error
      } else if (id < 0) {
        SetError("whisper language detection failed");
      } else {
        language = whisper_lang_str(id);
        out_.language_prob = probs[static_cast<size_t>(id)];
        ok = true;
      }
    }
    out_.detect_ms = ms_since(t);
    if (!ok) return;
  } else if (language == "auto") {
    language = "en";
  }

  whisper_full_params p = whisper_full_default_params(WHISPER_SAMPLING_GREEDY);
  p.n_threads = opts_.threads;
  p.translate = opts_.translate;
  p.language = language.c_str();  // borrowed: `language` outlives whisper_full below
  p.detect_language = false;
  p.print_progress = false;
  p.print_realtime = false;
  p.print_timestamps = false;
  p.print_special = false;
  p.token_timestamps = opts_.token_timestamps;
  p.audio_ctx = opts_.audio_ctx;
  p.temperature = opts_.temperature;
  if (!opts_.prompt_tokens.empty()) {
    p.prompt_tokens = opts_.prompt_tokens.data();  // borrowed: opts_ outlives whisper_full below
    p.prompt_n_tokens = static_cast<int>(opts_.prompt_tokens.size());
  } else if (!opts_.prompt.empty()) {
    p.initial_prompt = opts_.prompt.c_str();
  }
  p.new_segment_callback = &TranscribeWorker::OnNewSegment;
  p.new_segment_callback_user_data = this;
  p.abort_callback = &TranscribeWorker::OnAbortCheck;
  p.abort_callback_user_data = aborted_.get();
  p.encoder_begin_callback = &TranscribeWorker::OnEncoderBegin;
  p.encoder_begin_callback_user_data = aborted_.get();
  // n_samples 0: whisper skips its own spectrogram and decodes the one prepared above (samples are not read)
  int rc = whisper_full_with_state(ctx, st, p, pcm_.data(), opts_.whisper_mel ? n_samples : 0);
  if (aborted_->load()) {
    was_aborted_ = true;
  } else if (rc != 0) {
    SetError("whisper_full failed (code " + std::to_string(rc) + ")");
  } else {
    int n = whisper_full_n_segments_from_state(st);
    out_.segments.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n; i++) out_.segments.push_back(read_segment(ctx, st, i));
    int lang_id = whisper_full_lang_id_from_state(st);
    out_.language = lang_id >= 0 ? whisper_lang_str(lang_id) : language;
  }
}

void TranscribeWorker::Finish() {
  model_->JobDone();
  if (has_segment_fn_) { segment_fn_.Release(); has_segment_fn_ = false; }
}

void TranscribeWorker::OnOK() {
  Napi::Env env = Env();
  if (has_segment_fn_ && !was_aborted_) {
    for (size_t i = static_cast<size_t>(delivery_->next); i < out_.segments.size(); i++) {
      delivery_->next++;
      try { segment_ref_.Call({segment_to_js(env, out_.segments[i])}); } catch (const Napi::Error&) {}
    }
  }
  delivery_->closed = true;
  Finish();
  // A throw here would escape into the event loop as an uncaught exception and leave the promise pending:
  // building the result failed is the job's rejection instead.
  try {
    if (was_aborted_) {
      deferred_.Reject(aborted_error(env).Value());
      return;
    }
    deferred_.Resolve(transcript_to_js(env, out_));
  } catch (const Napi::Error& e) {
    deferred_.Reject(e.Value());
  }
}

void TranscribeWorker::OnError(const Napi::Error& e) {
  delivery_->closed = true;
  Finish();
  deferred_.Reject(e.Value());
}

}  // namespace

Napi::Value StartTranscription(Napi::Env env, Model* model, Napi::Object model_obj, std::vector<float> pcm,
                               JobOptions opts, Napi::Value on_segment) {
  auto aborted = std::make_shared<std::atomic<bool>>(false);
  // ours until queued (a throw before that frees it); once queued it deletes itself when done
  std::unique_ptr<TranscribeWorker> worker(new TranscribeWorker(env, model, model_obj, std::move(pcm), std::move(opts), aborted));
  if (on_segment.IsFunction()) worker->SetSegmentCallback(env, on_segment.As<Napi::Function>());
  Napi::Promise promise = worker->Promise();

  // abort(): sets the flag the spectrogram rounds, whisper's abort_callback and encoder_begin_callback read;
  // idempotent, callable late. Made before the job is queued, so nothing after Queue() can throw.
  Napi::Function abort = Napi::Function::New(env, [aborted](const Napi::CallbackInfo& ci) {
    aborted->store(true);
    return ci.Env().Undefined();
  }, "abort");
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, promise);
  out.Set(1u, abort);

  model->JobStarted();
  try {
    worker->Queue();
  } catch (...) {
    model->JobDone();
    throw;
  }
  worker.release();
  return out;
}

}  // namespace earshot

// earshot's N-API binding over whisper.cpp (node-addon-api).
//
// Surface (see src/engine/binding.ts for the TypeScript view):
//   loadModel(path, { flashAttn }) -> Promise<Model>      whisper context without state, from the default params
//   model.transcribe(pcm, opts, onSegment?) -> [Promise<Result>, abort()]
//   model.spectrogram(pcm, opts) -> { nMel, nLen, nLenOrg, mel, energy }   whisper's input, for tests (synchronous)
//   model.info() / model.activeJobs() / model.free()
//   systemInfo(), version(), setLogger(fn | null), setSpinYield(every)
//
// Ownership: a Model owns its whisper_context and a pool of idle whisper_state (one per concurrent job, reused).
// A job (TranscribeWorker, on the libuv pool) borrows a state for its run and gives it back, aborted or not.
// free() refuses while jobs run; the finalizer frees whatever is left. Every failure is a JS exception or a
// rejected promise, never an abort of the process.
#include <napi.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/syscall.h>
#endif

#include "whisper.h"
#include "whisper-state-abort.h"
#include "spin-yield.h"

namespace {

// ---- whisper's log, routed to a JS function (pino in the server) ----------------------------------------------
// whisper/ggml log from any thread, in fragments (GGML_LOG_LEVEL_CONT continues a line): fragments are joined per
// thread into lines and each line is handed to JS through a thread-safe function. No logger = silence.
std::mutex g_log_mutex;
Napi::ThreadSafeFunction g_log_tsfn;  // guarded by g_log_mutex
bool g_log_set = false;

struct LogLine { int level; std::string text; };

// The abort flag of the job running on this thread, if any (set by TranscribeWorker::Execute). whisper logs
// "failed to encode" / "encoder_begin_callback returned false" at error level when a job is aborted: that is the
// client leaving, not a fault, so those lines are demoted to debug.
thread_local const std::atomic<bool>* t_job_aborted = nullptr;

void log_callback(enum ggml_log_level level, const char* text, void*) {
  thread_local std::string pending;
  thread_local int pending_level = GGML_LOG_LEVEL_INFO;
  if (level != GGML_LOG_LEVEL_CONT) pending_level = level;
  if (t_job_aborted && t_job_aborted->load() && (level == GGML_LOG_LEVEL_ERROR || level == GGML_LOG_LEVEL_WARN)) {
    pending_level = GGML_LOG_LEVEL_DEBUG;
  }
  pending += text ? text : "";
  size_t nl;
  while ((nl = pending.find('\n')) != std::string::npos) {
    std::string line = pending.substr(0, nl);
    pending.erase(0, nl + 1);
    if (line.empty()) continue;
    std::lock_guard<std::mutex> lock(g_log_mutex);
    if (!g_log_set) continue;
    auto* msg = new LogLine{pending_level, std::move(line)};
    if (g_log_tsfn.NonBlockingCall(msg, [](Napi::Env env, Napi::Function fn, LogLine* m) {
          try { fn.Call({Napi::Number::New(env, m->level), Napi::String::New(env, m->text)}); } catch (const Napi::Error&) {}
          delete m;
        }) != napi_ok) {
      delete msg;
    }
  }
}

Napi::Value SetLogger(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::lock_guard<std::mutex> lock(g_log_mutex);
  if (g_log_set) {
    g_log_tsfn.Release();
    g_log_set = false;
  }
  if (info.Length() > 0 && info[0].IsFunction()) {
    g_log_tsfn = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "whisper-log", 0, 1);
    g_log_tsfn.Unref(env);  // logging must not keep the process alive
    g_log_set = true;
  }
  return env.Undefined();
}

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

// ---- results ---------------------------------------------------------------------------------------------------
struct TokenOut {
  int id;
  std::string bytes;  // raw token bytes: may end or start inside a UTF-8 character
  float p, plog;
  int64_t t0, t1;  // centiseconds
};
struct SegmentOut {
  int64_t t0, t1;  // centiseconds
  std::string text;
  float no_speech_prob;
  std::vector<TokenOut> tokens;
};

SegmentOut read_segment(whisper_context* ctx, whisper_state* st, int i) {
  SegmentOut s;
  s.t0 = whisper_full_get_segment_t0_from_state(st, i);
  s.t1 = whisper_full_get_segment_t1_from_state(st, i);
  const char* text = whisper_full_get_segment_text_from_state(st, i);
  s.text = text ? text : "";
  s.no_speech_prob = whisper_full_get_segment_no_speech_prob_from_state(st, i);
  int n = whisper_full_n_tokens_from_state(st, i);
  s.tokens.reserve(n);
  for (int j = 0; j < n; j++) {
    whisper_token_data d = whisper_full_get_token_data_from_state(st, i, j);
    const char* b = whisper_token_to_str(ctx, d.id);
    s.tokens.push_back(TokenOut{d.id, b ? b : "", d.p, d.plog, d.t0, d.t1});
  }
  return s;
}

Napi::Object segment_to_js(Napi::Env env, const SegmentOut& s) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("t0", Napi::Number::New(env, static_cast<double>(s.t0) * 10));  // ms
  o.Set("t1", Napi::Number::New(env, static_cast<double>(s.t1) * 10));
  o.Set("text", Napi::Buffer<char>::Copy(env, s.text.data(), s.text.size()));
  o.Set("noSpeechProb", Napi::Number::New(env, s.no_speech_prob));
  Napi::Array tokens = Napi::Array::New(env, s.tokens.size());
  for (size_t j = 0; j < s.tokens.size(); j++) {
    const TokenOut& t = s.tokens[j];
    Napi::Object to = Napi::Object::New(env);
    to.Set("id", Napi::Number::New(env, t.id));
    to.Set("bytes", Napi::Buffer<char>::Copy(env, t.bytes.data(), t.bytes.size()));
    to.Set("p", Napi::Number::New(env, t.p));
    to.Set("plog", Napi::Number::New(env, t.plog));
    to.Set("t0", Napi::Number::New(env, static_cast<double>(t.t0) * 10));
    to.Set("t1", Napi::Number::New(env, static_cast<double>(t.t1) * 10));
    tokens.Set(static_cast<uint32_t>(j), to);
  }
  o.Set("tokens", tokens);
  return o;
}

class Model;

// onSegment bookkeeping, touched only on the JS thread. Shared with queued calls, which may run after the job
// object is gone; the promise settles only after every segment was delivered (the rest delivered from OnOK).
struct Delivery { int next = 0; bool closed = false; };
struct PendingSegment { SegmentOut seg; int index; std::shared_ptr<Delivery> delivery; };

// ---- one transcription job -------------------------------------------------------------------------------------
struct JobOptions {
  int threads = 1;
  std::string language = "en";  // code, or "auto"
  bool detect_language = false;
  std::string prompt;
  float temperature = 0.0f;
  bool translate = false;
  int audio_ctx = 0;
  bool token_timestamps = true;
  int nice = 0;  // added to the worker's nice value for the run; 0 = unchanged
  // whisper_full computes the spectrogram itself (unabortable): the reference the tests compare earshot's with
  bool whisper_mel = false;
};

class TranscribeWorker : public Napi::AsyncWorker {
 public:
  TranscribeWorker(Napi::Env env, Model* model, Napi::Object model_ref, std::vector<float> pcm, JobOptions opts,
                   std::shared_ptr<std::atomic<bool>> aborted)
      : Napi::AsyncWorker(env, "whisper-transcribe"), model_(model), pcm_(std::move(pcm)), opts_(std::move(opts)),
        aborted_(std::move(aborted)), deferred_(Napi::Promise::Deferred::New(env)) {
    model_ref_ = Napi::Persistent(model_ref);  // keeps the Model alive (no finalizer) while the job exists
  }
  ~TranscribeWorker() override {
    if (has_segment_fn_) segment_fn_.Release();
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

  void SetSegmentCallback(Napi::Env env, Napi::Function fn) {
    segment_fn_ = Napi::ThreadSafeFunction::New(env, fn, "whisper-segment", 0, 1);
    segment_ref_ = Napi::Persistent(fn);
    has_segment_fn_ = true;
  }

  void Execute() override;
  void OnOK() override;
  void OnError(const Napi::Error& e) override;

 private:
  static void OnNewSegment(whisper_context* ctx, whisper_state* st, int n_new, void* user) {
    auto* self = static_cast<TranscribeWorker*>(user);
    if (!self->has_segment_fn_) return;
    int n = whisper_full_n_segments_from_state(st);
    for (int i = n - n_new; i < n; i++) {
      auto* seg = new PendingSegment{read_segment(ctx, st, i), i, self->delivery_};
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

  void Finish();

  Model* model_;
  Napi::ObjectReference model_ref_;
  std::vector<float> pcm_;
  JobOptions opts_;
  std::shared_ptr<std::atomic<bool>> aborted_;
  Napi::Promise::Deferred deferred_;
  Napi::ThreadSafeFunction segment_fn_;
  Napi::FunctionReference segment_ref_;
  bool has_segment_fn_ = false;
  std::shared_ptr<Delivery> delivery_ = std::make_shared<Delivery>();
  // results
  std::vector<SegmentOut> segments_;
  std::string language_;
  float language_prob_ = -1.0f;
  bool was_aborted_ = false;
  double mel_ms_ = 0, detect_ms_ = 0, total_ms_ = 0;
};

// ---- the model -------------------------------------------------------------------------------------------------
class Model : public Napi::ObjectWrap<Model> {
 public:
  static Napi::FunctionReference constructor;

  static Napi::Function Init(Napi::Env env) {
    Napi::Function fn = DefineClass(env, "Model", {
      InstanceMethod("transcribe", &Model::Transcribe),
      InstanceMethod("spectrogram", &Model::Spectrogram),
      InstanceMethod("info", &Model::Info),
      InstanceMethod("activeJobs", &Model::ActiveJobs),
      InstanceMethod("free", &Model::Free),
    });
    constructor = Napi::Persistent(fn);
    return fn;
  }

  explicit Model(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Model>(info) {
    // Only ever constructed by LoadWorker with an External holding the context.
    if (info.Length() < 1 || !info[0].IsExternal()) {
      Napi::TypeError::New(info.Env(), "Model cannot be constructed directly; use loadModel()").ThrowAsJavaScriptException();
      return;
    }
    ctx_ = info[0].As<Napi::External<whisper_context>>().Data();
  }
  ~Model() override { Release(); }

  whisper_context* ctx() const { return ctx_; }

  // A state for one job: an idle one from the pool, or a new one. Called on worker threads.
  whisper_state* Borrow() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!idle_.empty()) {
        whisper_state* st = idle_.back();
        idle_.pop_back();
        return st;
      }
    }
    return whisper_init_state(ctx_);  // nullptr when allocation fails
  }
  void Return(whisper_state* st) {
    if (!st) return;
    std::lock_guard<std::mutex> lock(mutex_);
    idle_.push_back(st);
  }
  void JobDone() { active_--; }

 private:
  void Release() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (whisper_state* st : idle_) whisper_free_state(st);
    idle_.clear();
    if (ctx_) whisper_free(ctx_);
    ctx_ = nullptr;
  }

  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ctx_) throw Napi::Error::New(env, "whisper model has been freed");
    Napi::Object o = Napi::Object::New(env);
    o.Set("multilingual", Napi::Boolean::New(env, whisper_is_multilingual(ctx_) != 0));
    o.Set("nVocab", Napi::Number::New(env, whisper_model_n_vocab(ctx_)));
    o.Set("nAudioCtx", Napi::Number::New(env, whisper_model_n_audio_ctx(ctx_)));
    o.Set("eot", Napi::Number::New(env, whisper_token_eot(ctx_)));
    o.Set("type", Napi::String::New(env, whisper_model_type_readable(ctx_)));
    o.Set("ftype", Napi::Number::New(env, whisper_model_ftype(ctx_)));
    return o;
  }

  Napi::Value ActiveJobs(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), active_.load()); }

  Napi::Value Free(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (active_.load() > 0) throw Napi::Error::New(env, "whisper model is in use by a running transcription");
    Release();
    return env.Undefined();
  }

  Napi::Value Transcribe(const Napi::CallbackInfo& info);
  Napi::Value Spectrogram(const Napi::CallbackInfo& info);

  whisper_context* ctx_ = nullptr;
  std::mutex mutex_;
  std::vector<whisper_state*> idle_;
  std::atomic<int> active_{0};
};

Napi::FunctionReference Model::constructor;

Napi::Value Model::Transcribe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!ctx_) throw Napi::Error::New(env, "whisper model has been freed");
  if (info.Length() < 2 || !info[0].IsTypedArray() || !info[1].IsObject()) {
    throw Napi::TypeError::New(env, "transcribe(pcm: Float32Array, options: object, onSegment?: function)");
  }
  Napi::TypedArray ta = info[0].As<Napi::TypedArray>();
  if (ta.TypedArrayType() != napi_float32_array) throw Napi::TypeError::New(env, "pcm must be a Float32Array");
  Napi::Float32Array f32 = info[0].As<Napi::Float32Array>();
  std::vector<float> pcm(f32.Data(), f32.Data() + f32.ElementLength());  // copied: the caller may reuse its buffer

  Napi::Object o = info[1].As<Napi::Object>();
  JobOptions opts;
  auto num = [&](const char* k, double def) {
    Napi::Value v = o.Get(k);
    return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : def;
  };
  auto flag = [&](const char* k, bool def) {
    Napi::Value v = o.Get(k);
    return v.IsBoolean() ? v.As<Napi::Boolean>().Value() : def;
  };
  auto str = [&](const char* k, const std::string& def) {
    Napi::Value v = o.Get(k);
    return v.IsString() ? v.As<Napi::String>().Utf8Value() : def;
  };
  opts.threads = std::max(1, static_cast<int>(num("threads", 1)));
  opts.language = str("language", "en");
  opts.detect_language = flag("detectLanguage", false);
  opts.prompt = str("prompt", "");
  opts.temperature = static_cast<float>(num("temperature", 0));
  opts.translate = str("task", "transcribe") == "translate";
  opts.audio_ctx = std::max(0, static_cast<int>(num("audioCtx", 0)));
  opts.token_timestamps = flag("tokenTimestamps", true);
  opts.nice = static_cast<int>(num("nice", 0));
  opts.whisper_mel = flag("whisperMel", false);
  if (opts.whisper_mel && pcm.size() <= 200) {
    throw Napi::Error::New(env, "whisperMel needs more than 200 samples (whisper reads samples[1..200])");
  }
  if (opts.language != "auto" && whisper_lang_id(opts.language.c_str()) < 0) {
    throw Napi::Error::New(env, "unknown language '" + opts.language + "'");
  }

  auto aborted = std::make_shared<std::atomic<bool>>(false);
  auto* worker = new TranscribeWorker(env, this, Value(), std::move(pcm), opts, aborted);
  if (info.Length() > 2 && info[2].IsFunction()) worker->SetSegmentCallback(env, info[2].As<Napi::Function>());
  Napi::Promise promise = worker->Promise();
  active_++;
  worker->Queue();

  // abort(): sets the flag the spectrogram rounds, whisper's abort_callback and encoder_begin_callback read;
  // idempotent, callable late.
  Napi::Function abort = Napi::Function::New(env, [aborted](const Napi::CallbackInfo& ci) {
    aborted->store(true);
    return ci.Env().Undefined();
  }, "abort");
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, promise);
  out.Set(1u, abort);
  return out;
}

// spectrogram(pcm, { threads, energy, whisperMel }): the input whisper_full would decode, computed on a pooled
// state by earshot's abortable path or (whisperMel) by whisper's own code, copied out. Synchronous on the JS thread:
// for tests, which compare the two paths bit for bit.
Napi::Value Model::Spectrogram(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!ctx_) throw Napi::Error::New(env, "whisper model has been freed");
  if (info.Length() < 2 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array ||
      !info[1].IsObject()) {
    throw Napi::TypeError::New(env, "spectrogram(pcm: Float32Array, options: object)");
  }
  Napi::Float32Array pcm = info[0].As<Napi::Float32Array>();
  Napi::Object o = info[1].As<Napi::Object>();
  Napi::Value threads_v = o.Get("threads");
  int threads = std::max(1, threads_v.IsNumber() ? threads_v.As<Napi::Number>().Int32Value() : 1);
  bool energy = o.Get("energy").ToBoolean().Value();
  bool whisper_mel = o.Get("whisperMel").ToBoolean().Value();
  int n = static_cast<int>(pcm.ElementLength());
  if (whisper_mel && n <= 200) throw Napi::Error::New(env, "whisperMel needs more than 200 samples (whisper reads samples[1..200])");

  whisper_state* st = Borrow();
  if (!st) throw Napi::Error::New(env, "could not allocate a whisper state (out of memory?)");
  // the state goes back to the pool however this returns (the Napi calls below may throw)
  struct Giveback { Model* m; whisper_state* st; ~Giveback() { m->Return(st); } } giveback{this, st};
  int rc = whisper_mel ? earshot_whisper_reference_input(ctx_, st, pcm.Data(), n, threads, energy)
                       : earshot_whisper_prepare_input(ctx_, st, pcm.Data(), n, threads, energy, nullptr, nullptr);
  if (rc != 0) throw Napi::Error::New(env, "whisper could not compute the spectrogram");
  earshot_whisper_input in = earshot_whisper_state_input(st);
  size_t n_mel_values = static_cast<size_t>(in.n_mel) * static_cast<size_t>(in.n_len);
  Napi::Float32Array mel = Napi::Float32Array::New(env, n_mel_values);
  if (n_mel_values > 0) std::memcpy(mel.Data(), in.mel, n_mel_values * sizeof(float));
  size_t n_energy = energy ? in.n_energy : 0;  // without `energy` the state may hold an older job's
  Napi::Float32Array en = Napi::Float32Array::New(env, n_energy);
  if (n_energy > 0) std::memcpy(en.Data(), in.energy, n_energy * sizeof(float));
  Napi::Object r = Napi::Object::New(env);
  r.Set("nMel", Napi::Number::New(env, in.n_mel));
  r.Set("nLen", Napi::Number::New(env, in.n_len));
  r.Set("nLenOrg", Napi::Number::New(env, in.n_len_org));
  r.Set("mel", mel);
  r.Set("energy", en);
  return r;
}

void TranscribeWorker::Execute() {
  auto started = std::chrono::steady_clock::now();
  auto ms_since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
  };
  if (aborted_->load()) { was_aborted_ = true; return; }
  whisper_context* ctx = model_->ctx();
  whisper_state* st = model_->Borrow();
  if (!st) { SetError("could not allocate a whisper state (out of memory?)"); return; }
  // abort() must stop the encoder mid-pass too, not only between whisper's own steps (see whisper-unit.cpp).
  // aborted_ outlives this run (the worker owns it); cleared below before the state goes back to the pool.
  earshot_whisper_state_set_abort(st, &TranscribeWorker::OnAbortCheck, aborted_.get());
  t_job_aborted = aborted_.get();

  int saved_nice = 0;
  if (opts_.nice != 0) { saved_nice = get_thread_nice(); set_thread_nice(saved_nice + opts_.nice); }

  std::string language = opts_.language;
  const int n_samples = static_cast<int>(pcm_.size());
  bool ok = true;
  if (!opts_.whisper_mel) {
    // whisper_full's first step, done here so that an abort stops it too (see whisper-unit.cpp); detection and
    // whisper_full below decode the state's spectrogram without recomputing it.
    auto t = std::chrono::steady_clock::now();
    int rc = earshot_whisper_prepare_input(ctx, st, pcm_.data(), n_samples, opts_.threads, opts_.token_timestamps,
                                           &TranscribeWorker::OnAbortCheck, aborted_.get());
    mel_ms_ = ms_since(t);
    if (rc == 1) {
      was_aborted_ = true;
      ok = false;
    } else if (rc != 0) {
      SetError("whisper could not compute the spectrogram (out of memory?)");
      ok = false;
    }
  }
  if (ok && opts_.detect_language && whisper_is_multilingual(ctx)) {
    // Detection on the first 30 s, with the probabilities whisper_full would not return.
    auto t = std::chrono::steady_clock::now();
    std::vector<float> probs(static_cast<size_t>(whisper_lang_max_id() + 1), 0.0f);
    if (opts_.whisper_mel && whisper_pcm_to_mel_with_state(ctx, st, pcm_.data(), n_samples, opts_.threads) != 0) {
      SetError("whisper could not compute the spectrogram");
      ok = false;
    } else if (aborted_->load()) {
      was_aborted_ = true;
      ok = false;
    } else {
      int id = whisper_lang_auto_detect_with_state(ctx, st, 0, opts_.threads, probs.data());
      if (aborted_->load()) {
        was_aborted_ = true;  // an abort mid-encoder makes detection fail: not an error
        ok = false;
      } else if (id < 0) {
        SetError("whisper language detection failed");
        ok = false;
      } else {
        language = whisper_lang_str(id);
        language_prob_ = probs[static_cast<size_t>(id)];
      }
    }
    detect_ms_ = ms_since(t);
  } else if (ok && language == "auto") {
    language = "en";
  }

  if (ok) {
    whisper_full_params p = whisper_full_default_params(WHISPER_SAMPLING_GREEDY);
    p.n_threads = opts_.threads;
    p.translate = opts_.translate;
    p.language = language.c_str();
    p.detect_language = false;
    p.print_progress = false;
    p.print_realtime = false;
    p.print_timestamps = false;
    p.print_special = false;
    p.token_timestamps = opts_.token_timestamps;
    p.audio_ctx = opts_.audio_ctx;
    p.temperature = opts_.temperature;
    if (!opts_.prompt.empty()) p.initial_prompt = opts_.prompt.c_str();
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
      segments_.reserve(static_cast<size_t>(n));
      for (int i = 0; i < n; i++) segments_.push_back(read_segment(ctx, st, i));
      int lang_id = whisper_full_lang_id_from_state(st);
      language_ = lang_id >= 0 ? whisper_lang_str(lang_id) : language;
    }
  }

  if (opts_.nice != 0) set_thread_nice(saved_nice);  // may fail without CAP_SYS_NICE (see set_thread_nice)
  earshot_whisper_state_set_abort(st, nullptr, nullptr);
  t_job_aborted = nullptr;
  model_->Return(st);  // reused by the next job; a state has no per-job data that leaks into the next run
  total_ms_ = ms_since(started);
}

void TranscribeWorker::Finish() {
  model_->JobDone();
  if (has_segment_fn_) { segment_fn_.Release(); has_segment_fn_ = false; }
}

void TranscribeWorker::OnOK() {
  Napi::Env env = Env();
  if (has_segment_fn_ && !was_aborted_) {
    for (size_t i = static_cast<size_t>(delivery_->next); i < segments_.size(); i++) {
      delivery_->next++;
      try { segment_ref_.Call({segment_to_js(env, segments_[i])}); } catch (const Napi::Error&) {}
    }
  }
  delivery_->closed = true;
  Finish();
  if (was_aborted_) {
    Napi::Error err = Napi::Error::New(env, "the transcription was aborted");
    err.Set("code", Napi::String::New(env, "ABORTED"));
    deferred_.Reject(err.Value());
    return;
  }
  Napi::Object r = Napi::Object::New(env);
  Napi::Array segs = Napi::Array::New(env, segments_.size());
  for (size_t i = 0; i < segments_.size(); i++) segs.Set(static_cast<uint32_t>(i), segment_to_js(env, segments_[i]));
  r.Set("segments", segs);
  r.Set("language", Napi::String::New(env, language_));
  if (language_prob_ >= 0) r.Set("languageProbability", Napi::Number::New(env, language_prob_));
  Napi::Object timings = Napi::Object::New(env);
  timings.Set("totalMs", Napi::Number::New(env, total_ms_));
  if (!opts_.whisper_mel) timings.Set("melMs", Napi::Number::New(env, mel_ms_));
  if (detect_ms_ > 0) timings.Set("detectMs", Napi::Number::New(env, detect_ms_));
  r.Set("timings", timings);
  deferred_.Resolve(r);
}

void TranscribeWorker::OnError(const Napi::Error& e) {
  delivery_->closed = true;
  Finish();
  deferred_.Reject(e.Value());
}

// ---- loading ---------------------------------------------------------------------------------------------------
// whisper_model_load hands the header's ftype to ggml_ftype_to_ggml_type, which GGML_ASSERTs (abort()s the
// process) on a value it has no weight type for, before whisper can refuse the file. Such a header is refused
// here first; everything else malformed is refused by whisper itself or, in earshot, by
// src/engine/model-file.ts before the addon sees the file. Returns "" when whisper may load the file.
std::string header_problem(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return "";  // whisper reports the missing file itself
  uint32_t magic = 0;
  int32_t hparams[11] = {0};
  bool full = std::fread(&magic, sizeof magic, 1, f) == 1 && std::fread(hparams, sizeof hparams, 1, f) == 1;
  std::fclose(f);
  if (!full || magic != 0x67676d6c) return "";  // short file or bad magic: whisper refuses it cleanly
  int32_t ftype = hparams[10] % 1000;  // + 1000 * GGML_QNT_VERSION, as whisper strips it
  // the ggml_ftype values ggml_ftype_to_ggml_type maps (v1.9.1: 0-3 and 7-27; 4 is Q4_1_SOME_F16, 5 and 6 unused)
  bool known = ftype >= GGML_FTYPE_ALL_F32 && ftype <= GGML_FTYPE_MOSTLY_Q1_0 &&
               !(ftype >= GGML_FTYPE_MOSTLY_Q4_1_SOME_F16 && ftype < GGML_FTYPE_MOSTLY_Q8_0);
  return known ? "" : "unsupported weight type (ftype " + std::to_string(hparams[10]) + ")";
}

class LoadWorker : public Napi::AsyncWorker {
 public:
  LoadWorker(Napi::Env env, std::string path, bool flash_attn)
      : Napi::AsyncWorker(env, "whisper-load"), path_(std::move(path)), flash_attn_(flash_attn),
        deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    std::string problem = header_problem(path_);
    if (!problem.empty()) { SetError("whisper could not load the model file " + path_ + ": " + problem); return; }
    whisper_context_params cp = whisper_context_default_params();
    cp.use_gpu = false;
    cp.flash_attn = flash_attn_;
    ctx_ = whisper_init_from_file_with_params_no_state(path_.c_str(), cp);
    if (!ctx_) SetError("whisper could not load the model file " + path_);
  }
  void OnOK() override {
    Napi::Env env = Env();
    whisper_context* ctx = ctx_;
    ctx_ = nullptr;
    try {
      deferred_.Resolve(Model::constructor.New({Napi::External<whisper_context>::New(env, ctx)}));
    } catch (const Napi::Error& e) {
      whisper_free(ctx);
      deferred_.Reject(e.Value());
    }
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  std::string path_;
  bool flash_attn_;
  whisper_context* ctx_ = nullptr;
  Napi::Promise::Deferred deferred_;
};

Napi::Value LoadModel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "loadModel(path: string, options?)");
  bool flash_attn = true;
  if (info.Length() > 1 && info[1].IsObject()) {
    Napi::Value v = info[1].As<Napi::Object>().Get("flashAttn");
    if (v.IsBoolean()) flash_attn = v.As<Napi::Boolean>().Value();
  }
  auto* w = new LoadWorker(env, info[0].As<Napi::String>().Utf8Value(), flash_attn);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

Napi::Value SystemInfo(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), whisper_print_system_info());
}
// setSpinYield(every) -> boolean: ggml's spin-waiting threads yield the core every `every` pauses (0 = ggml's own
// spin); false where the hook does not exist (see ggml-cpu-c.c). Process-wide.
Napi::Value SetSpinYield(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "setSpinYield(every: number)");
  int every = info[0].As<Napi::Number>().Int32Value();
  return Napi::Boolean::New(env, earshot_set_spin_yield(every) != 0);
}
Napi::Value Version(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), whisper_version()); }

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  whisper_log_set(log_callback, nullptr);
  exports.Set("Model", Model::Init(env));
  exports.Set("loadModel", Napi::Function::New(env, LoadModel, "loadModel"));
  exports.Set("systemInfo", Napi::Function::New(env, SystemInfo, "systemInfo"));
  exports.Set("version", Napi::Function::New(env, Version, "version"));
  exports.Set("setLogger", Napi::Function::New(env, SetLogger, "setLogger"));
  exports.Set("setSpinYield", Napi::Function::New(env, SetSpinYield, "setSpinYield"));
  return exports;
}

}  // namespace

NODE_API_MODULE(earshot_whisper, Init)

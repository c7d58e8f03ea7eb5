// Declarations the addon's files share (earshot's N-API binding over whisper.cpp, node-addon-api).
//
// Surface (see src/engine/binding.ts for the TypeScript view):
//   loadModel(path, { flashAttn }) -> Promise<Model>      whisper context without state, from the default params
//   model.transcribe(pcm, opts, onSegment?) -> [Promise<Result>, abort()]
//   model.spectrogram(pcm, opts) -> { nMel, nLen, nLenOrg, mel, energy }   whisper's input, for tests (synchronous)
//   model.tokenize(text) -> Int32Array                    whisper_tokenize, for tests (synchronous, bounded)
//   model.info() / model.activeJobs() / model.free()
//   systemInfo(), version(), setLogger(fn | null), setSpinYield(every)
//
// Files, one responsibility each:
//   addon.cc           module registration and the process-wide functions (systemInfo, version, setSpinYield)
//   whisper-log.cc     whisper/ggml's log routed to a JS function (setLogger)
//   model-load.cc      loadModel: the header check and the LoadWorker that creates the whisper_context
//   model.cc           the Model object: its context, its pool of states, and the synchronous methods
//   transcribe-job.cc  one transcription (TranscribeWorker on the libuv pool) and its segment/abort callbacks
//   results.cc         whisper's results copied out of a state and converted to JS values
//
// Ownership: a Model owns its whisper_context and a pool of idle whisper_state (one per concurrent job, reused).
// A job borrows a state for its run and gives it back, aborted or not. free() refuses while jobs run; the
// finalizer frees whatever is left. Every failure is a JS exception or a rejected promise, never an abort of the
// process: code whisper/ggml call back into (log, segment, abort callbacks) never lets a C++ exception out.
#pragma once

#include <napi.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "whisper.h"
#include "whisper-state-abort.h"

namespace earshot {

// ---- results (results.cc) --------------------------------------------------------------------------------------
// Plain copies, owned by whoever holds them: safe to move between the worker thread and the JS thread.
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
struct TranscriptOut {
  std::vector<SegmentOut> segments;
  std::string language;
  float language_prob = -1.0f;  // < 0: not detected by the job
  double mel_ms = 0, detect_ms = 0, total_ms = 0;
  bool has_mel_ms = true;  // false when whisper_full computed the spectrogram itself (whisperMel)
};

// Segment i of the state's last run. ctx and st stay the caller's; may throw std::bad_alloc.
SegmentOut read_segment(whisper_context* ctx, whisper_state* st, int i);
// JS thread only; throw Napi::Error.
Napi::Object segment_to_js(Napi::Env env, const SegmentOut& s);
Napi::Object transcript_to_js(Napi::Env env, const TranscriptOut& t);
Napi::Error aborted_error(Napi::Env env);  // the rejection of an aborted job: code 'ABORTED'
// The state's current input (arrays copied; energy only when asked for, see Model::Spectrogram).
Napi::Object spectrogram_to_js(Napi::Env env, const earshot_whisper_input& in, bool energy);

// ---- whisper's log (whisper-log.cc) ----------------------------------------------------------------------------
void log_callback(enum ggml_log_level level, const char* text, void* user);  // given to whisper_log_set
Napi::Value SetLogger(const Napi::CallbackInfo& info);
// Marks this thread as running the job whose abort flag is `aborted` (nullptr: none), so that the error lines
// whisper logs for an aborted run are demoted to debug. The flag stays the job's; cleared before the job ends.
void set_thread_job_aborted(const std::atomic<bool>* aborted);

// ---- loading (model-load.cc) -----------------------------------------------------------------------------------
Napi::Value LoadModel(const Napi::CallbackInfo& info);

// ---- job options (model.cc reads them, transcribe-job.cc runs them) ----------------------------------------------
// Bounds on what a caller may pass. Text whisper tokenizes itself stays short: its word split (std::regex)
// recurses once per character and its match is cubic in a word's length, so a long prompt without spaces
// overflowed the decode thread's stack. Longer prompts arrive as tokens.
constexpr size_t kMaxPromptTextBytes = 1024;
constexpr size_t kMaxLanguageBytes = 16;
constexpr double kMaxThreads = 256;

struct JobOptions {
  int threads = 1;
  std::string language = "en";  // code, or "auto"
  bool detect_language = false;
  std::string prompt;                        // whisper tokenizes it (at most kMaxPromptTextBytes)
  std::vector<whisper_token> prompt_tokens;  // or the prompt already tokenized (src/engine/tokenizer.ts)
  float temperature = 0.0f;
  bool translate = false;
  int audio_ctx = 0;
  bool token_timestamps = true;
  int nice = 0;  // added to the worker's nice value for the run; 0 = unchanged
  // whisper_full computes the spectrogram itself (unabortable): the reference the tests compare earshot's with
  bool whisper_mel = false;
};

// ---- the model (model.cc) --------------------------------------------------------------------------------------
class Model : public Napi::ObjectWrap<Model> {
 public:
  // The Model class of this env (each env, e.g. a worker thread, has its own; kept in the env's instance data).
  static Napi::Function Init(Napi::Env env);
  // A new JS Model of `env`'s class, owning `ctx` (JS thread). On a throw the caller still owns ctx.
  static Napi::Object New(Napi::Env env, whisper_context* ctx);

  explicit Model(const Napi::CallbackInfo& info);
  ~Model() override { Release(); }

  whisper_context* ctx() const { return ctx_; }  // stays the Model's

  // A state for one job: an idle one from the pool, or a new one; nullptr when allocation fails. Worker threads
  // call these; the borrower owns the state until it hands it back with Return (reused) or Discard (freed).
  whisper_state* Borrow();
  void Return(whisper_state* st);
  void Discard(whisper_state* st);
  void JobStarted() { active_++; }  // JS thread, before the job is queued
  void JobDone() { active_--; }     // JS thread, when the job settles

 private:
  void Release();
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value ActiveJobs(const Napi::CallbackInfo& info);
  Napi::Value Free(const Napi::CallbackInfo& info);
  Napi::Value Transcribe(const Napi::CallbackInfo& info);
  Napi::Value Spectrogram(const Napi::CallbackInfo& info);
  Napi::Value Tokenize(const Napi::CallbackInfo& info);
  JobOptions ReadJobOptions(Napi::Env env, Napi::Object o);
  std::vector<whisper_token> ReadPromptTokens(Napi::Env env, Napi::Value v);

  whisper_context* ctx_ = nullptr;    // owned; nullptr after free()
  std::mutex mutex_;                  // guards idle_
  std::vector<whisper_state*> idle_;  // owned, each created from ctx_
  std::atomic<int> active_{0};        // queued or running jobs
};

// ---- one transcription job (transcribe-job.cc) -----------------------------------------------------------------
// Queues one job on `model` (JS thread; model_obj is its JS object, held by the job so the Model outlives it) and
// returns [promise, abort]. on_segment: a function for each new segment, or anything else for none. Throws
// Napi::Error before anything is queued.
Napi::Value StartTranscription(Napi::Env env, Model* model, Napi::Object model_obj, std::vector<float> pcm,
                               JobOptions opts, Napi::Value on_segment);

}  // namespace earshot

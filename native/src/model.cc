// The JS Model object: owns one whisper_context and the pool of idle whisper_state its jobs borrow, and answers the
// synchronous methods (transcribe's argument checks, spectrogram, info, activeJobs, free). The job itself runs in
// transcribe-job.cc; this file is what must stay valid while jobs run (the context, the pool, the job count).
#include <algorithm>
#include <cmath>

#include "addon.h"

namespace earshot {

namespace {
// Per env, not a static: a worker thread loading the addon must not replace the main thread's class (a Model
// made from a dead env's constructor crashes). Owned by the env, which deletes it at teardown.
struct ModelClass { Napi::FunctionReference constructor; };
}  // namespace

Napi::Function Model::Init(Napi::Env env) {
  Napi::Function fn = DefineClass(env, "Model", {
    InstanceMethod("transcribe", &Model::Transcribe),
    InstanceMethod("spectrogram", &Model::Spectrogram),
    InstanceMethod("tokenize", &Model::Tokenize),
    InstanceMethod("info", &Model::Info),
    InstanceMethod("activeJobs", &Model::ActiveJobs),
    InstanceMethod("free", &Model::Free),
  });
  env.SetInstanceData(new ModelClass{Napi::Persistent(fn)});
  return fn;
}

Napi::Object Model::New(Napi::Env env, whisper_context* ctx) {
  ModelClass* cls = env.GetInstanceData<ModelClass>();
  if (!cls) throw Napi::Error::New(env, "the whisper addon is not initialised in this thread");
  return cls->constructor.New({Napi::External<whisper_context>::New(env, ctx)});
}

Model::Model(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Model>(info) {
  // Only ever constructed by Model::New with an External holding the context.
  if (info.Length() < 1 || !info[0].IsExternal()) {
    Napi::TypeError::New(info.Env(), "Model cannot be constructed directly; use loadModel()").ThrowAsJavaScriptException();
    return;
  }
  ctx_ = info[0].As<Napi::External<whisper_context>>().Data();  // the External only carries it: ours from here
}

whisper_state* Model::Borrow() {
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

void Model::Return(whisper_state* st) {
  if (!st) return;
  std::lock_guard<std::mutex> lock(mutex_);
  idle_.push_back(st);
}

void Model::Discard(whisper_state* st) {
  if (st) whisper_free_state(st);
}

void Model::Release() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (whisper_state* st : idle_) whisper_free_state(st);
  idle_.clear();
  if (ctx_) whisper_free(ctx_);
  ctx_ = nullptr;
}

Napi::Value Model::Info(const Napi::CallbackInfo& info) {
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

Napi::Value Model::ActiveJobs(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), active_.load()); }

Napi::Value Model::Free(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (active_.load() > 0) throw Napi::Error::New(env, "whisper model is in use by a running transcription");
  Release();
  return env.Undefined();
}

// Every option a job takes, checked before anything is queued: each is a JS exception when out of range, never
// something whisper is left to trip over. The caller (src/engine/binding.ts) bounds them already; this is the
// second line for anything that calls the addon directly.
JobOptions Model::ReadJobOptions(Napi::Env env, Napi::Object o) {
  auto num = [&](const char* k, double def, double lo, double hi) {
    Napi::Value v = o.Get(k);
    if (v.IsUndefined()) return def;
    double x = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
    if (!(x >= lo && x <= hi)) {  // NaN fails too
      throw Napi::RangeError::New(env, std::string(k) + " must be a number from " + std::to_string(static_cast<int>(lo)) +
                                           " to " + std::to_string(static_cast<int>(hi)));
    }
    return x;
  };
  auto flag = [&](const char* k, bool def) {
    Napi::Value v = o.Get(k);
    return v.IsBoolean() ? v.As<Napi::Boolean>().Value() : def;
  };
  auto str = [&](const char* k, const std::string& def, size_t max_bytes) {
    Napi::Value v = o.Get(k);
    if (!v.IsString()) return def;
    std::string s = v.As<Napi::String>().Utf8Value();
    if (s.size() > max_bytes) {
      throw Napi::RangeError::New(env, std::string(k) + " is longer than " + std::to_string(max_bytes) + " bytes");
    }
    return s;
  };
  JobOptions opts;
  opts.threads = static_cast<int>(num("threads", 1, 1, kMaxThreads));
  opts.language = str("language", "en", kMaxLanguageBytes);
  opts.detect_language = flag("detectLanguage", false);
  opts.prompt = str("prompt", "", kMaxPromptTextBytes);
  opts.prompt_tokens = ReadPromptTokens(env, o.Get("promptTokens"));
  if (!opts.prompt.empty() && !opts.prompt_tokens.empty()) {
    throw Napi::TypeError::New(env, "give prompt or promptTokens, not both");
  }
  opts.temperature = static_cast<float>(num("temperature", 0, 0, 1));
  opts.translate = str("task", "transcribe", 16) == "translate";
  // past the model's context whisper_full refuses it itself (an error, tested); the bound keeps the cast defined
  opts.audio_ctx = static_cast<int>(num("audioCtx", 0, 0, 1 << 20));
  opts.token_timestamps = flag("tokenTimestamps", true);
  opts.nice = static_cast<int>(num("nice", 0, -40, 40));
  opts.whisper_mel = flag("whisperMel", false);
  if (opts.language != "auto" && whisper_lang_id(opts.language.c_str()) < 0) {
    throw Napi::Error::New(env, "unknown language '" + opts.language + "'");  // at most kMaxLanguageBytes
  }
  return opts;
}

// promptTokens: an Int32Array of text tokens (below <|endoftext|>), at most the prompt half of the text context
// (whisper keeps only that much of any prompt). Anything else is refused.
std::vector<whisper_token> Model::ReadPromptTokens(Napi::Env env, Napi::Value v) {
  if (v.IsUndefined()) return {};
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw Napi::TypeError::New(env, "promptTokens must be an Int32Array");
  }
  Napi::Int32Array ids = v.As<Napi::Int32Array>();
  const size_t max_tokens = static_cast<size_t>(whisper_n_text_ctx(ctx_) / 2);
  if (ids.ElementLength() > max_tokens) {
    throw Napi::RangeError::New(env, "promptTokens holds " + std::to_string(ids.ElementLength()) + " tokens; the model takes at most " +
                                         std::to_string(max_tokens));
  }
  const whisper_token eot = whisper_token_eot(ctx_);
  std::vector<whisper_token> out(ids.Data(), ids.Data() + ids.ElementLength());
  for (whisper_token id : out) {
    if (id < 0 || id >= eot) throw Napi::RangeError::New(env, "promptTokens holds " + std::to_string(id) + ", not a text token of this model");
  }
  return out;
}

// tokenize(text) -> Int32Array: whisper_tokenize itself, for the tests that check earshot's tokenizer
// (src/engine/tokenizer.ts) gives the same ids. Bounded: whisper's word split recurses once per character.
Napi::Value Model::Tokenize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!ctx_) throw Napi::Error::New(env, "whisper model has been freed");
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "tokenize(text: string)");
  std::string text = info[0].As<Napi::String>().Utf8Value();
  if (text.size() > kMaxPromptTextBytes) {
    throw Napi::RangeError::New(env, "text is longer than " + std::to_string(kMaxPromptTextBytes) + " bytes");
  }
  std::vector<whisper_token> ids(text.size() + 1);  // never more tokens than bytes
  int n = whisper_tokenize(ctx_, text.c_str(), ids.data(), static_cast<int>(ids.size()));
  if (n < 0) throw Napi::Error::New(env, "whisper_tokenize failed");
  Napi::Int32Array out = Napi::Int32Array::New(env, static_cast<size_t>(n));
  std::copy(ids.begin(), ids.begin() + n, out.Data());
  return out;
}

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
  JobOptions opts = ReadJobOptions(env, o);
  if (opts.whisper_mel && pcm.size() <= 200) {
    throw Napi::Error::New(env, "whisperMel needs more than 200 samples (whisper reads samples[1..200])");
  }
  Napi::Value on_segment = info.Length() > 2 ? info[2] : env.Undefined();
  return StartTranscription(env, this, Value(), std::move(pcm), std::move(opts), on_segment);
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
  Napi::Float32Array pcm = info[0].As<Napi::Float32Array>();  // read during the call only, stays the caller's
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
  return spectrogram_to_js(env, earshot_whisper_state_input(st), energy);
}

}  // namespace earshot

// The JS Model object: owns one whisper_context and the pool of idle whisper_state its jobs borrow, and answers the
// synchronous methods (transcribe's argument checks, spectrogram, info, activeJobs, free). The job itself runs in
// transcribe-job.cc; this file is what must stay valid while jobs run (the context, the pool, the job count).
#include <algorithm>

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

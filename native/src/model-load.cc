// loadModel(path, { flashAttn }) -> Promise<Model>: reads the model file on the libuv pool into a whisper_context
// without state (states are the Model's pool, model.cc). Apart because loading has its own failure modes: a header
// whisper would abort() the process on is refused here first.
#include <cstdio>

#include "addon.h"

namespace earshot {
namespace {

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

// Queued once, deletes itself after OnOK/OnError (node-addon-api's AsyncWorker). Exceptions from Execute become
// the rejection (AsyncWorker catches std::exception there).
class LoadWorker : public Napi::AsyncWorker {
 public:
  LoadWorker(Napi::Env env, std::string path, bool flash_attn)
      : Napi::AsyncWorker(env, "whisper-load"), path_(std::move(path)), flash_attn_(flash_attn),
        deferred_(Napi::Promise::Deferred::New(env)) {}
  // A context never handed to a Model (the env went away before OnOK) is freed with the worker.
  ~LoadWorker() override {
    if (ctx_) whisper_free(ctx_);
  }
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
    Napi::Object model;
    try {
      model = Model::New(env, ctx_);
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());  // ctx_ still ours: the destructor frees it
      return;
    }
    ctx_ = nullptr;  // the Model's now (freed by free() or its finalizer)
    deferred_.Resolve(model);
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  std::string path_;
  bool flash_attn_;
  whisper_context* ctx_ = nullptr;  // owned until OnOK hands it to a Model
  Napi::Promise::Deferred deferred_;
};

}  // namespace

Napi::Value LoadModel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "loadModel(path: string, options?)");
  bool flash_attn = true;
  if (info.Length() > 1 && info[1].IsObject()) {
    Napi::Value v = info[1].As<Napi::Object>().Get("flashAttn");
    if (v.IsBoolean()) flash_attn = v.As<Napi::Boolean>().Value();
  }
  // ours until queued; once queued it deletes itself when done
  std::unique_ptr<LoadWorker> w(new LoadWorker(env, info[0].As<Napi::String>().Utf8Value(), flash_attn));
  Napi::Promise p = w->Promise();
  w->Queue();
  w.release();
  return p;
}

}  // namespace earshot

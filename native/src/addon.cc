// Module registration of earshot's whisper.cpp addon, and the process-wide functions that belong to no model:
// systemInfo(), version(), setSpinYield(every). What each other file owns: see addon.h.
#include "addon.h"
#include "spin-yield.h"

namespace earshot {
namespace {

Napi::Value SystemInfo(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), whisper_print_system_info());  // whisper's static buffer, copied
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

}  // namespace
}  // namespace earshot

// At global scope: NODE_API_MODULE pastes the function's name into an identifier.
static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  using namespace earshot;
  whisper_log_set(log_callback, nullptr);
  exports.Set("Model", Model::Init(env));
  exports.Set("loadModel", Napi::Function::New(env, LoadModel, "loadModel"));
  exports.Set("systemInfo", Napi::Function::New(env, SystemInfo, "systemInfo"));
  exports.Set("version", Napi::Function::New(env, Version, "version"));
  exports.Set("setLogger", Napi::Function::New(env, SetLogger, "setLogger"));
  exports.Set("setSpinYield", Napi::Function::New(env, SetSpinYield, "setSpinYield"));
  return exports;
}

NODE_API_MODULE(earshot_whisper, InitModule)

// whisper's results copied out of a whisper_state (worker thread) and converted to JS values (JS thread).
// Kept apart from the job so that the job's files are about running whisper, and the JS shapes live in one place
// (their TypeScript view: src/engine/binding.ts). Times leave whisper in centiseconds and reach JS in ms.
#include <cstring>

#include "addon.h"

namespace earshot {

SegmentOut read_segment(whisper_context* ctx, whisper_state* st, int i) {
  SegmentOut s;
  s.t0 = whisper_full_get_segment_t0_from_state(st, i);
  s.t1 = whisper_full_get_segment_t1_from_state(st, i);
  const char* text = whisper_full_get_segment_text_from_state(st, i);  // the state's, copied
  s.text = text ? text : "";
  s.no_speech_prob = whisper_full_get_segment_no_speech_prob_from_state(st, i);
  int n = whisper_full_n_tokens_from_state(st, i);
  s.tokens.reserve(n);
  for (int j = 0; j < n; j++) {
    whisper_token_data d = whisper_full_get_token_data_from_state(st, i, j);
    const char* b = whisper_token_to_str(ctx, d.id);  // the context's vocabulary, copied
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

Napi::Object transcript_to_js(Napi::Env env, const TranscriptOut& t) {
  Napi::Object r = Napi::Object::New(env);
  Napi::Array segs = Napi::Array::New(env, t.segments.size());
  for (size_t i = 0; i < t.segments.size(); i++) segs.Set(static_cast<uint32_t>(i), segment_to_js(env, t.segments[i]));
  r.Set("segments", segs);
  r.Set("language", Napi::String::New(env, t.language));
  if (t.language_prob >= 0) r.Set("languageProbability", Napi::Number::New(env, t.language_prob));
  Napi::Object timings = Napi::Object::New(env);
  timings.Set("totalMs", Napi::Number::New(env, t.total_ms));
  if (t.has_mel_ms) timings.Set("melMs", Napi::Number::New(env, t.mel_ms));
  if (t.detect_ms > 0) timings.Set("detectMs", Napi::Number::New(env, t.detect_ms));
  r.Set("timings", timings);
  return r;
}

Napi::Error aborted_error(Napi::Env env) {
  Napi::Error err = Napi::Error::New(env, "the transcription was aborted");
  err.Set("code", Napi::String::New(env, "ABORTED"));
  return err;
}

Napi::Object spectrogram_to_js(Napi::Env env, const earshot_whisper_input& in, bool energy) {
  // in's arrays belong to the state (valid until its next run): copied into JS-owned arrays here
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

}  // namespace earshot

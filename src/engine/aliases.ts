/**
 * Model aliases: names clients send (Deepgram's `nova-3`, OpenAI's `whisper-1`, …) mapped to installed models.
 *
 * A rule is `pattern=target[|target…]`. A pattern is a lower-case name, or a prefix ending in `*`. A target is an
 * installed model name or `default` (DEFAULT_MODEL); alternatives separated by `|` are tried in order. Each target
 * names a model family: for an English request (the language is English or unset, no detection asked) its `.en`
 * variant is preferred when installed, otherwise the multilingual one — so `nova-3` with `language=de` runs `base`
 * when DEFAULT_MODEL is `base.en` and `base` is installed too.
 *
 * MODEL_ALIASES rules come before these defaults, so a user rule for the same name (or a narrower pattern) wins.
 */

export interface AliasRule {
  /** Lower-case; a trailing `*` matches any rest of the name. */
  pattern: string
  targets: string[]
}

/** The built-in rules, in MODEL_ALIASES syntax (documented in docs/models.md "Model aliases"). */
export const DEFAULT_MODEL_ALIASES = [
  // Deepgram's own models: the installed default model
  'nova-3=default', 'nova-3-*=default', 'nova-2=default', 'nova-2-*=default', 'nova=default', 'nova-*=default',
  'enhanced=default', 'enhanced-*=default', 'base=default', 'base-*=default',
  // Deepgram's older base-tier use-case names (`general` is what older SDKs and docs send as the base tier)
  'general=default', 'meeting=default', 'phonecall=default', 'finance=default', 'conversationalai=default', 'voicemail=default', 'video=default',
  // Deepgram's hosted Whisper sizes: the matching installed whisper model (`whisper` alone is Deepgram's medium)
  'whisper-tiny=tiny', 'whisper-base=base', 'whisper-small=small', 'whisper-medium=medium', 'whisper=medium',
  'whisper-large=large-v3|large-v2|large|large-v1|large-v3-turbo',
  // OpenAI's transcription models, dated snapshots included
  'whisper-1=default', 'gpt-4o-transcribe=default', 'gpt-4o-transcribe-*=default',
  'gpt-4o-mini-transcribe=default', 'gpt-4o-mini-transcribe-*=default'
].join(',')

const RULE_RE = /^([a-z0-9][a-z0-9._-]*\*?|\*)=([a-z0-9][a-z0-9._-]*(\|[a-z0-9][a-z0-9._-]*)*)$/

/** Parses MODEL_ALIASES syntax (comma or whitespace separated rules); throws listing the bad entries. */
export function parseAliases (text: string): AliasRule[] {
  const entries = text.split(/[\s,]+/).map((e) => e.trim().toLowerCase()).filter((e) => e !== '')
  const bad = entries.filter((e) => !RULE_RE.test(e))
  if (bad.length > 0) {
    throw new Error(`expected name=model or prefix*=model[|fallback…], got ${bad.map((b) => `'${b}'`).join(', ')}`)
  }
  return entries.map((e) => {
    const [pattern, targets] = e.split('=') as [string, string]
    return { pattern, targets: targets.split('|') }
  })
}

export const DEFAULT_ALIAS_RULES: AliasRule[] = parseAliases(DEFAULT_MODEL_ALIASES)

/** The first rule matching `name` (already lower-case): exact patterns win over prefixes, longer prefixes first. */
export function matchAlias (rules: AliasRule[], name: string): AliasRule | undefined {
  const exact = rules.find((r) => r.pattern === name)
  if (exact !== undefined) return exact
  let best: AliasRule | undefined
  for (const r of rules) {
    if (!r.pattern.endsWith('*') || !name.startsWith(r.pattern.slice(0, -1))) continue
    if (best === undefined || r.pattern.length > best.pattern.length) best = r
  }
  return best
}

/**
 * The installed names to try for an alias target, most preferred first: `default` becomes DEFAULT_MODEL, and the
 * family's `.en` variant goes first for an English request, last otherwise.
 */
export function targetCandidates (target: string, defaultModel: string, english: boolean): string[] {
  const name = (target === 'default' ? defaultModel : target).toLowerCase()
  const family = name.endsWith('.en') ? name.slice(0, -3) : name.replace(/\.en(-q\d.*)$/, '$1')
  const quant = /(-q\d.*)$/.exec(family)?.[1] ?? ''
  const base = quant === '' ? family : family.slice(0, -quant.length)
  const en = `${base}.en${quant}`
  return english ? [en, family] : [family, en]
}

/** Rules in MODEL_ALIASES syntax, for messages. */
export function describeRules (rules: AliasRule[]): string {
  return rules.map((r) => r.pattern).join(', ')
}

/** Secret-looking names (the seed's SecretEnvPatterns, plus policy-supplied patterns). */
export const DEFAULT_SECRET_PATTERNS: ReadonlyArray<string> = [
  "PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "APIKEY", "ACCESS_KEY", "PRIVATE_KEY", "CREDENTIAL",
  "AUTH", "JWT", "BEARER", "AWS_", "GITHUB_", "STRIPE_", "DATABASE_URL", "REDIS_URL", "MONGODB_URI",
  "POSTGRES_", "MYSQL_"
]

export const isSecretKey = (key: string, extra: ReadonlyArray<string> = []): boolean => {
  const up = key.toUpperCase()
  return DEFAULT_SECRET_PATTERNS.some((p) => up.includes(p)) || extra.some((p) => up.includes(p.toUpperCase()))
}

/** Parse `KEY=VALUE` / `KEY` into the masked env model. The value is dropped here. */
export const envVar = (spec: string) => {
  const eq = spec.indexOf("=")
  const key = eq < 0 ? spec : spec.slice(0, eq)
  return { key, hasValue: eq >= 0, secretLike: isSecretKey(key) }
}

/** Mask a secret for display: first 4 and last 4 characters, or `****`. */
export const redact = (value: string): string =>
  value.length <= 8 ? "****" : `${value.slice(0, 4)}****${value.slice(-4)}`

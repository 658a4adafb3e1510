/**
 * A small POSIX-shell word splitter for the captured fixture command lines, so the docker CLI
 * parser sees the argv the capture shell handed to `docker`.
 *
 * Handles: blanks between words; single quotes (literal); double quotes (backslash escapes only
 * `$ \` " \\` and newline, as in sh); backslash outside quotes; a `#` starting a word begins a
 * comment; redirections (`<`, `>`, `>>`, `2>`, `2>&1`, `<<<`) and their target are removed from
 * argv (the shell performs them, docker never sees them). A command list (`|`, `;`, `&&`, `||`,
 * `&`) ends the first command: only the first command's words are returned.
 * Not handled (throws): variable/command expansion (`$`, backtick) and globs, which would need a
 * real shell; none of the fixture lines use them outside quotes.
 */
export const shellWords = (line: string): Array<string> => {
  const words: Array<string> = []
  let cur = ""
  let inWord = false
  let redirect = false // the next word is a redirection target: drop it
  const end = (): void => {
    if (inWord) {
      if (redirect) redirect = false
      else words.push(cur)
    }
    cur = ""
    inWord = false
  }
  let i = 0
  while (i < line.length) {
    const ch = line[i] ?? ""
    if (ch === "'") {
      const close = line.indexOf("'", i + 1)
      if (close < 0) throw new Error(`unterminated single quote in: ${line}`)
      cur += line.slice(i + 1, close)
      inWord = true
      i = close + 1
    } else if (ch === '"') {
      i++
      for (;;) {
        if (i >= line.length) throw new Error(`unterminated double quote in: ${line}`)
        const c = line[i] ?? ""
        if (c === '"') break
        if (c === "$" || c === "`") throw new Error(`expansion inside double quotes is not supported: ${line}`)
        if (c === "\\" && i + 1 < line.length && '$`"\\\n'.includes(line[i + 1] ?? "")) {
          cur += line[i + 1]
          i += 2
        } else {
          cur += c
          i++
        }
      }
      inWord = true
      i++
    } else if (ch === "\\") {
      if (i + 1 < line.length && line[i + 1] !== "\n") cur += line[i + 1]
      inWord = true
      i += 2
    } else if (ch === " " || ch === "\t" || ch === "\n") {
      end()
      i++
    } else if (ch === "#" && !inWord) {
      break
    } else if (ch === "|" || ch === ";" || ch === "&") {
      end()
      break
    } else if (ch === "<" || ch === ">") {
      // an fd number directly before the operator belongs to it (`2>`), not to argv
      if (inWord && /^[0-9]+$/.test(cur)) {
        cur = ""
        inWord = false
      }
      end()
      let j = i + 1
      while (line[j] === "<" || line[j] === ">") j++
      if (line[j] === "&") {
        // `>&1` / `2>&1`: duplicate a descriptor, the target is the fd number
        j++
        while (/[0-9-]/.test(line[j] ?? "")) j++
        i = j
        continue
      }
      redirect = true
      i = j
    } else if (ch === "$" || ch === "`" || ch === "*" || ch === "?") {
      throw new Error(`shell expansion (${ch}) is not supported: ${line}`)
    } else {
      cur += ch
      inWord = true
      i++
    }
  }
  end()
  if (redirect) throw new Error(`redirection without a target in: ${line}`)
  return words
}

import { describe, expect, it } from "vitest"
import { shellWords } from "./shell-words.ts"

describe("shellWords: split a fixture command line as sh would", () => {
  it("splits on blanks and keeps quoted text together", () => {
    expect(shellWords(`docker create --device-cgroup-rule 'b 8:* rmw' busybox:local`)).toEqual(["docker", "create", "--device-cgroup-rule", "b 8:* rmw", "busybox:local"])
    expect(shellWords(`docker run -it --rm busybox:local sh -c "echo hi-from-tty"`)).toEqual(["docker", "run", "-it", "--rm", "busybox:local", "sh", "-c", "echo hi-from-tty"])
    expect(shellWords(`docker import --change 'CMD ["sh"]' x`)).toEqual(["docker", "import", "--change", `CMD ["sh"]`, "x"])
    expect(shellWords(`a  b\t'c'"d"e`)).toEqual(["a", "b", "cde"])
    expect(shellWords(`a '' ""`)).toEqual(["a", "", ""])
  })
  it("handles backslashes like sh (outside quotes and inside double quotes)", () => {
    expect(shellWords(`a\\ b "x\\"y" "p\\q" 'r\\s'`)).toEqual(["a b", `x"y`, "p\\q", "r\\s"])
  })
  it("drops redirections and their targets, which docker never sees", () => {
    expect(shellWords(`docker run -i --rm busybox:local cat < /srv/cap/work/hello.txt`)).toEqual(["docker", "run", "-i", "--rm", "busybox:local", "cat"])
    expect(shellWords(`docker export web > /dev/null`)).toEqual(["docker", "export", "web"])
    expect(shellWords(`docker x 2>/dev/null y 2>&1 z >>log`)).toEqual(["docker", "x", "y", "z"])
    expect(shellWords(`docker cp web:/etc - >/dev/null`)).toEqual(["docker", "cp", "web:/etc", "-"])
  })
  it("returns only the first command of a list or pipeline, and stops at a comment", () => {
    expect(shellWords(`docker ps | head -1`)).toEqual(["docker", "ps"])
    expect(shellWords(`docker ps && docker images; true`)).toEqual(["docker", "ps"])
    expect(shellWords(`docker ps # list`)).toEqual(["docker", "ps"])
    expect(shellWords(`docker ps a#b`)).toEqual(["docker", "ps", "a#b"])
  })
  it("refuses what needs a real shell instead of guessing", () => {
    expect(() => shellWords(`docker node update $(docker node ls -q)`)).toThrow(/expansion/)
    expect(() => shellWords(`docker run "$HOME"`)).toThrow(/expansion/)
    expect(() => shellWords(`docker run 'x`)).toThrow(/unterminated/)
    expect(() => shellWords(`docker run x >`)).toThrow(/redirection/)
  })
})

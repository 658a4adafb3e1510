/** `sentinel install [--method alias|wrapper|path] [--shell bash|zsh|fish]`: how to route `docker` through Sentinel. */
import { Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"

export const wrapperInstructions = (method: string, shell: string): string => {
  if (method === "alias") {
    const rc = shell === "zsh" ? "~/.zshrc" : shell === "fish" ? "~/.config/fish/config.fish" : "~/.bashrc"
    const line = shell === "fish" ? "alias docker 'sentinel exec --'" : "alias docker='sentinel exec --'"
    return `Add this line to ${rc}:\n\n  ${line}\n\nThen open a new shell. Note: an alias is advisory — anyone can call /usr/bin/docker directly.\nEnforce the policy for every client with the AuthZ plugin: sudo sentinel authz install\n`
  }
  const verb = method === "path" ? "cp" : "mv"
  return `Run as root:\n\n  ${verb} "$(command -v docker)" /usr/local/bin/docker-real\n  ln -sf "$(command -v sentinel)" /usr/local/bin/docker\n\nSentinel recognises being called as \`docker\` and runs \`sentinel exec -- docker ...\`, which then\nexecutes docker-real. This is advisory too; the AuthZ plugin is the enforcing path.\n`
}

export const installCommand = Command.make(
  "install",
  {
    method: Options.choice("method", ["alias", "wrapper", "path"]).pipe(Options.withDefault("alias" as const)),
    shell: Options.choice("shell", ["bash", "zsh", "fish"]).pipe(Options.optional)
  },
  ({ method, shell }) =>
    Effect.sync(() => {
      const detected = (process.env["SHELL"] ?? "").split("/").pop() ?? ""
      const sh = Option.getOrElse(shell, () => (["bash", "zsh", "fish"].includes(detected) ? detected : "bash"))
      process.stdout.write(wrapperInstructions(method, sh))
    })
).pipe(Command.withDescription("print how to route the docker CLI through `sentinel exec` (advisory)"))

import { evaluate } from "../../src/domain/decide-impl.ts"
import { parseDockerCommand } from "../../src/adapters/docker-cli/parse.ts"
import { loadTemplates, summarize } from "./corpus.ts"
const pol = loadTemplates()
for (const t of ["default","strict","production","ci-cd","permissive","development"] as const) {
  const create = parseDockerCommand(["docker","run","--rm","-v","/srv/app:/app","busybox","ls"])
  const exec = parseDockerCommand(["docker","exec","app","ls"])
  if (create._tag !== "Parsed" || exec._tag !== "Parsed") throw 1
  const facts = { id: "a".repeat(64), privileged: false, hostMounts: ["/srv/app"], capAdd: [], pidHost: false, networkHost: false }
  console.log(t, JSON.stringify(summarize(evaluate(create.request, pol[t]))), JSON.stringify(summarize(evaluate({ ...exec.request, targetFacts: facts }, pol[t]))))
}
